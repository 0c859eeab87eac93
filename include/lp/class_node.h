#ifndef LP_CLASS_NODE_H_
#define LP_CLASS_NODE_H_

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <utility>

#include "lp/dereference.h"
#include "lp/handle.h"
#include "lp/internal/node_arguments.h"
#include "lp/node.h"

namespace lp {

// True when T has a Run() method to call once constructed.
template <typename T>
concept HasRunMethod = requires(T& object) { object.Run(); };

namespace internal {

// Makes a T from stored arguments, dereferencing the handles among them each time.
// `arguments` is null when there are none to store (see MakeFactory).
template <typename T>
struct Factory {
  std::shared_ptr<StoredArgumentsBase> arguments;
  std::function<std::unique_ptr<T>()> make;
};

template <typename T, typename... Args>
Factory<T> MakeFactory(Args&&... args) {
  if constexpr (sizeof...(Args) == 0 && !std::is_default_constructible_v<T>) {
    // Arguments to come from Configure(): nodes that hold each other's handles are
    // created before those handles exist.
    return {nullptr, []() -> std::unique_ptr<T> {
              throw std::logic_error("the node was created without constructor arguments and "
                                     "never given them: call Configure(args...) before "
                                     "launching");
            }};
  } else {
    static_assert(std::is_constructible_v<T, Dereferenced<Args>...>,
                  "ClassNode<T>: T has no constructor taking these arguments (after handles "
                  "became clients: a CourierHandle<U> arrives as CourierClient<U>)");
    // The factory reads the stored values when it runs: in a worker, after the launcher's
    // have replaced them (StoredArgumentsBase::Apply).
    auto stored = StoreArguments(std::forward<Args>(args)...);
    return {stored, [stored]() {
              return std::apply(
                  [](const auto&... items) { return std::make_unique<T>(Dereference(items)...); },
                  stored->values());
            }};
  }
}

// The shared body of ClassNode<T> and the node kinds built on it.
//
// Thread safety: the factory may be replaced (Configure) only before launch, and its
// arguments replaced (ApplyArguments) only before Run().
template <typename T>
class ClassNodeImpl : public NodeImpl {
 public:
  explicit ClassNodeImpl(Factory<T> factory) : factory_(std::move(factory)) {}

  std::string TypeName() const override {
    return "ClassNode<" + DemangledTypeName(typeid(T).name()) + ">";
  }
  std::string DefaultLabel() const override { return DemangledTypeName(typeid(T).name()); }

  void Run(const Runtime&, const NodeContext&) override {
    std::unique_ptr<T> object = factory_.make();
    if constexpr (HasRunMethod<T>) {
      if (run_enabled()) object->Run();
    }
  }

  std::vector<EncodedArgument> EncodeArguments() const override {
    return factory_.arguments == nullptr ? std::vector<EncodedArgument>{}
                                         : factory_.arguments->Encode();
  }
  absl::Status ApplyArguments(const std::vector<EncodedArgument>& launcher) override {
    if (factory_.arguments == nullptr) {
      return launcher.empty() ? absl::OkStatus() : ArgumentsDoNotMatch(launcher, {});
    }
    return factory_.arguments->Apply(launcher);
  }
  std::vector<NodeId> HandleTargets() const override {
    return factory_.arguments == nullptr ? std::vector<NodeId>{}
                                         : factory_.arguments->HandleTargets();
  }

  void set_factory(Factory<T> factory) { factory_ = std::move(factory); }

 protected:
  Factory<T> factory_;
};

}  // namespace internal

// A node that constructs a T from `args...` in its own thread or process and then calls
// T::Run() if T has one (Launchpad's PyClassNode). Handles among `args` arrive as clients.
// The node ends when Run() returns (or right after construction when T has no Run());
// an exception from the constructor or Run() fails the node, and so the program.
template <typename T>
class ClassNode : public Node {
 public:
  using HandleType = NodeHandle;

  template <typename... Args>
    requires(!(sizeof...(Args) == 1 && (std::is_same_v<std::decay_t<Args>, ClassNode> && ...)))
  explicit ClassNode(Args&&... args)
      : Node(std::make_shared<internal::ClassNodeImpl<T>>(
            internal::MakeFactory<T>(std::forward<Args>(args)...))) {}

  HandleType CreateHandle(std::shared_ptr<internal::NodeRecord> record) const {
    return HandleType(std::move(record));
  }
};

}  // namespace lp

#endif  // LP_CLASS_NODE_H_
