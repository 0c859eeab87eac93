#ifndef LP_NODE_H_
#define LP_NODE_H_

#include <memory>

#include "lp/internal/node_impl.h"

namespace lp {

// The common part of every node kind. Node objects are cheap references to one shared
// node: a copy names the same node, so `node.DisableRun()` after AddNode still applies
// and adding a copy to a program again is an error ("node added twice").
//
// Each node kind also defines `using HandleType = ...` and
// `HandleType CreateHandle(std::shared_ptr<internal::NodeRecord>) const`, which
// Program::AddNode uses to return the right handle.
class Node {
 public:
  // Keeps the node from running its entry point: a FunctionNode's function is not called,
  // a ClassNode constructs its object but does not call Run(). Useful to start a program
  // with a node driven by hand (e.g. from a test through its handle).
  void DisableRun() { impl_->set_run_enabled(false); }
  void EnableRun() { impl_->set_run_enabled(true); }
  bool run_enabled() const { return impl_->run_enabled(); }

  const std::shared_ptr<internal::NodeImpl>& impl() const { return impl_; }

 protected:
  explicit Node(std::shared_ptr<internal::NodeImpl> impl) : impl_(std::move(impl)) {}

 private:
  std::shared_ptr<internal::NodeImpl> impl_;
};

}  // namespace lp

#endif  // LP_NODE_H_
