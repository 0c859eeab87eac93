// lp::PythonNode: the script runs as a child process of the node's own process, which
// supervises it like a launcher supervises a worker (see lp/python_node.h).
//
// Why a child process and not an embedded interpreter: the script needs nothing of this
// process (its clients are Python's own gRPC), a crash in an extension module must fail
// the node and not the worker with every node colocated in it, and any interpreter works
// (a virtualenv's, another version) without linking libpython into every program.

#include "src/launch/python_node.h"

#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <stop_token>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "lp/internal/node_outcome.h"
#include "lp/internal/program_nodes.h"
#include "lp/python_node.h"
#include "src/core/format_notice.h"
#include "src/courier/rpc/transport_security.h"
#include "src/core/stop_state.h"
#include "src/core/worker_environment.h"
#include "src/process/find_program.h"
#include "src/process/process_spawner.h"
#include "src/process/process_tree.h"
#include "src/process/spawn.h"
#include "src/process/unique_fd.h"
#include "src/process/wait_for_exit.h"

namespace lp::internal {
namespace {

// Between SIGTERM and SIGKILL for a script that outlived its stop grace.
constexpr absl::Duration kTerminateToKill = absl::Seconds(2);
// The largest control message read; the package sends less (it cuts exception texts).
constexpr size_t kMaxControlMessage = 64 << 10;

// Where the launchpad_cpp package is: the source tree this library was built from, else
// where `cmake --install` put it; empty when neither has it (the interpreter may have it
// on its own path, e.g. a virtualenv it was installed into).
std::string PackageDirectory() {
  for (const char* directory : {LP_PYTHON_SOURCE_DIR, LP_PYTHON_INSTALL_DIR}) {
    if (access(absl::StrCat(directory, "/launchpad_cpp/__init__.py").c_str(), R_OK) == 0) {
      return directory;
    }
  }
  return "";
}

// The interpreter the node chose, else $LP_PYTHON, else python3; absolute.
absl::StatusOr<std::string> FindInterpreter(const std::string& chosen) {
  std::string name = chosen;
  if (name.empty()) {
    absl::StatusOr<std::string> from_environment = GetEnv(kPythonInterpreterEnv);
    name = from_environment.ok() ? *from_environment : "python3";
  }
  return FindProgram(name);
}

// Each handle's node and the address of its Courier server, waiting until it is up.
// Nullopt when the program stopped first.
std::optional<std::map<std::string, ResolvedHandle>> ResolveHandles(
    const Runtime& runtime, const std::map<std::string, AnyCourierHandle>& handles) {
  std::map<std::string, ResolvedHandle> resolved;
  for (const auto& [name, handle] : handles) {
    absl::StatusOr<std::string> address =
        runtime.addresses->Resolve(handle.node(), kCourierEndpoint, absl::InfiniteFuture());
    if (!address.ok()) {
      if (runtime.stop->IsStopping()) return std::nullopt;
      throw std::runtime_error(absl::StrCat("cannot find handle '", name, "' (node ",
                                            handle.node().ToString(),
                                            "): ", address.status().message()));
    }
    resolved[name] = ResolvedHandle{handle.node().ToString(), *std::move(address)};
  }
  return resolved;
}

// What the script told through the control channel.
struct ScriptReport {
  bool started = false;
  std::string raised_kind;  // "stopped", "call" or "error"; empty: no uncaught exception
  std::string raised_text;
};

// Reads every message waiting on `control` and acts on it. Returns false once the script's
// end is closed (every holder exited) or broken.
bool ReadControlMessages(int control, const Runtime& runtime, ScriptReport& report) {
  std::string buffer(kMaxControlMessage, '\0');
  for (;;) {
    const ssize_t n = recv(control, buffer.data(), buffer.size(), MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    if (n <= 0) return false;
    const absl::string_view message(buffer.data(), static_cast<size_t>(n));
    if (message == kStartedMessage) {
      report.started = true;
    } else if (message == kStopMessage) {
      runtime.stop->RequestStop();
    } else if (absl::StartsWith(message, kRaisedMessage)) {
      // "raised <kind>\n<text>"
      const size_t kind_start = std::strlen(kRaisedMessage) + 1;
      const size_t newline = message.find('\n');
      if (newline != absl::string_view::npos && newline >= kind_start) {
        report.raised_kind = std::string(message.substr(kind_start, newline - kind_start));
        report.raised_text = std::string(message.substr(newline + 1));
      }
    }
  }
}

// Kills and reaps the script if its supervision ends early (an error of ours).
struct ReapOnExit {
  pid_t pid;
  bool reaped = false;
  ~ReapOnExit() {
    if (reaped) return;
    KillProcessTree(pid, SIGKILL);
    (void)WaitForExit(pid, absl::InfiniteFuture());
  }
};

// Step 1. The script's command line and environment (docs/python.md, "How it runs").
SpawnSpec ScriptCommand(const std::string& interpreter, const std::string& script,
                        const std::vector<std::string>& args, const std::string& handles_json,
                        const Runtime& runtime, const NodeContext& context) {
  SpawnSpec spec;
  spec.argv = {interpreter, "-m", "launchpad_cpp._node_main", script};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  for (std::string& arg : GroupArgsFromEnvironment()) spec.argv.push_back(std::move(arg));
  spec.env_overrides = {
      {kPythonNodeNameEnv, context.node.ToString()},
      {kPythonProgramEnv, context.program_name},
      {kPythonHandlesEnv, handles_json},
      {kPythonControlFdEnv, std::to_string(kPassedFd)},
      {kCourierSecretEnv, runtime.courier_secret},
      // A Launchpad program the script runs must not take itself for this node's worker.
      {kNodeEnv, ""},
      {kNodeGroupEnv, ""},
      {kCourierPortEnv, ""},
      {kGroupArgsEnv, ""},
  };
  if (runtime.transport != nullptr) {
    const TlsOptions& tls = runtime.transport->files;
    spec.env_overrides.insert(spec.env_overrides.end(),
                              {{kPythonTlsCertEnv, tls.certificate_file},
                               {kPythonTlsKeyEnv, tls.private_key_file},
                               {kPythonTlsCaEnv, tls.ca_file},
                               {kPythonTlsServerNameEnv, tls.server_name}});
  }
  // Output as it happens, so that it interleaves with the program's and the last lines
  // before a crash are not lost in a buffer.
  if (!GetEnv("PYTHONUNBUFFERED").ok()) spec.env_overrides.emplace_back("PYTHONUNBUFFERED", "1");
  if (const std::string package = PackageDirectory(); !package.empty()) {
    absl::StatusOr<std::string> path = GetEnv("PYTHONPATH");
    spec.env_overrides.emplace_back("PYTHONPATH",
                                    path.ok() ? absl::StrCat(package, ":", *path) : package);
  }
  return spec;
}

// How the script ended.
struct ScriptEnd {
  ExitInfo exit;
  ScriptReport report;
  bool terminated = false;  // by the node, because the stop's grace ran out
};

// Step 2. Watches the running script `pid` until it ends: acts on its messages on
// `control`, tells it the program's stop and, `stop_grace` after the stop, terminates it
// (SIGTERM, then SIGKILL), saying so on stderr with `name`. Reaps it. Throws on errors of
// its own.
ScriptEnd SuperviseScript(pid_t pid, int control, const Runtime& runtime,
                          absl::Duration stop_grace, const std::string& name) {
  ReapOnExit reap{pid};
  absl::StatusOr<PidFd> exited = PidFd::Open(pid);
  if (!exited.ok()) {
    throw std::runtime_error(absl::StrCat("python node: ", exited.status().message()));
  }
  // The stop, from whichever thread requests it: told to the script at once, and to the
  // loop below, which gives the script its grace. (The callback's destructor waits for a
  // run of it in progress, so the descriptors outlive it.)
  UniqueFd stop_wake(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  std::stop_callback on_stop(runtime.stop->token(), [&] {
    (void)send(control, kStopMessage, std::strlen(kStopMessage), MSG_DONTWAIT | MSG_NOSIGNAL);
    const uint64_t one = 1;
    (void)!write(stop_wake.get(), &one, sizeof(one));
  });

  ScriptEnd end;
  bool control_open = true;
  absl::Time terminate_at = absl::InfiniteFuture();
  absl::Time kill_at = absl::InfiniteFuture();
  for (;;) {
    pollfd fds[3] = {{exited->fd(), POLLIN, 0},
                     {stop_wake.get(), POLLIN, 0},
                     {control_open ? control : -1, POLLIN, 0}};
    const int ready = poll(fds, 3, PollTimeoutMillis(std::min(terminate_at, kill_at)));
    if (ready < 0 && errno != EINTR) {
      throw std::runtime_error(absl::StrCat("python node: poll: ", std::strerror(errno)));
    }
    if (fds[2].revents != 0) control_open = ReadControlMessages(control, runtime, end.report);
    if (fds[1].revents != 0) {
      uint64_t count;
      (void)!read(stop_wake.get(), &count, sizeof(count));
      if (terminate_at == absl::InfiniteFuture() && !end.terminated) {
        terminate_at = absl::Now() + stop_grace;
      }
    }
    if (fds[0].revents != 0) break;
    const absl::Time now = absl::Now();
    if (now >= terminate_at) {
      std::fprintf(stderr, "lp: %s did not exit within %s of the stop; terminating it\n",
                   name.c_str(), FormatNotice(stop_grace).c_str());
      KillProcessTree(pid, SIGTERM);
      end.terminated = true;
      terminate_at = absl::InfiniteFuture();
      kill_at = now + kTerminateToKill;
    } else if (now >= kill_at) {
      KillProcessTree(pid, SIGKILL);
      kill_at = absl::InfiniteFuture();
    }
  }
  // What the script sent before it ended is still in the socket.
  if (control_open) ReadControlMessages(control, runtime, end.report);
  absl::StatusOr<ExitInfo> exit = WaitForExit(pid, absl::InfiniteFuture());
  reap.reaped = true;
  if (!exit.ok()) throw std::runtime_error(absl::StrCat("python node: ", exit.status().message()));
  end.exit = *exit;
  return end;
}

// Step 3. What a script's failure says: the script, its exception, its exit.
std::string DescribeFailure(const std::string& script, const std::string& interpreter,
                            const ScriptEnd& end) {
  // (A process launch adds the worker's own exit in parentheses: hence "the script".)
  const std::string how = end.exit.ToString();
  std::string message = absl::StrCat("python script ", script);
  if (!end.report.raised_text.empty()) {
    absl::StrAppend(&message, " raised ", end.report.raised_text, " (the script ", how, ")");
  } else if (absl::StartsWith(how, "exited") || absl::StartsWith(how, "killed")) {
    absl::StrAppend(&message, " ", how);
  } else {
    absl::StrAppend(&message, " ended: ", how);
  }
  if (!end.report.started) {
    absl::StrAppend(&message, ", before the launchpad_cpp package started in ", interpreter,
                    " (see the node's output)");
  }
  return message;
}

}  // namespace

bool AllPythonNodes(const Program& program, const std::vector<NodeId>& nodes) {
  if (nodes.empty()) return false;
  for (const NodeId& id : nodes) {
    const std::shared_ptr<NodeImpl> node = FindAnyNode(program, id);
    if (dynamic_cast<const PythonNodeImpl*>(node.get()) == nullptr) return false;
  }
  return true;
}

// {name: {"node": ..., "address": ...}}, which launchpad_cpp.handles() reads.
std::string HandlesJson(const std::map<std::string, ResolvedHandle>& handles) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [name, handle] : handles) {
    out[name] = {{"node", handle.node}, {"address", handle.address}};
  }
  // A name that is not UTF-8 (the user's bytes) gets U+FFFD rather than an exception.
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void PythonNodeImpl::Run(const Runtime& runtime, const NodeContext& context) {
  if (!run_enabled() || runtime.stop->IsStopping()) return;
  const std::optional<std::map<std::string, ResolvedHandle>> handles =
      ResolveHandles(runtime, handles_);
  if (!handles.has_value()) return;
  if (access(script().c_str(), R_OK) != 0) {
    char cwd[4096] = "?";
    (void)!getcwd(cwd, sizeof(cwd));
    throw std::runtime_error(absl::StrCat("python script ", script(), " cannot be read (",
                                          std::strerror(errno), "; working directory ", cwd,
                                          ")"));
  }
  absl::StatusOr<std::string> interpreter = FindInterpreter(interpreter_);
  if (!interpreter.ok()) {
    throw std::runtime_error(absl::StrCat("python script ", script(), ": no interpreter: ",
                                          interpreter.status().message()));
  }
  // The control channel: SOCK_SEQPACKET keeps each message whole.
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) {
    throw std::runtime_error(absl::StrCat("python node: socketpair: ", std::strerror(errno)));
  }
  UniqueFd control(pair[0]);
  UniqueFd script_end(pair[1]);

  SpawnSpec spec =
      ScriptCommand(*interpreter, script(), args(), HandlesJson(*handles), runtime, context);
  spec.passed_fd = script_end.get();
  absl::StatusOr<SpawnedProcess> child = ProcessSpawner::Global().Spawn(spec);
  if (!child.ok()) {
    throw std::runtime_error(absl::StrCat("python script ", script(), ": ",
                                          child.status().message()));
  }
  script_end.Reset();
  const ScriptEnd end =
      SuperviseScript(child->pid, control.get(), runtime, stop_grace_,
                      absl::StrCat("node ", context.node.ToString(), ": python script ", script()));
  if (end.exit.success() || end.terminated) return;
  const std::string message = DescribeFailure(script(), *interpreter, end);
  // Judged as a C++ node's exception of the same kind.
  if (end.report.raised_kind == "stopped") {
    throw InnerNodeError(NodeOutcome::Kind::kStopped, message);
  }
  if (end.report.raised_kind == "call") throw InnerNodeError(NodeOutcome::Kind::kCallFailed, message);
  throw std::runtime_error(message);
}

}  // namespace lp::internal
