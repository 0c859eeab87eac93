#ifndef LP_COLOCATION_H_
#define LP_COLOCATION_H_

// Colocation: several nodes packed into one node (one thread group, or one process with
// subprocesses), so they share a machine slot under process and Slurm launches.
//
//   lp::CourierNode<Cache> cache;
//   lp::FunctionNode warmer(Warm, ...);
//   program.AddNode(lp::MultiThreadingColocation({cache, warmer}), "cache");
//   lp::CourierHandle<Cache> handle = program.HandleOf(cache);   // reachable from anywhere
//
// The inner nodes are not added to the program themselves; adding the colocation names
// them "<label>/<index>/<i>" (group "<label>/<index>", index i) and gives them handles
// like any node.

#include <memory>
#include <string>
#include <vector>

#include "lp/handle.h"
#include "lp/node.h"

namespace lp {
namespace internal {

// What both colocation kinds share: the inner nodes and their naming.
class ColocationImpl : public NodeImpl {
 public:
  explicit ColocationImpl(std::vector<std::shared_ptr<NodeImpl>> inner);
  void set_record(std::shared_ptr<NodeRecord> record) override;
  std::vector<std::shared_ptr<NodeImpl>> InnerNodes() const override { return inner_; }
  std::string DefaultLabel() const override { return "colocation"; }

 protected:
  // "[CourierNode<Cache>, FunctionNode]": part of the topology fingerprint.
  std::string InnerTypeNames() const;

  const std::vector<std::shared_ptr<NodeImpl>> inner_;
};

class ThreadColocationImpl : public ColocationImpl {
 public:
  ThreadColocationImpl(std::vector<std::shared_ptr<NodeImpl>> inner,
                       bool return_on_first_completed)
      : ColocationImpl(std::move(inner)), return_on_first_completed_(return_on_first_completed) {}
  std::string TypeName() const override { return "MultiThreadingColocation" + InnerTypeNames(); }
  void Run(const Runtime& runtime, const NodeContext& context) override;
  bool MayLeaveInnerNodesRunning() const override { return return_on_first_completed_; }

 private:
  const bool return_on_first_completed_;
};

class ProcessColocationImpl : public ColocationImpl {
 public:
  ProcessColocationImpl(std::vector<std::shared_ptr<NodeImpl>> inner, int num_retries_on_failure)
      : ColocationImpl(std::move(inner)), num_retries_on_failure_(num_retries_on_failure) {}
  std::string TypeName() const override { return "MultiProcessingColocation" + InnerTypeNames(); }
  // Defined in src/launch/process_colocation.cc: it starts processes.
  void Run(const Runtime& runtime, const NodeContext& context) override;

 private:
  const int num_retries_on_failure_;
};

std::vector<std::shared_ptr<NodeImpl>> ImplsOf(const std::vector<Node>& nodes);

}  // namespace internal

// Runs the given nodes as threads of one node: one process under local_mp and Slurm. It
// ends when every inner node has ended — or, with `return_on_first_completed`, when the
// first has (the others are left to end with the program). An inner node's failure
// fails the colocation, naming the inner node. The stop reaches every inner node.
class MultiThreadingColocation : public Node {
 public:
  using HandleType = NodeHandle;
  explicit MultiThreadingColocation(const std::vector<Node>& nodes,
                                    bool return_on_first_completed = false)
      : Node(std::make_shared<internal::ThreadColocationImpl>(internal::ImplsOf(nodes),
                                                              return_on_first_completed)) {}
  HandleType CreateHandle(std::shared_ptr<internal::NodeRecord> record) const {
    return HandleType(std::move(record));
  }
};

// Runs each given node as a subprocess of the colocation node's process (the binary run
// again, as for any worker) under process and Slurm launches; as threads under local_mt
// and test_mt. An inner node that fails is restarted, up to `num_retries_on_failure`
// times in total; then the colocation fails naming it. A restarted CourierNode comes back
// on the same address when it can, so its callers' handles stay valid: calls made while
// it restarts wait for it; a call already sent to the process that died fails with
// UNAVAILABLE (it may or may not have run). Stopping reaches every subprocess;
// killing the colocation leaves none behind.
class MultiProcessingColocation : public Node {
 public:
  using HandleType = NodeHandle;
  explicit MultiProcessingColocation(const std::vector<Node>& nodes, int num_retries_on_failure = 0)
      : Node(std::make_shared<internal::ProcessColocationImpl>(internal::ImplsOf(nodes),
                                                               num_retries_on_failure)) {}
  HandleType CreateHandle(std::shared_ptr<internal::NodeRecord> record) const {
    return HandleType(std::move(record));
  }
};

}  // namespace lp

#endif  // LP_COLOCATION_H_
