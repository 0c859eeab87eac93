// The replay node's life: tables restored, served over Courier until the program stops,
// checkpointed on a period, closed at the stop so that no call waits through it.

#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lp/courier_node.h"
#include "lp/replay.h"
#include "lp/rpc_error.h"
#include "src/core/stop_state.h"
#include "src/replay/node/replay_service.h"

namespace lp {
namespace internal {

// Thread safety: the configs are fixed at construction; Run() is called once, from the
// node's own thread (see NodeImpl).
class ReplayNodeImpl : public NodeImpl {
 public:
  ReplayNodeImpl(std::vector<replay::TableConfig> tables, ReplayNodeOptions options)
      : tables_(std::move(tables)), options_(std::move(options)) {}

  std::string TypeName() const override { return "ReplayNode"; }
  std::string DefaultLabel() const override { return "replay"; }
  std::vector<std::string> CourierMethodNames() const override {
    return ReplayService::MethodNames();
  }

  void Run(const Runtime& runtime, const NodeContext& context) override {
    absl::StatusOr<std::unique_ptr<ReplayService>> service =
        ReplayService::Create(tables_, options_);
    if (!service.ok()) {
      throw std::runtime_error(absl::StrCat("replay node ", context.node.ToString(), ": ",
                                            service.status().message()));
    }
    CourierServer server(options_.server);
    if (absl::Status status = (*service)->Register(server); !status.ok()) {
      throw std::runtime_error(std::string(status.message()));
    }
    ServeCourierNode(runtime, context, server, [&] {
      ServeUntilStop(runtime, **service);
      // Before the server shuts down: its shutdown waits for the handlers, and a handler
      // waiting in Insert or Sample returns only once its table is closed.
      (*service)->Close(ProgramStoppedStatus(context.program_name, context.node.ToString()));
      return true;
    });
  }

 private:
  // Waits for the program's stop, writing a checkpoint every period meanwhile.
  void ServeUntilStop(const Runtime& runtime, ReplayService& service) const {
    const bool periodic = !options_.checkpoint_dir.empty() &&
                          options_.checkpoint_period > absl::ZeroDuration();
    if (!periodic) {
      runtime.stop->event().Wait();
      return;
    }
    while (!runtime.stop->WaitFor(options_.checkpoint_period)) {
      absl::StatusOr<std::string> written = service.Checkpoint();
      // A failed periodic checkpoint (a full disk) does not stop the service; the next
      // period tries again, and Checkpoint() on request reports the error to its caller.
      if (!written.ok()) {
        std::cerr << "replay: periodic checkpoint failed: " + std::string(written.status().message()) + "\n";
      }
    }
  }

  const std::vector<replay::TableConfig> tables_;
  const ReplayNodeOptions options_;
};

}  // namespace internal

ReplayNode::ReplayNode(std::vector<replay::TableConfig> tables, ReplayNodeOptions options)
    : Node(std::make_shared<internal::ReplayNodeImpl>(std::move(tables), std::move(options))) {}

ReplayClient ReplayHandle::Dereference() const {
  return ReplayClient(internal::ChannelToCourierNode(RuntimeOrThrow(), node(), {}),
                      node().ToString());
}

}  // namespace lp
