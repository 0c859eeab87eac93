#include "src/launch/local_mt_launcher.h"

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <exception>
#include <iostream>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lp/launch.h"
#include "lp/internal/deadline_wait.h"
#include "lp/internal/program_nodes.h"
#include "src/core/current_runtime.h"
#include "src/core/format_notice.h"
#include "src/core/signal_watcher.h"
#include "src/core/stop_state.h"
#include "src/core/run_node.h"
#include "src/core/test_hooks.h"
#include "src/launch/program_runtime.h"

namespace lp::internal {

LocalMtLauncher::LocalMtLauncher(Program program, ResolvedLaunchOptions options)
    : program_(std::move(program)),
      options_(options),
      addresses_(std::make_shared<InProcessAddressBook>()),
      runtime_(NewRuntime(program_.name(), options_.launch_type, options_.courier_secret,
                          addresses_)),
      state_(std::make_shared<State>()) {}

LocalMtLauncher::~LocalMtLauncher() {
  Stop();
  (void)Wait();
  if (IsTestLaunchType(options_.launch_type)) UnregisterTestLaunch(this);
}

void LocalMtLauncher::Start() {
  // Before join_mu_: the end-of-test hook takes the registry's lock, then joins.
  if (IsTestLaunchType(options_.launch_type)) RegisterTestLaunch(this);
  std::lock_guard join_lock(join_mu_);
  SetLatestRuntime(runtime_);
  AttachRuntime(program_, runtime_);
  // The launcher learns of every stop, whoever asked for it, through a stop handler.
  // It captures shared state only: it may run on another thread while this launcher is
  // being destroyed.
  // Shared state only: a thread of a colocation's (return_on_first_completed) may report
  // after this launcher is gone.
  runtime_->report_failure = [state = state_, stop = runtime_->stop](const NodeId& id,
                                                                     const NodeOutcome& outcome) {
    RecordNodeEnd(*state, *stop, id, outcome, /*ended=*/false);
  };
  runtime_->stop->Register([state = state_, addresses = addresses_] {
    addresses->Close();
    std::lock_guard lock(state->mu);
    state->stop_requested = true;
    state->changed.notify_all();
  });
  if (options_.handle_signals) {
    signal_subscription_ = StopProgramOnSignals(runtime_);
  }
  {
    std::lock_guard lock(state_->mu);
    for (const Program::GroupNodes& group : program_.Groups()) {
      for (const auto& node : group.nodes) state_->running.push_back(node->record()->id());
    }
  }
  for (const Program::GroupNodes& group : program_.Groups()) {
    for (const auto& node : group.nodes) {
      threads_.emplace_back([this, node] { RunTopLevelNode(node); });
    }
  }
  supervisor_ = std::thread([this] { Supervise(); });
}

void LocalMtLauncher::RunTopLevelNode(const std::shared_ptr<NodeImpl>& node) {
  const NodeContext context{program_.name(), options_.launch_type, node->record()->id()};
  const NodeOutcome outcome = RunNode(*node, runtime_, context);
  RecordNodeEnd(*state_, *runtime_->stop, context.node, outcome, /*ended=*/true);
  if (!runtime_->stop->IsStopping()) {
    // The program goes on without it: calls to it fail fast. (Inner nodes a colocation
    // left running on their threads have not ended; in a process launch they would have.)
    FailCallsToEndedNodes(*runtime_,
                          node->MayLeaveInnerNodesRunning()
                              ? std::vector<NodeId>{context.node}
                              : IdsOfNodeAndInner(node),
                          outcome.Describe());
  }
}

void LocalMtLauncher::RecordNodeEnd(State& state, StopState& stop, const NodeId& id,
                                    const NodeOutcome& outcome, bool ended) {
  bool fails = false;
  bool last = false;
  {
    std::lock_guard lock(state.mu);
    // The stop event is set before any stop handler runs, so a call that the stop
    // cancelled is never judged before the stop is visible here.
    fails = state.outcome.RecordNodeEnd(id, outcome, stop.IsStopping());
    if (ended) {
      std::erase(state.running, id);
      last = state.running.empty();
    }
    state.changed.notify_all();
  }
  // A failure stops the program; so does the last node ending, so that stop handlers run
  // and threads the nodes started, waiting for the stop, are released.
  if (fails || last) stop.RequestStop();
}

void LocalMtLauncher::Supervise() {
  State& state = *state_;
  std::unique_lock lock(state.mu);
  state.changed.wait(lock, [&] { return state.stop_requested || state.running.empty(); });
  if (state.running.empty()) return;
  if (options_.termination_notice == absl::InfiniteDuration()) return;
  const bool ended =
      state.changed.wait_for(lock, absl::ToChronoNanoseconds(options_.termination_notice),
                             [&] { return state.running.empty(); });
  if (!ended) ExitWithStragglers();
}

void LocalMtLauncher::ExitWithStragglers() {
  std::set<std::string> groups;
  std::vector<std::string> nodes;
  for (const NodeId& id : state_->running) {
    groups.insert(id.group);
    nodes.push_back(id.ToString());
  }
  const std::string message = absl::StrCat(
      "lp: program '", program_.name(), "': groups [", absl::StrJoin(groups, ", "),
      "] did not stop within ", FormatNotice(options_.termination_notice),
      " of the stop request (still running: ", absl::StrJoin(nodes, ", "),
      "). Node threads cannot be killed, so the process exits now with code ",
      kExitStragglers, ". Make these nodes return once lp::WaitForStop() or their stop "
      "handler fires, or raise --lp_termination_notice_secs.");
  if (IsTestLaunchType(options_.launch_type)) ReportTestFailure(message);
  std::cout.flush();
  std::fprintf(stderr, "%s\n", message.c_str());
  std::fflush(nullptr);
  _exit(kExitStragglers);
}

absl::Status LocalMtLauncher::Wait() {
  // Waiting on the condition variable before joining keeps this thread interruptible by
  // signals under ThreadSanitizer, which defers signal handlers during pthread_join; the
  // second Ctrl+C must work whatever the main thread is doing.
  WaitFor(absl::InfiniteDuration());
  {
    std::lock_guard join_lock(join_mu_);
    for (std::thread& thread : threads_) {
      if (thread.joinable()) thread.join();
    }
    if (supervisor_.joinable()) supervisor_.join();
    if (signal_subscription_ != 0) {
      SignalWatcher::Unsubscribe(signal_subscription_);
      signal_subscription_ = 0;
    }
  }
  std::lock_guard lock(state_->mu);
  absl::Status outcome = state_->outcome.Final([](const NodeId& node, const std::string& cause) {
    return absl::StrCat("node ", node.ToString(), " failed: ", cause);
  });
  if (!outcome.ok() && state_->outcome.HasNodeFailure() && !state_->failure_reported &&
      IsTestLaunchType(options_.launch_type)) {
    state_->failure_reported = true;
    ReportTestFailure(absl::StrCat("program '", program_.name(), "': ", outcome.message()));
  }
  return outcome;
}

bool LocalMtLauncher::WaitFor(absl::Duration timeout) {
  std::unique_lock lock(state_->mu);
  return WaitUntil(state_->changed, lock, absl::Now() + timeout,
                   [this] { return state_->running.empty(); });
}

void LocalMtLauncher::Stop() { runtime_->stop->RequestStop(); }

}  // namespace lp::internal
