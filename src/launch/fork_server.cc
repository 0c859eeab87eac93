#include "src/launch/fork_server.h"

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>

#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "lp/internal/deadline_wait.h"
#include "src/core/worker_environment.h"
#include "src/launch/fork_server_protocol.h"
#include "src/process/process_tree.h"
#include "src/process/wait_for_exit.h"

namespace lp::internal {

// How one forked worker ended, once the server said so (or ended itself). Each has its
// own condition variable: one shared by all woke every worker's watching thread at each
// fork and each exit, O(N^2) wake-ups for a launch of N (12.8 s of CPU in the launcher
// for 1000 workers; docs/performance.md, "1000 nodes").
struct WorkerEnd {
  std::optional<absl::StatusOr<ExitInfo>> end;  // guarded by State::mu
  std::condition_variable ended;                // notified under State::mu when `end` is set
  // ForkedNodeProcess::NotifyWhenEnded's; guarded by State::mu, called under it.
  std::function<void()> on_end;

  void Set(absl::StatusOr<ExitInfo> how) {
    end = std::move(how);
    ended.notify_all();
    if (on_end) std::exchange(on_end, nullptr)();
  }
};

struct ForkServer::State {
  explicit State(pid_t server) : server(server) {}
  const pid_t server;
  std::mutex mu;
  // Notified (all) under mu when `replies` or `ended` changes (a WorkerEnd has its own).
  std::condition_variable changed;
  // The server's answers to the requests in flight, in order, not yet taken by ForkAll;
  // with a kForked one, that worker's end. Guarded by mu (as is every WorkerEnd).
  std::deque<std::pair<ForkMessage, std::shared_ptr<WorkerEnd>>> replies;
  // The workers running, by pid: a pid leaves when its end is reported, before the
  // kernel may give it to another process.
  std::map<pid_t, std::shared_ptr<WorkerEnd>> running;
  bool ended = false;  // the connection to the server is closed
};

namespace {

// A worker forked by the server: its end comes as the server's report.
class ForkedNodeProcess : public NodeProcess {
 public:
  ForkedNodeProcess(pid_t pid, std::shared_ptr<ForkServer::State> state,
                    std::shared_ptr<WorkerEnd> end)
      : NodeProcess(pid), state_(std::move(state)), end_(std::move(end)) {}

  ~ForkedNodeProcess() override {
    if (!HasExited()) {
      Kill(SIGKILL);
      (void)WaitForExit(absl::InfiniteFuture());
    }
    std::lock_guard lock(state_->mu);
    end_->on_end = nullptr;  // (already called, unless the end was never reported)
  }

  // No thread: the server's report, read by ForkServer::Read, calls `ended`.
  void NotifyWhenEnded(std::function<void()> ended) override {
    std::unique_lock lock(state_->mu);
    if (!end_->end.has_value()) {
      end_->on_end = std::move(ended);
      return;
    }
    lock.unlock();
    ended();
  }

 protected:
  absl::StatusOr<ExitInfo> AwaitExit(absl::Time deadline) override {
    std::unique_lock lock(state_->mu);
    if (!WaitUntil(end_->ended, lock, deadline, [this] { return end_->end.has_value(); })) {
      return absl::DeadlineExceededError(absl::StrCat("process ", pid(), " is still running"));
    }
    return *end_->end;
  }

 private:
  const std::shared_ptr<ForkServer::State> state_;
  const std::shared_ptr<WorkerEnd> end_;  // guarded by state_->mu
};

// Waits for the server's first message: is it ready?
absl::Status AwaitReady(int socket, NodeProcess& server, absl::Time deadline) {
  for (;;) {
    pollfd ready{socket, POLLIN, 0};
    const int got = poll(&ready, 1, PollTimeoutMillis(deadline));
    if (got < 0 && errno == EINTR) continue;
    if (got == 0) {
      return absl::DeadlineExceededError(
          "the fork server did not reach lp::Launch in time");
    }
    break;
  }
  absl::StatusOr<std::optional<ForkMessage>> message = ReceiveForkMessage(socket);
  if (!message.ok()) return message.status();
  if (!message->has_value()) {
    const absl::StatusOr<ExitInfo> exit = server.WaitForExit(absl::Now() + absl::Seconds(10));
    return absl::FailedPreconditionError(absl::StrCat(
        "the fork server ended before it reached lp::Launch (",
        exit.ok() ? exit->ToString() : std::string(exit.status().message()), ")"));
  }
  switch ((*message)->type) {
    case ForkMessage::kReady:
      return absl::OkStatus();
    case ForkMessage::kUnavailable:
      return absl::FailedPreconditionError((*message)->text);
    default:
      return absl::InternalError("the fork server said something unexpected");
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<ForkServer>> ForkServer::Start(Terminal& terminal,
                                                              const std::string& key,
                                                              SpawnSpec spec,
                                                              absl::Time deadline) {
  int ends[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ends) != 0) {
    return absl::InternalError(
        absl::StrCat("cannot create the fork server's socket: ", std::strerror(errno)));
  }
  UniqueFd ours(ends[0]), theirs(ends[1]);
  spec.passed_fd = theirs.get();
  spec.env_overrides.emplace_back(kForkServerFdEnv, absl::StrCat(kPassedFd));
  if (std::getenv("LD_BIND_NOW") == nullptr) {
    spec.env_overrides.emplace_back("LD_BIND_NOW", "1");
    spec.env_overrides.emplace_back(kForkServerBindsNowEnv, "1");
  }
  absl::StatusOr<std::unique_ptr<NodeProcess>> server = terminal.Launch(key, std::move(spec));
  if (!server.ok()) return server.status();
  theirs.Reset();  // so that the server's death closes the connection
  if (absl::Status ready = AwaitReady(ours.get(), **server, deadline); !ready.ok()) {
    return ready;  // the server's NodeProcess kills it, if it still runs, and reaps it
  }
  return std::unique_ptr<ForkServer>(new ForkServer(*std::move(server), std::move(ours)));
}

ForkServer::ForkServer(std::unique_ptr<NodeProcess> server, UniqueFd socket)
    : server_(std::move(server)),
      socket_(std::move(socket)),
      state_(std::make_shared<State>(server_->pid())),
      reader_([this] { Read(); }) {}

ForkServer::~ForkServer() {
  shutdown(socket_.get(), SHUT_RDWR);  // the reader and the server both see the end
  reader_.join();
  (void)server_->WaitForExit(absl::Now() + absl::Seconds(10));
  // (Destroying server_ kills it if it is still there.)
}

std::vector<absl::StatusOr<std::unique_ptr<NodeProcess>>> ForkServer::ForkAll(
    std::vector<Request> requests) {
  std::lock_guard serial(fork_mu_);
  absl::Status unsent;  // why a request could not be sent (it and those after it fail)
  size_t sent = 0;
  for (Request& request : requests) {
    const ForkMessage message{.type = ForkMessage::kFork, .text = EncodeEnvironment(request.env),
                              .fd = std::move(request.output),
                              .coordinator = std::move(request.coordinator)};
    // (The server has its own copies of the descriptors once it is sent.)
    unsent = SendForkMessage(socket_.get(), message);
    if (!unsent.ok()) break;
    ++sent;
  }
  std::vector<absl::StatusOr<std::unique_ptr<NodeProcess>>> forked;
  forked.reserve(requests.size());
  std::unique_lock lock(state_->mu);
  while (forked.size() < sent) {
    state_->changed.wait(lock, [this] { return !state_->replies.empty() || state_->ended; });
    if (state_->replies.empty()) {
      forked.push_back(absl::UnavailableError(
          absl::StrCat("the fork server (pid ", state_->server, ") ended")));
      continue;
    }
    auto [reply, end] = std::move(state_->replies.front());
    state_->replies.pop_front();
    if (reply.type != ForkMessage::kForked) {
      forked.push_back(absl::InternalError(absl::StrCat("fork server: ", reply.text)));
      continue;
    }
    forked.push_back(std::make_unique<ForkedNodeProcess>(reply.pid, state_, std::move(end)));
  }
  while (forked.size() < requests.size()) forked.push_back(unsent);
  return forked;
}

void ForkServer::Read() {
  for (;;) {
    absl::StatusOr<std::optional<ForkMessage>> message = ReceiveForkMessage(socket_.get());
    if (!message.ok() || !message->has_value()) break;
    ForkMessage& m = **message;
    std::lock_guard lock(state_->mu);
    switch (m.type) {
      case ForkMessage::kForked: {
        // Known before its end can be reported: the server reports in order.
        auto end = std::make_shared<WorkerEnd>();
        state_->running[m.pid] = end;
        state_->replies.emplace_back(std::move(m), std::move(end));
        break;
      }
      case ForkMessage::kForkFailed:
        state_->replies.emplace_back(std::move(m), nullptr);
        break;
      case ForkMessage::kExited:
        // (Not one of ours: a child main() started before lp::Launch, which the server
        // reaped, as a worker would have reaped, or not, its own.)
        if (auto it = state_->running.find(m.pid); it != state_->running.end()) {
          it->second->Set(ExitInfo::FromWaitStatus(m.value));
          state_->running.erase(it);
        }
        continue;  // only that worker's watcher waits for it
      default:
        break;
    }
    state_->changed.notify_all();
  }
  // The server is gone, or we are closing: no more reports will come. Workers still
  // running end with the server (their parent-death handling); make sure, and wait
  // for it, so that no NodeProcess reports an end that has not happened.
  std::vector<pid_t> running;
  {
    std::lock_guard lock(state_->mu);
    state_->ended = true;
    for (const auto& [pid, end] : state_->running) running.push_back(pid);
    state_->changed.notify_all();
  }
  if (running.empty()) return;
  KillProcessTrees(running, SIGKILL);
  for (pid_t pid : running) {
    if (absl::StatusOr<PidFd> watch = PidFd::Open(pid); watch.ok()) {
      (void)watch->WaitUntilExited(absl::InfiniteFuture());
    }
  }
  std::lock_guard lock(state_->mu);
  for (auto& [pid, end] : state_->running) {
    end->Set(absl::UnavailableError(absl::StrCat(
        "its fork server (pid ", state_->server, ") ended before it; its exit status is unknown")));
  }
  state_->running.clear();
}

}  // namespace lp::internal
