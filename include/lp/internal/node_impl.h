#ifndef LP_INTERNAL_NODE_IMPL_H_
#define LP_INTERNAL_NODE_IMPL_H_

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "lp/context.h"
#include "lp/internal/runtime.h"

namespace lp::internal {

// The runtime a program's handles resolve through once it is launched: one per program,
// shared by the records of all its nodes (inner nodes' too), so that attaching a launch's
// runtime is one write however many nodes the program has. (With a runtime in every
// record, a forked worker attaching its own wrote to, and so copied, every page holding a
// record: 110 page faults and ~5 ms of CPU per worker in a program of 1000 nodes.)
//
// Thread safety: safe to use from any thread.
class RuntimeSlot {
 public:
  void Attach(std::shared_ptr<Runtime> runtime);
  // Null before launch.
  std::shared_ptr<Runtime> Get() const;

 private:
  mutable std::mutex mu_;
  std::shared_ptr<Runtime> runtime_;  // guarded by mu_
};

// What a program knows of a node once it was added: its id, and (through the program's
// RuntimeSlot) the runtime its handles resolve through after launch. Shared by the
// program and every handle.
//
// Thread safety: safe to use from any thread.
class NodeRecord {
 public:
  NodeRecord(std::string program_name, NodeId id, std::shared_ptr<RuntimeSlot> runtime)
      : program_name_(std::move(program_name)), id_(std::move(id)), runtime_(std::move(runtime)) {}

  const NodeId& id() const { return id_; }
  const std::string& program_name() const { return program_name_; }
  // The program's, shared by all its records.
  const std::shared_ptr<RuntimeSlot>& runtime_slot() const { return runtime_; }

  // The runtime of the launched program. Throws lp::NotLaunchedError before launch.
  std::shared_ptr<Runtime> RuntimeOrThrow() const;

 private:
  const std::string program_name_;
  const NodeId id_;
  const std::shared_ptr<RuntimeSlot> runtime_;
};

// One constructor or function argument of a node, as the launcher sends it to the worker
// process that runs the node (lp/internal/node_arguments.h says which kind a type is).
struct EncodedArgument {
  enum class Kind {
    kUnchecked,  // cannot travel, nor be compared
    kHandle,     // a handle (or handles in a container): resolves in the worker
    kValue,      // serializable: `data` is a serialized courier::SerializedObject
    kPrinted,    // printable: `data` is the text operator<< wrote
  };
  Kind kind = Kind::kUnchecked;
  std::string type_name;  // demangled, e.g. "std::vector<int, std::allocator<int> >"
  std::string data;
};

// The type-erased body of a node. Node kinds (FunctionNode, ClassNode<T>, ...) derive
// from it; lp::Program holds them by shared_ptr.
//
// Thread safety: Run() is called once, from the node's own thread; the run flag may be
// read and written from any thread.
class NodeImpl {
 public:
  virtual ~NodeImpl() = default;

  // The node's kind, e.g. "FunctionNode" or "ClassNode<Producer>": used in messages
  // and in the topology fingerprint.
  virtual std::string TypeName() const = 0;

  // The label MakeProgram gives the node when nobody chose one.
  virtual std::string DefaultLabel() const = 0;

  // Runs the node on the calling thread until it ends; throws if the node fails.
  virtual void Run(const Runtime& runtime, const NodeContext& context) = 0;

  // The node's constructor or function arguments, in order, as the launcher sends them to
  // the worker; empty for a node that stores none.
  virtual std::vector<EncodedArgument> EncodeArguments() const { return {}; }
  // In a worker, before the node runs: replaces the serializable arguments by the
  // launcher's (`launcher`, from its EncodeArguments()) and compares the printable ones.
  // An error names every argument that differs (not the node: the caller does).
  virtual absl::Status ApplyArguments(const std::vector<EncodedArgument>& launcher) {
    (void)launcher;
    return absl::OkStatus();
  }

  // The nodes named by handles among the node's arguments (inside containers too; not
  // those a function captures): the edges of the program graph (Program::ToDot).
  virtual std::vector<NodeId> HandleTargets() const { return {}; }
  // The Courier methods the node serves (LP_COURIER_METHODS order); empty for nodes
  // without a Courier server.
  virtual std::vector<std::string> CourierMethodNames() const { return {}; }

  void set_run_enabled(bool enabled) { run_enabled_ = enabled; }
  bool run_enabled() const { return run_enabled_; }

  // Set once, when the node is added to a program; null before.
  const std::shared_ptr<NodeRecord>& record() const { return record_; }
  // Called by Program::AddNode. A node holding other nodes (a colocation) names them here.
  virtual void set_record(std::shared_ptr<NodeRecord> record) { record_ = std::move(record); }

  // The nodes this node runs inside itself (a colocation's); empty for ordinary nodes.
  // They have records (ids, handles) like any node, but no process or thread of their own
  // from the launcher.
  virtual std::vector<std::shared_ptr<NodeImpl>> InnerNodes() const { return {}; }
  // Whether Run() may return while inner nodes still run on threads of this process
  // (MultiThreadingColocation's return_on_first_completed): they have not ended with it.
  virtual bool MayLeaveInnerNodesRunning() const { return false; }

 private:
  std::atomic<bool> run_enabled_{true};
  std::shared_ptr<NodeRecord> record_;
};

// A readable name for T ("Producer", "ns::Consumer"), from the compiler's type info.
std::string DemangledTypeName(const char* mangled);

}  // namespace lp::internal

#endif  // LP_INTERNAL_NODE_IMPL_H_
