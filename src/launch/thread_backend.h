#ifndef LP_SRC_LAUNCH_THREAD_BACKEND_H_
#define LP_SRC_LAUNCH_THREAD_BACKEND_H_

#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "lp/program.h"
#include "src/launch/supervisor.h"

namespace lp::internal {

// local_mt and test_mt: every node a thread of this process, each its own unit.
//
// Addresses are an in-process book, closed when the program stops. A CourierNode that
// fails reports it (Runtime::report_failure) before its server shuts down, so that its
// failure is recorded before those of the calls it breaks. Threads cannot be killed: the
// supervisor ends the process if some outlive the termination notice.
//
// Thread safety: as SupervisorBackend's.
class ThreadBackend : public SupervisorBackend {
 public:
  absl::Status Start(Supervisor& supervisor) override;
  bool RunsNodesAsThreads() const override { return true; }
  void Kill(const std::set<std::string>&) override {}  // never called
  void Join() override;
  std::string DescribeFailure(const NodeId& node, const std::string& cause) override;

 private:
  void RunTopLevelNode(const std::shared_ptr<NodeImpl>& node);

  Supervisor* supervisor_ = nullptr;  // set by Start()
  std::vector<std::thread> threads_;  // fixed once Start() returns
};

}  // namespace lp::internal

#endif  // LP_SRC_LAUNCH_THREAD_BACKEND_H_
