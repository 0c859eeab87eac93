#include "src/core/signal_watcher.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "src/core/ctrl_c_presses.h"
#include "src/core/stop_state.h"


namespace lp::internal {
namespace {

constinit std::mutex g_mu;
// Guarded by g_mu:
std::map<int, SignalWatcher::Callback>* g_callbacks = nullptr;
int g_next_id = 1;
struct sigaction g_previous_int;
struct sigaction g_previous_term;

// Written by the handler, read by the watcher thread. Created once, never closed.
int g_pipe[2] = {-1, -1};
// Read and written by the handler.
constinit CtrlCPresses g_ctrl_c;

void OnSignal(int signal_number) {
  const int saved_errno = errno;
  if (signal_number == SIGINT) {
    switch (g_ctrl_c.Classify(MonotonicNanos())) {
      case CtrlCPresses::Press::kFirst:
        break;
      case CtrlCPresses::Press::kSamePress:
        errno = saved_errno;
        return;
      case CtrlCPresses::Press::kSecond: {
        static constexpr char kMessage[] = "\nlp: second Ctrl+C: killing the program now\n";
        (void)!write(STDERR_FILENO, kMessage, sizeof(kMessage) - 1);
        _exit(130);
      }
    }
  }
  const unsigned char byte = static_cast<unsigned char>(signal_number);
  (void)!write(g_pipe[1], &byte, 1);
  errno = saved_errno;
}

void WatchLoop() {
  for (;;) {
    unsigned char byte = 0;
    const ssize_t n = read(g_pipe[0], &byte, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    std::vector<SignalWatcher::Callback> to_call;
    {
      std::lock_guard lock(g_mu);
      if (g_callbacks != nullptr) {
        for (auto& [id, callback] : *g_callbacks) to_call.push_back(callback);
      }
    }
    for (auto& callback : to_call) callback(byte);
  }
}

// Called with g_mu held.
void InstallLocked() {
  if (g_pipe[0] < 0) {
    if (pipe2(g_pipe, O_CLOEXEC) != 0) return;
    std::thread(WatchLoop).detach();
  }
  g_ctrl_c.Reset();
  struct sigaction action;
  std::memset(&action, 0, sizeof(action));
  action.sa_handler = OnSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, &g_previous_int);
  sigaction(SIGTERM, &action, &g_previous_term);
}

// Called with g_mu held.
void RestoreLocked() {
  sigaction(SIGINT, &g_previous_int, nullptr);
  sigaction(SIGTERM, &g_previous_term, nullptr);
}

}  // namespace

int StopProgramOnSignals(std::shared_ptr<Runtime> runtime) {
  return SignalWatcher::Subscribe([runtime = std::move(runtime)](int signal_number) {
    std::fprintf(stderr, "lp: %s received, stopping program '%s'%s\n",
                 signal_number == SIGINT ? "Ctrl+C" : "SIGTERM", runtime->program_name.c_str(),
                 signal_number == SIGINT ? " (press Ctrl+C again to kill it now)" : "");
    runtime->stop->RequestStop();
  });
}

int SignalWatcher::Subscribe(Callback callback) {
  std::lock_guard lock(g_mu);
  if (g_callbacks == nullptr) g_callbacks = new std::map<int, Callback>();
  if (g_callbacks->empty()) InstallLocked();
  const int id = g_next_id++;
  g_callbacks->emplace(id, std::move(callback));
  return id;
}

void SignalWatcher::Unsubscribe(int id) {
  std::lock_guard lock(g_mu);
  if (g_callbacks == nullptr || g_callbacks->erase(id) == 0) return;
  if (g_callbacks->empty()) RestoreLocked();
}

}  // namespace lp::internal
