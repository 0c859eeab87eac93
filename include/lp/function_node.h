#ifndef LP_FUNCTION_NODE_H_
#define LP_FUNCTION_NODE_H_

#include <functional>
#include <memory>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include "lp/dereference.h"
#include "lp/handle.h"
#include "lp/internal/node_arguments.h"
#include "lp/node.h"

namespace lp {
namespace internal {

// Thread safety: the arguments are replaced (ApplyArguments) only before Run().
class FunctionNodeImpl : public NodeImpl {
 public:
  // `body` calls the function with `arguments`' values (null: none to send or check).
  explicit FunctionNodeImpl(std::function<void()> body,
                            std::shared_ptr<StoredArgumentsBase> arguments = nullptr)
      : body_(std::move(body)), arguments_(std::move(arguments)) {}
  std::string TypeName() const override { return "FunctionNode"; }
  std::string DefaultLabel() const override { return "function"; }
  void Run(const Runtime&, const NodeContext&) override {
    if (run_enabled()) body_();
  }
  std::vector<EncodedArgument> EncodeArguments() const override {
    return arguments_ == nullptr ? std::vector<EncodedArgument>{} : arguments_->Encode();
  }
  absl::Status ApplyArguments(const std::vector<EncodedArgument>& launcher) override {
    if (arguments_ == nullptr) {
      return launcher.empty() ? absl::OkStatus() : ArgumentsDoNotMatch(launcher, {});
    }
    return arguments_->Apply(launcher);
  }
  std::vector<NodeId> HandleTargets() const override {
    return arguments_ == nullptr ? std::vector<NodeId>{} : arguments_->HandleTargets();
  }

 private:
  std::function<void()> body_;
  std::shared_ptr<StoredArgumentsBase> arguments_;
};

template <typename F, typename... Args>
std::shared_ptr<FunctionNodeImpl> MakeFunctionNodeImpl(F&& fn, Args&&... args) {
  static_assert(std::is_invocable_v<const std::decay_t<F>&, Dereferenced<Args>...>,
                "FunctionNode: the function cannot be called with these arguments (after "
                "handles became clients)");
  // The body reads the stored values when it runs: in a worker, after the launcher's have
  // replaced them.
  auto stored = StoreArguments(std::forward<Args>(args)...);
  return std::make_shared<FunctionNodeImpl>(
      [fn = std::decay_t<F>(std::forward<F>(fn)), stored]() {
        std::apply([&](const auto&... items) { std::invoke(fn, Dereference(items)...); },
                   stored->values());
      },
      stored);
}

}  // namespace internal

// A node that calls `fn(args...)` in its own thread or process (Launchpad's PyNode).
// Handles among `args` arrive as clients (lp/dereference.h); under process launches the
// other arguments come from the launcher where they can (lp/internal/node_arguments.h),
// but what `fn` captures is the worker's own. The node ends when `fn`
// returns; an exception from `fn` fails the node, and so the program.
class FunctionNode : public Node {
 public:
  using HandleType = NodeHandle;

  template <typename F, typename... Args>
    requires(!std::is_same_v<std::decay_t<F>, FunctionNode>)
  explicit FunctionNode(F&& fn, Args&&... args)
      : Node(internal::MakeFunctionNodeImpl(std::forward<F>(fn), std::forward<Args>(args)...)) {}

  HandleType CreateHandle(std::shared_ptr<internal::NodeRecord> record) const {
    return HandleType(std::move(record));
  }
};

}  // namespace lp

#endif  // LP_FUNCTION_NODE_H_
