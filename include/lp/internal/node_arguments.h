#ifndef LP_INTERNAL_NODE_ARGUMENTS_H_
#define LP_INTERNAL_NODE_ARGUMENTS_H_

// A node's stored constructor (or function) arguments, and how they travel from the
// launcher to the worker process that runs the node (docs/processes.md, "What travels").
//
// A worker runs main() again and so builds every argument again; the launcher's values
// are the ones that count. Each argument is one of:
//
//   a handle, or a container of handles   skipped: it names a node, and resolves in the
//                                         worker as everywhere (lp/dereference.h)
//   serializable (lp/serialize.h)         the launcher's value replaces the worker's
//   printable with operator<<             compared: the worker's text must equal the
//                                         launcher's, or the launch fails
//   anything else                         unchecked
//
// Pointers and smart pointers print an address, which differs between processes without
// meaning anything: they count as unchecked (a const char* counts as its text).

#include <concepts>
#include <cstddef>
#include <memory>
#include <ostream>
#include <sstream>
#include <string>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "lp/dereference.h"
#include "lp/handle.h"
#include "lp/internal/node_impl.h"
#include "lp/serialize.h"

namespace lp::internal {

template <typename T>
struct IsSmartPointer : std::false_type {};
template <typename T, typename D>
struct IsSmartPointer<std::unique_ptr<T, D>> : std::true_type {};
template <typename T>
struct IsSmartPointer<std::shared_ptr<T>> : std::true_type {};
template <typename T>
struct IsSmartPointer<std::weak_ptr<T>> : std::true_type {};

template <typename T>
concept PrintableArgument =
    requires(std::ostream& out, const T& value) { out << value; } &&
    (!std::is_pointer_v<T> || std::is_same_v<std::remove_cv_t<std::remove_pointer_t<T>>, char>) &&
    !IsSmartPointer<T>::value && !std::is_member_pointer_v<T>;

// How argument type T travels (see the file comment).
template <typename T>
constexpr EncodedArgument::Kind ArgumentKind() {
  if constexpr (std::derived_from<T, HandleBase> || !std::is_same_v<Dereferenced<T>, T>) {
    return EncodedArgument::Kind::kHandle;
  } else if constexpr (Serializable<T> && std::is_move_assignable_v<T>) {
    return EncodedArgument::Kind::kValue;
  } else if constexpr (PrintableArgument<T>) {
    return EncodedArgument::Kind::kPrinted;
  } else {
    return EncodedArgument::Kind::kUnchecked;
  }
}

template <typename T>
std::string PrintArgument(const T& value) {
  std::ostringstream out;
  out << value;
  return std::move(out).str();
}

// Defined in src/core/node_arguments.cc: the parts that need no template.
//
// The error for a worker whose argument `position` (of type `type_name`) printed as
// `worker_text` where the launcher's printed as `launcher_text`.
absl::Status ArgumentDiffers(size_t position, const std::string& type_name,
                             const std::string& launcher_text, const std::string& worker_text);
// The error for arguments that do not line up at all (the count, or an argument's type or
// kind, differs): the worker built the node with other arguments than the launcher.
absl::Status ArgumentsDoNotMatch(const std::vector<EncodedArgument>& launcher,
                                 const std::vector<EncodedArgument>& worker);

// OK when every status is; else the first error's code with every error's message.
absl::Status JoinArgumentErrors(const std::vector<absl::Status>& errors);

// Type-erased access to a node's stored arguments.
//
// Thread safety: Apply() is called once, in the worker, before the node runs (and so
// before anything reads the values); the rest only reads.
class StoredArgumentsBase {
 public:
  virtual ~StoredArgumentsBase() = default;
  // Every argument, in order, as the launcher sends it.
  virtual std::vector<EncodedArgument> Encode() const = 0;
  // Replaces the serializable arguments by the launcher's and compares the printable
  // ones. On error (every differing argument named), nothing useful can be built.
  virtual absl::Status Apply(const std::vector<EncodedArgument>& launcher) = 0;
  // The nodes named by the handles among the arguments (inside containers too), in
  // argument order, repeats included.
  virtual std::vector<NodeId> HandleTargets() const = 0;
};

// The arguments of one node, stored as a tuple of decayed values.
template <typename... A>
class StoredArguments final : public StoredArgumentsBase {
 public:
  template <typename... U>
  explicit StoredArguments(U&&... args) : values_(std::forward<U>(args)...) {}

  const std::tuple<A...>& values() const { return values_; }

  std::vector<EncodedArgument> Encode() const override {
    std::vector<EncodedArgument> out;
    out.reserve(sizeof...(A));
    std::apply([&](const auto&... items) { (out.push_back(EncodeOne(items)), ...); }, values_);
    return out;
  }

  std::vector<NodeId> HandleTargets() const override {
    std::vector<NodeId> out;
    auto visit = [&out](const HandleBase& handle) { out.push_back(handle.node()); };
    std::apply([&](const auto&... items) { (lp::ForEachHandle(items, visit), ...); }, values_);
    return out;
  }

  absl::Status Apply(const std::vector<EncodedArgument>& launcher) override {
    const std::vector<EncodedArgument> mine = Describe();
    if (launcher.size() != mine.size()) return ArgumentsDoNotMatch(launcher, mine);
    for (size_t i = 0; i < mine.size(); ++i) {
      if (launcher[i].kind != mine[i].kind || launcher[i].type_name != mine[i].type_name) {
        return ArgumentsDoNotMatch(launcher, mine);
      }
    }
    std::vector<absl::Status> errors;
    [&]<size_t... I>(std::index_sequence<I...>) {
      (errors.push_back(ApplyOne(I, launcher[I], std::get<I>(values_))), ...);
    }(std::index_sequence_for<A...>());
    return JoinArgumentErrors(errors);
  }

 private:
  // Kinds and types only: what must line up between launcher and worker.
  static std::vector<EncodedArgument> Describe() {
    return {EncodedArgument{ArgumentKind<A>(), DemangledTypeName(typeid(A).name()), {}}...};
  }

  template <typename T>
  static EncodedArgument EncodeOne(const T& value) {
    EncodedArgument out{ArgumentKind<T>(), DemangledTypeName(typeid(T).name()), {}};
    if constexpr (ArgumentKind<T>() == EncodedArgument::Kind::kValue) {
      OwnedSerializedObject wire;
      lp::Encode(value, wire.get());
      out.data = wire.SerializeAsString();
    } else if constexpr (ArgumentKind<T>() == EncodedArgument::Kind::kPrinted) {
      out.data = PrintArgument(value);
    }
    return out;
  }

  template <typename T>
  static absl::Status ApplyOne(size_t position, const EncodedArgument& launcher, T& value) {
    (void)position;  // unused for the kinds that are neither sent nor compared
    (void)launcher;
    (void)value;
    if constexpr (ArgumentKind<T>() == EncodedArgument::Kind::kValue) {
      absl::StatusOr<OwnedSerializedObject> wire = OwnedSerializedObject::Parse(launcher.data);
      if (!wire.ok()) return wire.status();
      T decoded{};
      if (absl::Status status =
              lp::Decode(wire->get(), &decoded, "argument " + std::to_string(position));
          !status.ok()) {
        return status;
      }
      value = std::move(decoded);
    } else if constexpr (ArgumentKind<T>() == EncodedArgument::Kind::kPrinted) {
      std::string mine = PrintArgument(value);
      if (mine != launcher.data) {
        return ArgumentDiffers(position, launcher.type_name, launcher.data, mine);
      }
    }
    return absl::OkStatus();
  }

  std::tuple<A...> values_;
};

template <typename... Args>
std::shared_ptr<StoredArguments<std::decay_t<Args>...>> StoreArguments(Args&&... args) {
  return std::make_shared<StoredArguments<std::decay_t<Args>...>>(std::forward<Args>(args)...);
}

}  // namespace lp::internal

#endif  // LP_INTERNAL_NODE_ARGUMENTS_H_
