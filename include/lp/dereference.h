#ifndef LP_DEREFERENCE_H_
#define LP_DEREFERENCE_H_

// Turning handles into clients. A node's constructor (or function) arguments may hold
// handles directly or inside std::vector, std::array, std::map, std::unordered_map,
// std::optional, std::pair and std::tuple, nested freely. Just before the node is
// constructed, in its own thread or process, every handle among them is replaced by
// handle.Dereference(): Dereferenced<T> is the type the constructor then receives.

#include <array>
#include <cstddef>
#include <map>
#include <optional>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "lp/handle.h"

namespace lp {

// Dereferencer<T>: `type` is what T becomes; Apply(const T&) makes it. The primary
// template passes values through unchanged (a copy: a node may run more than once, e.g.
// when a colocation restarts it).
template <typename T>
struct Dereferencer {
  using type = T;
  static const T& Apply(const T& value) { return value; }
};

template <typename T>
using Dereferenced = typename Dereferencer<std::decay_t<T>>::type;

template <typename T>
decltype(auto) Dereference(const T& value) {
  return Dereferencer<T>::Apply(value);
}

template <DereferenceableHandle H>
struct Dereferencer<H> {
  using type = typename H::ClientType;
  static type Apply(const H& handle) { return handle.Dereference(); }
};

template <typename T, typename A>
struct Dereferencer<std::vector<T, A>> {
  using type = std::vector<Dereferenced<T>>;
  static type Apply(const std::vector<T, A>& values) {
    type out;
    out.reserve(values.size());
    for (const auto& value : values) out.push_back(Dereference(value));
    return out;
  }
};

template <typename T, std::size_t N>
struct Dereferencer<std::array<T, N>> {
  using type = std::array<Dereferenced<T>, N>;
  static type Apply(const std::array<T, N>& values) {
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
      return type{Dereference(values[I])...};
    }(std::make_index_sequence<N>());
  }
};

template <typename T>
struct Dereferencer<std::optional<T>> {
  using type = std::optional<Dereferenced<T>>;
  static type Apply(const std::optional<T>& value) {
    if (!value.has_value()) return std::nullopt;
    return type(Dereference(*value));
  }
};

// Map keys stay as they are: a key names an entry, it is not a connection.
template <typename K, typename V, typename C, typename A>
struct Dereferencer<std::map<K, V, C, A>> {
  using type = std::map<K, Dereferenced<V>, C>;
  static type Apply(const std::map<K, V, C, A>& values) {
    type out;
    for (const auto& [key, value] : values) out.emplace(key, Dereference(value));
    return out;
  }
};

template <typename K, typename V, typename H, typename E, typename A>
struct Dereferencer<std::unordered_map<K, V, H, E, A>> {
  using type = std::unordered_map<K, Dereferenced<V>, H, E>;
  static type Apply(const std::unordered_map<K, V, H, E, A>& values) {
    type out;
    for (const auto& [key, value] : values) out.emplace(key, Dereference(value));
    return out;
  }
};

template <typename A, typename B>
struct Dereferencer<std::pair<A, B>> {
  using type = std::pair<Dereferenced<A>, Dereferenced<B>>;
  static type Apply(const std::pair<A, B>& value) {
    return type(Dereference(value.first), Dereference(value.second));
  }
};

template <typename... T>
struct Dereferencer<std::tuple<T...>> {
  using type = std::tuple<Dereferenced<T>...>;
  static type Apply(const std::tuple<T...>& value) {
    return std::apply([](const auto&... items) { return type(Dereference(items)...); }, value);
  }
};

}  // namespace lp

#endif  // LP_DEREFERENCE_H_
