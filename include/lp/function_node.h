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
#include "lp/node.h"

namespace lp {
namespace internal {

class FunctionNodeImpl : public NodeImpl {
 public:
  explicit FunctionNodeImpl(std::function<void()> body) : body_(std::move(body)) {}
  std::string TypeName() const override { return "FunctionNode"; }
  std::string DefaultLabel() const override { return "function"; }
  void Run(const Runtime&, const NodeContext&) override {
    if (run_enabled()) body_();
  }

 private:
  std::function<void()> body_;
};

}  // namespace internal

// A node that calls `fn(args...)` in its own thread or process (Launchpad's PyNode).
// Handles among `args` arrive as clients (lp/dereference.h). The node ends when `fn`
// returns; an exception from `fn` fails the node, and so the program.
class FunctionNode : public Node {
 public:
  using HandleType = NodeHandle;

  template <typename F, typename... Args>
    requires(!std::is_same_v<std::decay_t<F>, FunctionNode>)
  explicit FunctionNode(F&& fn, Args&&... args)
      : Node(std::make_shared<internal::FunctionNodeImpl>(
            [fn = std::decay_t<F>(std::forward<F>(fn)),
             stored = std::make_tuple(std::decay_t<Args>(std::forward<Args>(args))...)]() {
              static_assert(std::is_invocable_v<const std::decay_t<F>&,
                                                Dereferenced<Args>...>,
                            "FunctionNode: the function cannot be called with these "
                            "arguments (after handles became clients)");
              std::apply([&](const auto&... items) { std::invoke(fn, Dereference(items)...); },
                         stored);
            })) {}

  HandleType CreateHandle(std::shared_ptr<internal::NodeRecord> record) const {
    return HandleType(std::move(record));
  }
};

}  // namespace lp

#endif  // LP_FUNCTION_NODE_H_
