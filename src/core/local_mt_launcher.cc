#include "src/core/local_mt_launcher.h"

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
#include "src/core/signal_watcher.h"
#include "src/core/stop_state.h"
#include "src/core/test_hooks.h"

namespace lp::internal {

LocalMtLauncher::LocalMtLauncher(Program program, ResolvedLaunchOptions options)
    : program_(std::move(program)),
      options_(options),
      addresses_(std::make_shared<InProcessAddressBook>()),
      runtime_(std::make_shared<Runtime>()),
      state_(std::make_shared<State>()) {
  runtime_->program_name = program_.name();
  runtime_->launch_type = options_.launch_type;
  runtime_->addresses = addresses_;
  runtime_->stop = std::make_shared<StopState>();
}

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
      threads_.emplace_back([this, node] { RunNode(node); });
    }
  }
  supervisor_ = std::thread([this] { Supervise(); });
}

void LocalMtLauncher::RunNode(const std::shared_ptr<NodeImpl>& node) {
  const NodeContext context{program_.name(), options_.launch_type, node->record()->id()};
  std::string failure;
  {
    ScopedNodeThread as_node(runtime_, &context);
    try {
      node->Run(*runtime_, context);
    } catch (const std::exception& error) {
      failure = error.what();
      if (failure.empty()) failure = "an exception with an empty message";
    } catch (...) {
      failure = "an exception that is not a std::exception";
    }
  }
  OnNodeEnded(context.node, std::move(failure));
}

void LocalMtLauncher::OnNodeEnded(const NodeId& id, std::string failure) {
  bool last = false;
  if (!failure.empty()) {
    const std::string message = absl::StrCat("node ", id.ToString(), " failed: ", failure);
    if (IsTestLaunchType(options_.launch_type)) {
      ReportTestFailure(absl::StrCat("program '", program_.name(), "': ", message));
    }
    std::lock_guard lock(state_->mu);
    if (state_->outcome.ok()) state_->outcome = absl::AbortedError(message);
  }
  {
    std::lock_guard lock(state_->mu);
    std::erase(state_->running, id);
    last = state_->running.empty();
    state_->changed.notify_all();
  }
  // A failure stops the program; so does the last node ending, so that stop handlers run
  // and threads the nodes started, waiting for the stop, are released.
  if (!failure.empty() || last) runtime_->stop->RequestStop();
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
      "] did not stop within ", absl::FormatDuration(options_.termination_notice),
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
  return state_->outcome;
}

bool LocalMtLauncher::WaitFor(absl::Duration timeout) {
  std::unique_lock lock(state_->mu);
  return WaitUntil(state_->changed, lock, absl::Now() + timeout,
                   [this] { return state_->running.empty(); });
}

void LocalMtLauncher::Stop() { runtime_->stop->RequestStop(); }

}  // namespace lp::internal
