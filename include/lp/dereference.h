#ifndef LP_DEREFERENCE_H_
#define LP_DEREFERENCE_H_

// Turning handles into clients. A node's constructor (or function) arguments may hold
// handles directly or inside std::vector, std::array, std::map, std::unordered_map,
// std::optional, std::pair and std::tuple, nested freely. Just before the node is
// constructed, in its own thread or process, every handle among them is replaced by
// handle.Dereference(): Dereferenced<T> is the type the constructor then receives.

#include <array>
#include <concepts>
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

// Dereferencer<T>: `type` is what T becomes; Apply(const T&) makes it; ForEachHandle(const
// T&, visit) calls visit(const HandleBase&) for every handle inside, in order, without
// dereferencing (the program graph draws them as edges: Program::ToDot). The primary
// template passes values through unchanged (a copy: a node may run more than once, e.g.
// when a colocation restarts it); a handle without a client (NodeHandle) is visited as
// itself.
template <typename T>
struct Dereferencer {
  using type = T;
  static const T& Apply(const T& value) { return value; }
  template <typename F>
  static void ForEachHandle(const T& value, F& visit) {
    if constexpr (std::derived_from<T, HandleBase>) visit(static_cast<const HandleBase&>(value));
  }
};

template <typename T>
using Dereferenced = typename Dereferencer<std::decay_t<T>>::type;

template <typename T>
decltype(auto) Dereference(const T& value) {
  return Dereferencer<T>::Apply(value);
}

// Calls visit(const HandleBase&) for every handle in `value` (see Dereferencer). A
// Dereferencer specialized elsewhere without ForEachHandle contributes none.
template <typename T, typename F>
void ForEachHandle(const T& value, F& visit) {
  if constexpr (requires { Dereferencer<T>::ForEachHandle(value, visit); }) {
    Dereferencer<T>::ForEachHandle(value, visit);
  }
}

template <DereferenceableHandle H>
struct Dereferencer<H> {
  using type = typename H::ClientType;
  static type Apply(const H& handle) { return handle.Dereference(); }
  template <typename F>
  static void ForEachHandle(const H& handle, F& visit) {
    visit(static_cast<const HandleBase&>(handle));
  }
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
  template <typename F>
  static void ForEachHandle(const std::vector<T, A>& values, F& visit) {
    for (const auto& value : values) lp::ForEachHandle(value, visit);
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
  template <typename F>
  static void ForEachHandle(const std::array<T, N>& values, F& visit) {
    for (const auto& value : values) lp::ForEachHandle(value, visit);
  }
};

template <typename T>
struct Dereferencer<std::optional<T>> {
  using type = std::optional<Dereferenced<T>>;
  static type Apply(const std::optional<T>& value) {
    if (!value.has_value()) return std::nullopt;
    return type(Dereference(*value));
  }
  template <typename F>
  static void ForEachHandle(const std::optional<T>& value, F& visit) {
    if (value.has_value()) lp::ForEachHandle(*value, visit);
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
  template <typename F>
  static void ForEachHandle(const std::map<K, V, C, A>& values, F& visit) {
    for (const auto& [key, value] : values) lp::ForEachHandle(value, visit);
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
  template <typename F>
  static void ForEachHandle(const std::unordered_map<K, V, H, E, A>& values, F& visit) {
    for (const auto& [key, value] : values) lp::ForEachHandle(value, visit);
  }
};

template <typename A, typename B>
struct Dereferencer<std::pair<A, B>> {
  using type = std::pair<Dereferenced<A>, Dereferenced<B>>;
  static type Apply(const std::pair<A, B>& value) {
    return type(Dereference(value.first), Dereference(value.second));
  }
  template <typename F>
  static void ForEachHandle(const std::pair<A, B>& value, F& visit) {
    lp::ForEachHandle(value.first, visit);
    lp::ForEachHandle(value.second, visit);
  }
};

template <typename... T>
struct Dereferencer<std::tuple<T...>> {
  using type = std::tuple<Dereferenced<T>...>;
  static type Apply(const std::tuple<T...>& value) {
    return std::apply([](const auto&... items) { return type(Dereference(items)...); }, value);
  }
  template <typename F>
  static void ForEachHandle(const std::tuple<T...>& value, F& visit) {
    std::apply([&](const auto&... items) { (lp::ForEachHandle(items, visit), ...); }, value);
  }
};

}  // namespace lp

#endif  // LP_DEREFERENCE_H_
