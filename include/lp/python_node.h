#ifndef LP_PYTHON_NODE_H_
#define LP_PYTHON_NODE_H_

#include <concepts>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "lp/courier_node.h"
#include "lp/handle.h"
#include "lp/internal/node_arguments.h"
#include "lp/node.h"

namespace lp {

// The handle of any node that serves Courier, for a Python node: a CourierHandle<T> of
// any T, a ReplayHandle, or any handle type that declares
// `static constexpr bool kServesCourier = true`. It keeps only which node it names, since
// the script makes its own client (launchpad_cpp.Client) from the address.
// Thread safety: an immutable value.
class AnyCourierHandle {
 public:
  template <typename H>
    requires(std::derived_from<H, HandleBase> && H::kServesCourier)
  AnyCourierHandle(const H& handle)  // NOLINT: implicit by design
      : node_(handle.node()) {}

  const NodeId& node() const { return node_; }

 private:
  NodeId node_;
};

namespace internal {

// Thread safety: configured before launch; Run() is called once, on the node's thread.
class PythonNodeImpl : public NodeImpl {
 public:
  PythonNodeImpl(std::string script, std::map<std::string, AnyCourierHandle> handles,
                 std::vector<std::string> args)
      : arguments_(StoreArguments(std::move(script), std::move(args))),
        handles_(std::move(handles)) {}

  std::string TypeName() const override { return "PythonNode"; }
  std::string DefaultLabel() const override { return "python"; }
  // Defined in src/launch/python_node.cc: it starts the interpreter.
  void Run(const Runtime& runtime, const NodeContext& context) override;
  // The graph's edges: to the nodes of the handles.
  std::vector<NodeId> HandleTargets() const override {
    std::vector<NodeId> targets;
    for (const auto& [name, handle] : handles_) targets.push_back(handle.node());
    return targets;
  }

  // The script and its arguments travel from the launcher, like a FunctionNode's
  // arguments: a path main() computed (a fresh directory) is the launcher's in every worker.
  std::vector<EncodedArgument> EncodeArguments() const override { return arguments_->Encode(); }
  absl::Status ApplyArguments(const std::vector<EncodedArgument>& launcher) override {
    return arguments_->Apply(launcher);
  }
  const std::string& script() const { return std::get<0>(arguments_->values()); }
  const std::vector<std::string>& args() const { return std::get<1>(arguments_->values()); }

  void set_interpreter(std::string interpreter) { interpreter_ = std::move(interpreter); }
  void set_stop_grace(absl::Duration grace) { stop_grace_ = grace; }

 private:
  const std::shared_ptr<StoredArguments<std::string, std::vector<std::string>>> arguments_;
  const std::map<std::string, AnyCourierHandle> handles_;
  std::string interpreter_;  // empty: $LP_PYTHON, else python3 from $PATH
  absl::Duration stop_grace_ = absl::Seconds(5);
};

}  // namespace internal

// A node that runs a Python script: `<interpreter> script args...` as a child process of
// the node's own process (its worker under local_mp, test_mp and slurm; the launcher
// under local_mt and test_mt). See docs/python.md, "Python nodes". The script, through
// the launchpad_cpp package (put on its PYTHONPATH),
//   - gets a client for each handle: launchpad_cpp.handles()["learner"].Step(...);
//   - waits for the program's stop: launchpad_cpp.wait_for_stop(timeout=None) -> bool;
//   - may stop the program: launchpad_cpp.stop().
// The node ends when the script exits 0. An uncaught exception, another exit code or a
// signal fails the node, and so the program, with a message that names the script and
// the exception ("actor.py raised ValueError: ... (exited with code 1)"); its output is
// the node's. When the program stops, the script has `SetStopGrace` (5 s) to exit after
// wait_for_stop() returned; then it gets SIGTERM, and SIGKILL 2 s later. A script ended
// so is not a failure.
//
// Per-group resources apply as to any node: the group's env reaches the script; its args
// (--key=value) follow the script's own on its command line; its wrapper wraps the
// node's process, whose effects (CPU affinity, limits, env) the interpreter inherits. For
// a group's virtualenv, set LP_PYTHON in the group's env (the interpreter the node uses
// unless SetInterpreter chose one).
class PythonNode : public Node {
 public:
  using HandleType = NodeHandle;

  explicit PythonNode(std::string script, std::map<std::string, AnyCourierHandle> handles = {},
                      std::vector<std::string> args = {})
      : Node(std::make_shared<internal::PythonNodeImpl>(std::move(script), std::move(handles),
                                                        std::move(args))) {}

  // The Python interpreter to run the script with: a path, or a name looked up in $PATH.
  // Default: $LP_PYTHON when set (in the node's environment), else "python3".
  PythonNode& SetInterpreter(std::string interpreter) {
    python_impl()->set_interpreter(std::move(interpreter));
    return *this;
  }
  // How long the script has to exit once the program stops before it is terminated.
  // Keep it below the launch's termination notice (10 s by default), which ends the
  // whole node.
  PythonNode& SetStopGrace(absl::Duration grace) {
    python_impl()->set_stop_grace(grace);
    return *this;
  }

  HandleType CreateHandle(std::shared_ptr<internal::NodeRecord> record) const {
    return HandleType(std::move(record));
  }

 private:
  internal::PythonNodeImpl* python_impl() const {
    return static_cast<internal::PythonNodeImpl*>(Node::impl().get());
  }
};

}  // namespace lp

#endif  // LP_PYTHON_NODE_H_
