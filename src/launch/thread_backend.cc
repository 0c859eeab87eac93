#include "src/launch/thread_backend.h"

#include "absl/strings/str_cat.h"
#include "lp/internal/program_nodes.h"
#include "src/core/current_runtime.h"
#include "src/core/in_process_address_book.h"
#include "src/core/run_node.h"
#include "src/core/stop_state.h"

namespace lp::internal {

absl::Status ThreadBackend::Start(Supervisor& supervisor) {
  supervisor_ = &supervisor;
  const std::shared_ptr<Runtime>& runtime = supervisor.runtime();
  auto addresses = std::make_shared<InProcessAddressBook>();
  runtime->addresses = addresses;
  runtime->stop->Register([addresses] { addresses->Close(); });
  runtime->report_failure = supervisor.NodeEndRecorder();
  runtime->report_restart = [status = supervisor.StatusRecorder()](const NodeId& node) {
    status->Restarted(node);
  };
  SetLatestRuntime(runtime);
  AttachRuntime(supervisor.program(), runtime);
  std::vector<std::shared_ptr<NodeImpl>> nodes;
  for (const Program::GroupNodes& group : supervisor.program().Groups()) {
    for (const auto& node : group.nodes) {
      const NodeId id = node->record()->id();
      supervisor.UnitStarted(id.ToString(), {id});
      nodes.push_back(node);
    }
  }
  for (const auto& node : nodes) {
    threads_.emplace_back([this, node] { RunTopLevelNode(node); });
  }
  return absl::OkStatus();
}

void ThreadBackend::RunTopLevelNode(const std::shared_ptr<NodeImpl>& node) {
  Supervisor& supervisor = *supervisor_;
  const NodeId id = node->record()->id();
  const NodeOutcome outcome = RunNode(
      *node, supervisor.runtime(),
      {supervisor.program().name(), supervisor.options().launch_type, id});
  supervisor.RecordNodeEnd(id, outcome);
  supervisor.AnnounceNodeEnded(id, outcome.Describe());
  supervisor.UnitEnded(id.ToString());
}

void ThreadBackend::Join() {
  for (std::thread& thread : threads_) thread.join();
}

std::string ThreadBackend::DescribeFailure(const NodeId& node, const std::string& cause) {
  return absl::StrCat("node ", node.ToString(), " failed: ", cause);
}

}  // namespace lp::internal
