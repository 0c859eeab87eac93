// bench_launch: how long local_mp takes to launch and to stop N CourierNodes, against a
// fork/exec baseline measured in the same run (issue 4). A benchmark, not a test.
//
//   build-bench/bench/launch/bench_launch                 # N = 1, 10, 100; 5 repetitions
//   build-bench/bench/launch/bench_launch --sizes=100 --reps=3 --trace_dir=/tmp/trace
//   build/bench/launch/bench_launch --sizes=1000 --reps=1 --fat_baseline=false --idle_secs=5
//
// For each N and repetition:
//   lp launch   lp::Launch(program of N CourierNode<Pinger>, local_mp) until every node
//               answered one Ping through a client made from its handle in this process
//               (i.e. it is registered, its server is up and its address is published).
//   lp stop     Controller::Stop() until every worker has been reaped (WaitFor returns);
//               "stop+wait" adds Controller::Wait() (joins, coordinator shutdown).
//   memory      between the two, with all N nodes up: the sum of the PSS (Proportional Set
//               Size, /proc/<pid>/smaps_rollup) of every descendant of the launcher (the
//               workers), and the launcher's own; also their CPU time so far and threads.
//               Pages shared by several workers (the binary's text) count once in the sum.
//   total       launch + stop+wait: launch, every node answered one call, stop, all reaped,
//               joined; for N >= 1000 compared with the 15 s target of issue 13.
//   baseline    fork/exec N copies of bench_launch_child (binds 127.0.0.1:0, writes the
//               port to a pipe) until all N ports are read; stop = SIGTERM all + reap all.
//               Through posix_spawn (vfork-like), whose cost does not depend on this
//               process: a fork() copies the page tables of a launcher that runs gRPC.
//   fat base    the same, but the child is this binary (gRPC, Abseil, protobuf, lp linked
//               in) doing the same bind-and-report at the very start of main(): the cost of
//               exec + loading + static initialisation of an lp binary, no lp.
//   grpc exec   posix_spawn N copies of bench_launch_grpc_child (a raw gRPC callback server
//               on 127.0.0.1:0, no lp) until each has reported its port and answered one
//               call through a channel of this process's own, 16 at a time (as lp's
//               nodes are called); stop = SIGTERM all + reap all (--grpc_baseline).
//   grpc fork   the same servers forked by one spawned bench_launch_grpc_child before any
//               gRPC thread exists, as lp's fork server forks its workers: the least a
//               process that serves gRPC costs to start here. lp's workers do that and
//               register with the coordinator (docs/performance.md, "What gRPC itself
//               costs to launch").
//
// This binary is itself an lp program: local_mp re-executes it once per node with the same
// command line, and main() builds the same sequence of programs again (it depends only on
// the flags), so that each worker reaches the launch it belongs to. Workers skip the
// baselines. With --isolate, every (N, repetition) runs in a fresh invocation of this
// binary instead of all in one process.

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <time.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "bench/launch/grpc_baseline.h"
#include "lp/lp.h"

ABSL_FLAG(std::string, sizes, "1,10,100", "Comma-separated numbers of CourierNodes.");
ABSL_FLAG(int, reps, 5, "Repetitions per size; the table shows medians.");
ABSL_FLAG(bool, isolate, false,
          "Run every (size, repetition) in a fresh invocation of this binary rather than "
          "all launches in one process.");
ABSL_FLAG(bool, fat_baseline, true,
          "Also measure the baseline with this binary as the child (exec + loading "
          "of an lp binary).");
ABSL_FLAG(bool, grpc_baseline, true,
          "Also measure the gRPC baseline: N raw gRPC servers (bench_launch_grpc_child), "
          "each started and called once.");
ABSL_FLAG(bool, exec_wait_baseline, false,
          "Profiling: also run the fat baseline with fork() rather than posix_spawn (so "
          "copying this process's page tables), one child at a time, waiting for its exec "
          "to succeed before the next fork.");
ABSL_FLAG(std::string, trace_dir, "",
          "If set, workers append timestamps (main entry, node constructed) to files here, "
          "and the launcher prints a per-phase breakdown.");
ABSL_FLAG(std::string, terminal, "output_to_files",
          "Where node output goes (LaunchOptions::terminal).");
ABSL_FLAG(double, idle_secs, 0,
          "If > 0, with every node up, wait this long and report the CPU the idle workers "
          "and launcher used meanwhile (before the stop; not part of any measured time).");
ABSL_FLAG(double, stop_notice_secs, 120,
          "The termination notice of the measured launches (LaunchOptions::"
          "termination_notice). Long, so that the stop is measured until every worker ended "
          "by itself: 1000 workers on 2 cores take longer to stop than lp's default 10 s, "
          "and killing the rest at the notice would cut the measurement short (and fail the "
          "run).");
ABSL_FLAG(bool, compare_exec, true,
          "Also launch every program with the fork server off (LaunchOptions::fork_server = "
          "false: one exec per worker), alternating with the default launch, and print both.");
ABSL_FLAG(bool, machine, false, "Print only RESULT lines (used by --isolate).");

namespace {

using Clock = std::chrono::steady_clock;

double MsSince(Clock::time_point start, Clock::time_point end) {
  return std::chrono::duration<double, std::milli>(end - start).count();
}

int64_t RealtimeNs() { return absl::ToUnixNanos(absl::Now()); }

// CPU time of this process, every thread: in a forked worker, counted from its fork().
int64_t ProcessCpuNs() {
  timespec cpu{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
  return static_cast<int64_t>(cpu.tv_sec) * 1'000'000'000 + cpu.tv_nsec;
}

bool IsWorker() { return std::getenv("LP_NODE") != nullptr; }

// ---------------------------------------------------------------------------------------
// Worker-side trace: one small file per (launch, node), appended to.

int64_t g_main_entry_ns = 0;

void AppendTrace(const std::string& what, int64_t ns) {
  const std::string dir = absl::GetFlag(FLAGS_trace_dir);
  if (dir.empty() || !IsWorker()) return;
  std::string node = std::getenv("LP_NODE");
  std::replace(node.begin(), node.end(), '/', '_');
  const char* launch = std::getenv("LP_LAUNCH_INDEX");
  std::ofstream out(absl::StrCat(dir, "/L", launch == nullptr ? "?" : launch, "_", node),
                    std::ios::app);
  out << what << " " << ns << "\n";
}

// The node: constructed after the worker registered with the coordinator; its server
// starts and its address is published right after.
class Pinger {
 public:
  Pinger() {
    AppendTrace("ctor", RealtimeNs());
    AppendTrace("ctor_cpu", ProcessCpuNs());
    // Runs after the worker's own stop handlers (registered before the node was built).
    if (!absl::GetFlag(FLAGS_trace_dir).empty()) {
      lp::RegisterStopHandler([] { AppendTrace("stop", RealtimeNs()); });
    }
  }
  // Destroyed after the node's server has shut down, on the way out after a stop.
  ~Pinger() { AppendTrace("dtor", RealtimeNs()); }
  int Ping(int x) {
    std::call_once(first_ping_, [] { AppendTrace("ping_cpu", ProcessCpuNs()); });
    return x;
  }

 private:
  std::once_flag first_ping_;
};
LP_COURIER_METHODS(Pinger, Ping);

// ---------------------------------------------------------------------------------------
// Baseline: fork/exec N children that bind port 0 and report the port through a pipe.

struct BaselineResult {
  double launch_ms = 0;
  double stop_ms = 0;
};

std::string SelfExe() {
  char path[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
  if (n <= 0) return "";
  return std::string(path, static_cast<size_t>(n));
}

std::string Dirname(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

// `path` is the child's command; the pipe's write end is appended as an argument (as
// "<fd>" or, for the fat baseline, "--baseline_child_fd=<fd>"). The launch ends once every
// child reported its port and, if `call_each` is set, it returned (given every port). With
// `one_template`, one child is spawned with "--fork=<n>" and makes the n that report (the
// forked gRPC baseline), and ends them when it is sent SIGTERM.
BaselineResult RunBaseline(int n, const std::string& path, bool fat, bool wait_exec = false,
                           bool (*call_each)(const std::vector<int>& ports) = nullptr,
                           bool one_template = false) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    std::perror("pipe2");
    std::exit(1);
  }
  // The write end must survive exec: a dup without O_CLOEXEC, shared by all children.
  const int child_fd = fcntl(fds[1], F_DUPFD, 10);
  const std::string fd_arg =
      fat ? absl::StrCat("--baseline_child_fd=", child_fd) : absl::StrCat(child_fd);
  const std::string fork_arg = absl::StrCat("--fork=", n);
  std::vector<char*> argv = {const_cast<char*>(path.c_str()), const_cast<char*>(fd_arg.c_str()),
                             one_template ? const_cast<char*>(fork_arg.c_str()) : nullptr,
                             nullptr};
  std::vector<pid_t> pids;
  pids.reserve(n);

  const Clock::time_point t0 = Clock::now();
  for (int i = 0; i < (one_template ? 1 : n); ++i) {
    pid_t pid = -1;
    if (!wait_exec) {
      // posix_spawn: glibc's clone(CLONE_VM | CLONE_VFORK) shares this process's memory
      // until the child execs, so the cost does not grow with this process. fork() did:
      // once the first lp launch had started gRPC here (threads, a larger heap), every
      // later baseline copied those page tables, 70-97 ms for N = 100 instead of ~40,
      // which flattered every ratio but the first repetition's.
      const int error = posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ);
      if (error != 0) {
        std::fprintf(stderr, "posix_spawn: %s\n", std::strerror(error));
        std::exit(1);
      }
      pids.push_back(pid);
      continue;
    }
    // wait_exec (profiling): fork, and a close-on-exec pipe that reaches EOF once the child
    // has exec'ed.
    int exec_fds[2] = {-1, -1};
    if (pipe2(exec_fds, O_CLOEXEC) != 0) {
      std::perror("pipe2");
      std::exit(1);
    }
    pid = fork();
    if (pid < 0) {
      std::perror("fork");
      std::exit(1);
    }
    if (pid == 0) {
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(exec_fds[1]);
    char byte;
    while (read(exec_fds[0], &byte, 1) < 0 && errno == EINTR) {
    }
    close(exec_fds[0]);
    pids.push_back(pid);
  }
  close(child_fd);
  close(fds[1]);
  std::vector<int> ports;
  std::string pending;  // the last line read, while incomplete
  char buffer[4096];
  while (static_cast<int>(ports.size()) < n) {
    const ssize_t got = read(fds[0], buffer, sizeof(buffer));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      std::fprintf(stderr, "baseline: children ended before reporting %d ports (got %zu)\n", n,
                   ports.size());
      std::exit(1);
    }
    for (const char c : std::string_view(buffer, static_cast<size_t>(got))) {
      if (c != '\n') {
        pending.push_back(c);
        continue;
      }
      int port = 0;
      (void)absl::SimpleAtoi(pending, &port);
      ports.push_back(port);
      pending.clear();
    }
  }
  if (call_each != nullptr && !call_each(ports)) std::exit(1);
  const Clock::time_point t1 = Clock::now();
  close(fds[0]);

  const Clock::time_point s0 = Clock::now();
  for (pid_t pid : pids) kill(pid, SIGTERM);
  for (pid_t pid : pids) {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  const Clock::time_point s1 = Clock::now();
  return {MsSince(t0, t1), MsSince(s0, s1)};
}

// The fat baseline's child: this binary, at the start of main().
[[noreturn]] void RunBaselineChild(int report_fd) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      listen(fd, 16) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    _exit(3);
  }
  char line[16];
  const int count = std::snprintf(line, sizeof(line), "%u\n", ntohs(address.sin_port));
  if (write(report_fd, line, static_cast<size_t>(count)) != count) _exit(7);
  close(report_fd);
  for (;;) pause();
}

// ---------------------------------------------------------------------------------------
// Memory and CPU of the launcher and of its workers, from /proc.

struct ProcessSample {
  int processes = 0;         // descendants of the launcher (the workers)
  double workers_pss_mib = 0;  // sum of their PSS
  double launcher_pss_mib = 0;
  double workers_cpu_s = 0;  // user + system time so far, summed
  double launcher_cpu_s = 0;
  int64_t workers_threads = 0;
  int64_t launcher_threads = 0;
};

// The fields of /proc/<pid>/stat after the command name (which may hold spaces and
// parentheses, so it is skipped up to the last ')'): [0] is field 3, the state.
std::vector<std::string> StatFields(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
  std::string line;
  std::getline(in, line);
  const size_t close = line.rfind(')');
  if (close == std::string::npos) return {};
  return absl::StrSplit(line.substr(close + 1), ' ', absl::SkipEmpty());
}

// Pss of /proc/<pid>/smaps_rollup in KiB (0 if the process is gone).
int64_t PssKib(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/smaps_rollup"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("Pss:", 0) != 0) continue;
    int64_t kib = 0;
    std::istringstream(line.substr(4)) >> kib;
    return kib;
  }
  return 0;
}

// The CPU time `pid` has used so far, all its threads (ended ones too), to the nanosecond:
// its process CPU clock. Not /proc/<pid>/stat's utime + stime, which come in 10 ms ticks:
// a forked worker uses 1-5 ms to start, and 100 of them summed to 0.0 s that way.
double CpuSeconds(pid_t pid) {
  clockid_t clock;
  timespec used{};
  if (clock_getcpuclockid(pid, &clock) != 0 || clock_gettime(clock, &used) != 0) return 0;
  return static_cast<double>(used.tv_sec) + static_cast<double>(used.tv_nsec) / 1e9;
}

void AddCpuAndThreads(pid_t pid, const std::vector<std::string>& fields, double* cpu_s,
                      int64_t* threads) {
  // Field 20 of /proc/<pid>/stat: num_threads.
  if (fields.size() < 18) return;
  *cpu_s += CpuSeconds(pid);
  *threads += std::stoll(fields[17]);
}

// Every descendant of this process (found through the parent pid of every process in
// /proc), and this process itself.
ProcessSample SampleProcesses() {
  std::map<pid_t, std::vector<pid_t>> children;
  std::map<pid_t, std::vector<std::string>> stats;
  if (DIR* proc = opendir("/proc")) {
    while (dirent* entry = readdir(proc)) {
      int pid = 0;
      if (!absl::SimpleAtoi(entry->d_name, &pid)) continue;
      std::vector<std::string> fields = StatFields(pid);
      if (fields.size() < 2) continue;
      children[std::stoi(fields[1])].push_back(pid);
      stats[pid] = std::move(fields);
    }
    closedir(proc);
  }
  ProcessSample sample;
  const pid_t self = getpid();
  sample.launcher_pss_mib = static_cast<double>(PssKib(self)) / 1024;
  AddCpuAndThreads(self, stats[self], &sample.launcher_cpu_s, &sample.launcher_threads);
  std::vector<pid_t> pending = children[self];
  int64_t pss_kib = 0;
  while (!pending.empty()) {
    const pid_t pid = pending.back();
    pending.pop_back();
    ++sample.processes;
    pss_kib += PssKib(pid);
    AddCpuAndThreads(pid, stats[pid], &sample.workers_cpu_s, &sample.workers_threads);
    pending.insert(pending.end(), children[pid].begin(), children[pid].end());
  }
  sample.workers_pss_mib = static_cast<double>(pss_kib) / 1024;
  return sample;
}

// ---------------------------------------------------------------------------------------
// The lp measurement.

struct LpResult {
  double launch_ms = 0;        // Launch → every node answered a Ping
  double spawn_ms = 0;         // Launch → Launch returned (all workers forked and exec'ed)
  double first_ready_ms = 0;   // Launch → the first Ping answered
  double stop_ms = 0;          // Stop → every worker reaped (WaitFor)
  double stop_wait_ms = 0;     // Stop → Wait() returned
  int64_t t0_realtime_ns = 0;  // for the trace breakdown
  int64_t stop_realtime_ns = 0;
  // lp's number of this Launch in the process (LP_LAUNCH_INDEX, which names the workers'
  // trace files): every lp::Launch of this benchmark is one MeasureLp, in the same order
  // in the launcher and in the workers, which replay the sequence.
  int launch_index = 0;
  std::vector<double> ready_ms;  // per node
  // The launcher's CPU time (every thread of this process) from Launch until every node
  // answered: with the workers' (`up`), what the launch cost the machine.
  double launcher_cpu_ms = 0;
  ProcessSample up;              // sampled with every node up, before the stop
  double idle_workers_cpu_pct = -1;   // --idle_secs: % of one core used by the idle workers
  double idle_launcher_cpu_pct = -1;  // ... and by the launcher
  bool ok = true;
};

struct Measurement {
  int n = 0;
  int rep = 0;
  LpResult lp;       // the default launch (fork server on)
  LpResult lp_exec;  // --compare_exec: fork server off
  BaselineResult base;
  BaselineResult fat;
  BaselineResult fat_wait;
  BaselineResult grpc;         // --grpc_baseline: exec'd servers
  BaselineResult grpc_forked;  // ... forked by a template
};

// Launches one program of n Pingers. In a worker whose launch comes later this returns at
// once (the launch is skipped); in the worker whose launch this is, it never returns.
LpResult MeasureLp(int n, bool fork_server) {
  lp::Program program("bench_launch");
  std::vector<lp::CourierHandle<Pinger>> handles;
  {
    auto group = program.Group("pinger");
    for (int i = 0; i < n; ++i) handles.push_back(program.AddNode(lp::CourierNode<Pinger>()));
  }
  static int launches = 0;
  LpResult result;
  result.launch_index = launches++;
  result.t0_realtime_ns = RealtimeNs();
  const int64_t cpu0_ns = ProcessCpuNs();
  const Clock::time_point t0 = Clock::now();
  lp::Controller controller = lp::Launch(
      std::move(program),
      {.launch_type = lp::LaunchType::kLocalMp,
       .termination_notice = absl::Seconds(absl::GetFlag(FLAGS_stop_notice_secs)),
       .terminal = absl::GetFlag(FLAGS_terminal),
       .fork_server = fork_server});
  const Clock::time_point spawned = Clock::now();
  if (IsWorker()) return result;  // a launch before this worker's own: skipped

  // Ping every node, a few at a time: the first call of each client resolves the
  // node's address through the coordinator (waiting until it is published), then
  // connects; a pool keeps a late node from holding up the connects of the others.
  result.ready_ms.assign(n, 0);
  std::atomic<int> next{0};
  std::atomic<bool> failed{false};
  const int threads = std::min(n, 16);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (int i = next++; i < n; i = next++) {
        try {
          const int got = handles[i].Dereference().WithTimeout(absl::Seconds(120)).Call(
              &Pinger::Ping, i);
          if (got != i) failed = true;
        } catch (const std::exception& error) {
          std::fprintf(stderr, "ping of pinger/%d failed: %s\n", i, error.what());
          failed = true;
        }
        result.ready_ms[i] = MsSince(t0, Clock::now());
      }
    });
  }
  for (std::thread& thread : pool) thread.join();
  const Clock::time_point ready = Clock::now();
  result.launcher_cpu_ms = static_cast<double>(ProcessCpuNs() - cpu0_ns) / 1e6;
  // Outside both measured intervals: reading /proc for 1000 processes takes a while.
  result.up = SampleProcesses();
  if (const double idle = absl::GetFlag(FLAGS_idle_secs); idle > 0) {
    absl::SleepFor(absl::Seconds(idle));
    const ProcessSample later = SampleProcesses();
    result.idle_workers_cpu_pct = 100 * (later.workers_cpu_s - result.up.workers_cpu_s) / idle;
    result.idle_launcher_cpu_pct = 100 * (later.launcher_cpu_s - result.up.launcher_cpu_s) / idle;
  }

  result.stop_realtime_ns = RealtimeNs();
  const Clock::time_point s0 = Clock::now();
  controller.Stop();
  controller.WaitFor(absl::InfiniteDuration());
  const Clock::time_point s1 = Clock::now();
  const absl::Status outcome = controller.Wait();
  const Clock::time_point s2 = Clock::now();
  if (!outcome.ok()) {
    std::fprintf(stderr, "program of %d nodes ended with: %s\n", n,
                 std::string(outcome.message()).c_str());
    failed = true;
  }
  result.ok = !failed;
  result.launch_ms = MsSince(t0, ready);
  result.spawn_ms = MsSince(t0, spawned);
  result.first_ready_ms = *std::min_element(result.ready_ms.begin(), result.ready_ms.end());
  result.stop_ms = MsSince(s0, s1);
  result.stop_wait_ms = MsSince(s0, s2);
  return result;
}

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t mid = values.size() / 2;
  return values.size() % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t index = std::min(values.size() - 1,
                                static_cast<size_t>(p * static_cast<double>(values.size() - 1) + 0.5));
  return values[index];
}

// Reads the workers' trace files of one launch: per node, ms after the launch's t0.
struct TracePhases {
  std::vector<double> main_entry_ms, ctor_ms, stop_seen_after_stop_ms, dtor_after_stop_ms;
  // The worker's CPU (all its threads) when its node was constructed, and when it answered
  // its first Ping.
  std::vector<double> ctor_cpu_ms, ping_cpu_ms;
};
TracePhases ReadTrace(const std::string& dir, int launch_index, int n, int64_t t0_ns,
                      int64_t stop_ns) {
  TracePhases phases;
  for (int i = 0; i < n; ++i) {
    std::ifstream in(absl::StrCat(dir, "/L", launch_index, "_pinger_", i));
    std::string what;
    int64_t ns;
    while (in >> what >> ns) {
      const double ms = static_cast<double>(ns - t0_ns) / 1e6;
      if (what == "main") phases.main_entry_ms.push_back(ms);
      if (what == "ctor") phases.ctor_ms.push_back(ms);
      if (what == "ctor_cpu") phases.ctor_cpu_ms.push_back(static_cast<double>(ns) / 1e6);
      if (what == "ping_cpu") phases.ping_cpu_ms.push_back(static_cast<double>(ns) / 1e6);
      const double after_stop_ms = static_cast<double>(ns - stop_ns) / 1e6;
      if (what == "stop") phases.stop_seen_after_stop_ms.push_back(after_stop_ms);
      if (what == "dtor") phases.dtor_after_stop_ms.push_back(after_stop_ms);
    }
  }
  return phases;
}

std::string Where() {
  utsname name{};
  uname(&name);
  cpu_set_t set;
  CPU_ZERO(&set);
  sched_getaffinity(0, sizeof(set), &set);
  double load[3] = {0, 0, 0};
  getloadavg(load, 3);
  return absl::StrCat("host ", name.nodename, " (", name.sysname, " ", name.release, "), ",
                      std::thread::hardware_concurrency(), " CPUs online, ", CPU_COUNT(&set),
                      " in this process's affinity mask (unpinned: no taskset/affinity set by "
                      "the benchmark), load average ",
                      absl::StrFormat("%.2f %.2f %.2f", load[0], load[1], load[2]));
}

std::vector<int> ParseSizes() {
  std::vector<int> sizes;
  for (absl::string_view part : absl::StrSplit(absl::GetFlag(FLAGS_sizes), ',')) {
    int value = 0;
    if (!absl::SimpleAtoi(part, &value) || value <= 0) {
      std::fprintf(stderr, "bad --sizes entry '%s'\n", std::string(part).c_str());
      std::exit(2);
    }
    sizes.push_back(value);
  }
  return sizes;
}

// The median, over the repetitions of size n, of what `field` reads from a measurement.
double MedianOf(const std::vector<Measurement>& all, int n,
                double (*field)(const Measurement&)) {
  std::vector<double> values;
  for (const Measurement& m : all) {
    if (m.n == n) values.push_back(field(m));
  }
  return Median(values);
}

void PrintResultLine(const Measurement& m) {
  const ProcessSample& up = m.lp.up;
  std::printf("RESULT n=%d rep=%d ok=%d lp_launch=%.3f lp_spawn=%.3f lp_first=%.3f "
              "lp_stop=%.3f lp_stop_wait=%.3f base_launch=%.3f base_stop=%.3f "
              "fat_launch=%.3f fat_stop=%.3f grpc_launch=%.3f grpc_stop=%.3f "
              "grpc_forked_launch=%.3f grpc_forked_stop=%.3f procs=%d pss_workers=%.3f "
              "pss_launcher=%.3f cpu_workers=%.3f cpu_launcher=%.3f threads_workers=%lld "
              "threads_launcher=%lld launch_cpu_launcher=%.3f\n",
              m.n, m.rep, m.lp.ok ? 1 : 0, m.lp.launch_ms, m.lp.spawn_ms, m.lp.first_ready_ms,
              m.lp.stop_ms, m.lp.stop_wait_ms, m.base.launch_ms, m.base.stop_ms,
              m.fat.launch_ms, m.fat.stop_ms, m.grpc.launch_ms, m.grpc.stop_ms,
              m.grpc_forked.launch_ms, m.grpc_forked.stop_ms, up.processes,
              up.workers_pss_mib, up.launcher_pss_mib, up.workers_cpu_s, up.launcher_cpu_s,
              static_cast<long long>(up.workers_threads),
              static_cast<long long>(up.launcher_threads), m.lp.launcher_cpu_ms);
  std::fflush(stdout);
}

bool ParseResultLine(const std::string& line, Measurement* m) {
  if (line.rfind("RESULT ", 0) != 0) return false;
  std::map<std::string, double> values;
  for (absl::string_view field : absl::StrSplit(line.substr(7), ' ', absl::SkipEmpty())) {
    std::vector<std::string> kv = absl::StrSplit(field, '=');
    double value = 0;
    if (kv.size() == 2 && absl::SimpleAtod(kv[1], &value)) values[kv[0]] = value;
  }
  m->n = static_cast<int>(values["n"]);
  m->lp.ok = values["ok"] != 0;
  m->lp.launch_ms = values["lp_launch"];
  m->lp.spawn_ms = values["lp_spawn"];
  m->lp.first_ready_ms = values["lp_first"];
  m->lp.stop_ms = values["lp_stop"];
  m->lp.stop_wait_ms = values["lp_stop_wait"];
  m->base = {values["base_launch"], values["base_stop"]};
  m->fat = {values["fat_launch"], values["fat_stop"]};
  m->grpc = {values["grpc_launch"], values["grpc_stop"]};
  m->grpc_forked = {values["grpc_forked_launch"], values["grpc_forked_stop"]};
  m->lp.up.processes = static_cast<int>(values["procs"]);
  m->lp.up.workers_pss_mib = values["pss_workers"];
  m->lp.up.launcher_pss_mib = values["pss_launcher"];
  m->lp.up.workers_cpu_s = values["cpu_workers"];
  m->lp.up.launcher_cpu_s = values["cpu_launcher"];
  m->lp.up.workers_threads = static_cast<int64_t>(values["threads_workers"]);
  m->lp.up.launcher_threads = static_cast<int64_t>(values["threads_launcher"]);
  m->lp.launcher_cpu_ms = values["launch_cpu_launcher"];
  return true;
}

// --isolate: one invocation of this binary per (size, repetition).
std::vector<Measurement> RunIsolated(const std::vector<int>& sizes, int reps, int argc,
                                     char** argv) {
  std::vector<Measurement> all;
  for (int rep = 0; rep < reps; ++rep) {
    for (int n : sizes) {
      std::string command = absl::StrCat("'", SelfExe(), "'");
      for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg.rfind("--sizes", 0) == 0 || arg.rfind("--reps", 0) == 0 ||
            arg.rfind("--isolate", 0) == 0 || arg.rfind("--machine", 0) == 0) {
          continue;
        }
        absl::StrAppend(&command, " '", arg, "'");
      }
      absl::StrAppend(&command, " --sizes=", n, " --reps=1 --isolate=false --machine");
      FILE* pipe = popen(command.c_str(), "r");
      if (pipe == nullptr) {
        std::perror("popen");
        std::exit(1);
      }
      char line[4096];
      bool got = false;
      while (std::fgets(line, sizeof(line), pipe) != nullptr) {
        Measurement m;
        if (ParseResultLine(line, &m)) {
          m.rep = rep;
          all.push_back(m);
          got = true;
        }
      }
      const int status = pclose(pipe);
      if (!got || status != 0) {
        std::fprintf(stderr, "isolated run n=%d rep=%d failed (status %d)\n", n, rep, status);
      }
      std::fprintf(stderr, "  [isolated] n=%d rep=%d done\n", n, rep);
    }
  }
  return all;
}

}  // namespace

int main(int argc, char** argv) {
  g_main_entry_ns = RealtimeNs();
  // The fat baseline's child: before anything else, like the tiny child.
  if (argc == 2 && std::strncmp(argv[1], "--baseline_child_fd=", 20) == 0) {
    RunBaselineChild(std::atoi(argv[1] + 20));
  }
  lp::ParseFlags(argc, argv);
  AppendTrace("main", g_main_entry_ns);

  const std::vector<int> sizes = ParseSizes();
  const int reps = absl::GetFlag(FLAGS_reps);
  const bool machine = absl::GetFlag(FLAGS_machine);
  const std::string trace_dir = absl::GetFlag(FLAGS_trace_dir);
  const std::string child = Dirname(SelfExe()) + "/bench_launch_child";
  const std::string grpc_child = Dirname(SelfExe()) + "/bench_launch_grpc_child";
  const bool grpc = absl::GetFlag(FLAGS_grpc_baseline);
  const bool fat = absl::GetFlag(FLAGS_fat_baseline);

  if (!IsWorker() && !machine) {
    std::printf("bench_launch: local_mp launch/stop of N CourierNodes vs fork/exec baseline\n");
    std::printf("where: %s\n", Where().c_str());
    std::printf("NOTE: shared machine (other builds may run): figures are noisy; compare the "
                "baseline measured in the same run, and repeat.\n");
    std::printf("mode: %s; terminal=%s; termination notice %gs; reps=%d (medians shown)\n",
                absl::GetFlag(FLAGS_isolate) ? "one process per (N, rep) (--isolate)"
                                             : "all launches in one process (a sweep)",
                absl::GetFlag(FLAGS_terminal).c_str(), absl::GetFlag(FLAGS_stop_notice_secs),
                reps);
    std::fflush(stdout);
  }

  std::vector<Measurement> all;
  if (absl::GetFlag(FLAGS_isolate)) {
    if (IsWorker()) return 1;  // never: isolated runs are separate launchers
    all = RunIsolated(sizes, reps, argc, argv);
  } else {
    // The sequence of launches depends only on the flags: workers replay it.
    for (int rep = 0; rep < reps; ++rep) {
      for (int n : sizes) {
        Measurement m;
        m.n = n;
        m.rep = rep;
        if (!IsWorker()) {
          m.base = RunBaseline(n, child, /*fat=*/false);
          if (fat) m.fat = RunBaseline(n, SelfExe(), /*fat=*/true);
          if (grpc) {
            m.grpc = RunBaseline(n, grpc_child, /*fat=*/false, /*wait_exec=*/false,
                                 &lp::bench::CallEachGrpcBaselineServer);
            m.grpc_forked = RunBaseline(n, grpc_child, /*fat=*/false, /*wait_exec=*/false,
                                        &lp::bench::CallEachGrpcBaselineServer,
                                        /*one_template=*/true);
          }
          if (absl::GetFlag(FLAGS_exec_wait_baseline)) {
            m.fat_wait = RunBaseline(n, SelfExe(), /*fat=*/true, /*wait_exec=*/true);
            std::fprintf(stderr, "      fat baseline, one exec at a time: launch %.1f ms\n",
                         m.fat_wait.launch_ms);
          }
        }
        // Alternating which goes first, so that neither always runs on a warmer machine.
        const bool compare = absl::GetFlag(FLAGS_compare_exec);
        if (compare && rep % 2 == 1) m.lp_exec = MeasureLp(n, /*fork_server=*/false);
        m.lp = MeasureLp(n, /*fork_server=*/true);
        if (compare && rep % 2 == 0) m.lp_exec = MeasureLp(n, /*fork_server=*/false);
        if (IsWorker()) continue;
        if (compare && !machine) {
          std::fprintf(stderr,
                       "  n=%3d rep=%d: fork server off: lp launch %8.1f ms (spawn %7.1f) stop "
                       "%7.1f (+wait %7.1f); PSS %.2f MiB per node; CPU of the workers %.2f s, "
                       "threads %lld%s\n",
                       n, rep, m.lp_exec.launch_ms, m.lp_exec.spawn_ms, m.lp_exec.stop_ms,
                       m.lp_exec.stop_wait_ms, m.lp_exec.up.workers_pss_mib / n,
                       m.lp_exec.up.workers_cpu_s,
                       static_cast<long long>(m.lp_exec.up.workers_threads),
                       m.lp_exec.ok ? "" : "  FAILED");
        }
        if (machine) PrintResultLine(m);
        if (!machine) {
          std::fprintf(stderr,
                       "  n=%3d rep=%d: lp launch %8.1f ms (spawn %7.1f, first ready %7.1f) "
                       "stop %7.1f (+wait %7.1f) | base launch %7.1f stop %6.1f | fat launch "
                       "%7.1f stop %6.1f | grpc launch %7.1f stop %6.1f, forked %7.1f stop "
                       "%6.1f%s\n",
                       n, rep, m.lp.launch_ms, m.lp.spawn_ms, m.lp.first_ready_ms, m.lp.stop_ms,
                       m.lp.stop_wait_ms, m.base.launch_ms, m.base.stop_ms, m.fat.launch_ms,
                       m.fat.stop_ms, m.grpc.launch_ms, m.grpc.stop_ms, m.grpc_forked.launch_ms,
                       m.grpc_forked.stop_ms, m.lp.ok ? "" : "  FAILED");
          const ProcessSample& up = m.lp.up;
          std::fprintf(stderr,
                       "      all up: %d worker processes, PSS %.1f MiB (%.2f per node), "
                       "launcher PSS %.1f MiB; CPU so far: workers %.2f s, launcher %.2f s "
                       "(%.1f ms of it during the launch); threads: workers %lld, launcher "
                       "%lld\n",
                       up.processes, up.workers_pss_mib, up.workers_pss_mib / n,
                       up.launcher_pss_mib, up.workers_cpu_s, up.launcher_cpu_s,
                       m.lp.launcher_cpu_ms, static_cast<long long>(up.workers_threads),
                       static_cast<long long>(up.launcher_threads));
          if (m.lp.idle_workers_cpu_pct >= 0) {
            std::fprintf(stderr,
                         "      idle for %.1f s with all nodes up: workers used %.1f%% of a "
                         "core, the launcher %.1f%%\n",
                         absl::GetFlag(FLAGS_idle_secs), m.lp.idle_workers_cpu_pct,
                         m.lp.idle_launcher_cpu_pct);
          }
        }
        if (!trace_dir.empty() && !machine) {
          const TracePhases phases = ReadTrace(trace_dir, m.lp.launch_index, n,
                                               m.lp.t0_realtime_ns, m.lp.stop_realtime_ns);
          std::fprintf(stderr,
                       "      trace (ms after Launch; median / max over nodes): worker main() "
                       "%.1f / %.1f; node constructed (registered) %.1f / %.1f; ping answered "
                       "%.1f / %.1f\n"
                       "      trace (CPU of one worker, all threads, ms; median / max): when "
                       "its node was constructed %.2f / %.2f; when it answered its first "
                       "ping %.2f / %.2f\n"
                       "      trace (ms after Stop; median / max): the node's stop handler "
                       "ran %.1f / %.1f; server shut down and node object destroyed %.1f / "
                       "%.1f; all reaped %.1f\n",
                       Median(phases.main_entry_ms), Percentile(phases.main_entry_ms, 1.0),
                       Median(phases.ctor_ms), Percentile(phases.ctor_ms, 1.0),
                       Median(m.lp.ready_ms), Percentile(m.lp.ready_ms, 1.0),
                       Median(phases.ctor_cpu_ms), Percentile(phases.ctor_cpu_ms, 1.0),
                       Median(phases.ping_cpu_ms), Percentile(phases.ping_cpu_ms, 1.0),
                       Median(phases.stop_seen_after_stop_ms),
                       Percentile(phases.stop_seen_after_stop_ms, 1.0),
                       Median(phases.dtor_after_stop_ms),
                       Percentile(phases.dtor_after_stop_ms, 1.0), m.lp.stop_ms);
        }
        all.push_back(m);
      }
    }
  }
  if (IsWorker()) return 0;  // never reached by a worker that ran its node
  if (machine) return 0;

  std::printf("\n%6s %12s %12s %7s %12s | %12s %12s %9s | %10s %12s %12s\n", "N",
              "lp launch", "base launch", "ratio", "fat launch", "lp stop", "lp stop+wt",
              "base stop", "fat stop", "lp spawn", "lp 1st ready");
  std::printf("%6s %12s %12s %7s %12s | %12s %12s %9s | %10s %12s %12s\n", "", "(ms)", "(ms)",
              "lp/base", "(ms)", "(ms)", "(ms)", "(ms)", "(ms)", "(ms)", "(ms)");
  bool launch_target = true, stop_target = true, any_100 = false, all_ok = true;
  for (int n : sizes) {
    std::vector<double> lp_launch, base_launch, fat_launch, lp_stop, lp_stop_wait, base_stop,
        fat_stop, spawn, first;
    for (const Measurement& m : all) {
      if (m.n != n) continue;
      all_ok = all_ok && m.lp.ok && m.lp_exec.ok;
      lp_launch.push_back(m.lp.launch_ms);
      base_launch.push_back(m.base.launch_ms);
      fat_launch.push_back(m.fat.launch_ms);
      lp_stop.push_back(m.lp.stop_ms);
      lp_stop_wait.push_back(m.lp.stop_wait_ms);
      base_stop.push_back(m.base.stop_ms);
      fat_stop.push_back(m.fat.stop_ms);
      spawn.push_back(m.lp.spawn_ms);
      first.push_back(m.lp.first_ready_ms);
    }
    const double ratio = Median(lp_launch) / std::max(Median(base_launch), 1e-9);
    std::printf("%6d %12.1f %12.1f %7.2f %12.1f | %12.1f %12.1f %9.1f | %10.1f %12.1f %12.1f\n",
                n, Median(lp_launch), Median(base_launch), ratio, Median(fat_launch),
                Median(lp_stop), Median(lp_stop_wait), Median(base_stop), Median(fat_stop),
                Median(spawn), Median(first));
    if (n == 100) {
      any_100 = true;
      launch_target = ratio <= 3.0;
      stop_target = Median(lp_stop) <= 200.0;
    }
  }
  std::printf("\ncolumns: lp launch = Launch -> every node answered a Ping; base = fork/exec of "
              "a tiny bind-port-0 child until all ports read; fat = the same with this lp "
              "binary as the child (exec + loading + static init, no lp); lp stop = "
              "Stop() -> every worker reaped; +wt = until Wait() returned; lp spawn = until "
              "Launch() returned; lp 1st ready = first Ping answered. Medians of %d.\n",
              reps);

  if (absl::GetFlag(FLAGS_compare_exec)) {
    std::printf("\n%6s %12s %12s %9s %9s | %12s %12s | %12s %12s\n", "N", "fork launch",
                "exec launch", "fork/base", "exec/base", "fork stop", "exec stop",
                "fork l+s+wt", "exec l+s+wt");
    for (int n : sizes) {
      const auto median = [&](double (*field)(const Measurement&)) {
        return MedianOf(all, n, field);
      };
      const double fork = median([](const Measurement& m) { return m.lp.launch_ms; });
      const double exec = median([](const Measurement& m) { return m.lp_exec.launch_ms; });
      const double base =
          std::max(median([](const Measurement& m) { return m.base.launch_ms; }), 1e-9);
      std::printf(
          "%6d %12.1f %12.1f %9.2f %9.2f | %12.1f %12.1f | %12.1f %12.1f\n", n, fork, exec,
          fork / base, exec / base, median([](const Measurement& m) { return m.lp.stop_ms; }),
          median([](const Measurement& m) { return m.lp_exec.stop_ms; }),
          median([](const Measurement& m) { return m.lp.launch_ms + m.lp.stop_wait_ms; }),
          median([](const Measurement& m) {
            return m.lp_exec.launch_ms + m.lp_exec.stop_wait_ms;
          }));
    }
    std::printf("\ncolumns: fork = the default launch (workers forked by a fork server); exec = "
                "the same program launched with LaunchOptions::fork_server = false in the same "
                "run (alternating); base = the fork/exec baseline above. Medians of %d (ms).\n",
                reps);
  }

  if (absl::GetFlag(FLAGS_grpc_baseline)) {
    std::printf("\n%6s %10s %10s %10s %8s %8s %10s %10s | %9s %9s %9s\n", "N", "lp launch",
                "grpc exec", "grpc fork", "lp/exec", "lp/fork", "exec/base", "fork/base",
                "lp stop", "exec stop", "fork stop");
    for (int n : sizes) {
      const auto median = [&](double (*field)(const Measurement&)) {
        return std::max(MedianOf(all, n, field), 1e-9);
      };
      const double lp = median([](const Measurement& m) { return m.lp.launch_ms; });
      const double exec = median([](const Measurement& m) { return m.grpc.launch_ms; });
      const double fork = median([](const Measurement& m) { return m.grpc_forked.launch_ms; });
      const double base = median([](const Measurement& m) { return m.base.launch_ms; });
      std::printf("%6d %10.1f %10.1f %10.1f %8.2f %8.2f %10.2f %10.2f | %9.1f %9.1f %9.1f\n", n,
                  lp, exec, fork, lp / exec, lp / fork, exec / base, fork / base,
                  median([](const Measurement& m) { return m.lp.stop_ms; }),
                  median([](const Measurement& m) { return m.grpc.stop_ms; }),
                  median([](const Measurement& m) { return m.grpc_forked.stop_ms; }));
    }
    std::printf("\ncolumns: grpc = N raw gRPC servers (bench_launch_grpc_child) until each "
                "answered one call from this process, then SIGTERM and reap; exec = each one "
                "spawned; fork = forked by one spawned template before any gRPC thread exists "
                "(as lp's fork server does); lp = the default launch above; base = the "
                "fork/exec baseline. Medians of %d (ms).\n",
                reps);
  }

  // Memory with every node up, and the whole launch + call + stop (issue 13, item 5).
  std::printf("\n%6s %12s %12s %12s %12s %12s %12s %12s %12s %12s\n", "N", "launch+stop",
              "workers", "PSS workers", "PSS/node", "PSS launcher", "CPU workers", "CPU launcher",
              "cores busy", "threads");
  std::printf("%6s %12s %12s %12s %12s %12s %12s %12s %12s %12s\n", "", "(ms)", "(processes)",
              "(MiB)", "(MiB)", "(MiB)", "(s)", "(s)", "(launch)", "(per node)");
  std::vector<std::string> totals;
  for (int n : sizes) {
    std::vector<double> total, processes, pss, launcher_pss, cpu, launcher_cpu, busy, threads;
    for (const Measurement& m : all) {
      if (m.n != n) continue;
      total.push_back(m.lp.launch_ms + m.lp.stop_wait_ms);
      processes.push_back(m.lp.up.processes);
      pss.push_back(m.lp.up.workers_pss_mib);
      launcher_pss.push_back(m.lp.up.launcher_pss_mib);
      cpu.push_back(m.lp.up.workers_cpu_s);
      launcher_cpu.push_back(m.lp.launcher_cpu_ms / 1000);
      // Cores kept busy on average from Launch until every node answered: near the
      // machine's count, the launch is bound by CPU, and its time by what it computes.
      busy.push_back((m.lp.up.workers_cpu_s * 1000 + m.lp.launcher_cpu_ms) / m.lp.launch_ms);
      threads.push_back(static_cast<double>(m.lp.up.workers_threads) / n);
    }
    std::printf("%6d %12.1f %12.0f %12.1f %12.2f %12.1f %12.3f %12.3f %12.2f %12.1f\n", n,
                Median(total), Median(processes), Median(pss), Median(pss) / n,
                Median(launcher_pss), Median(cpu), Median(launcher_cpu), Median(busy),
                Median(threads));
    std::string line = absl::StrFormat("N=%d: launch + call + stop (all reaped, Wait() returned) "
                                       "= %.1f s",
                                       n, Median(total) / 1000);
    if (n >= 1000) {
      absl::StrAppend(&line, "; target <= 15 s: ", Median(total) <= 15000.0 ? "met" : "NOT met");
    }
    totals.push_back(std::move(line));
  }
  std::printf("\ncolumns: launch+stop = lp launch + lp stop+wt; workers = processes below the "
              "launcher; PSS = sum of Pss in /proc/<pid>/smaps_rollup, sampled with every node "
              "up (after every Ping, before Stop); CPU workers = CPU time of the workers "
              "(the fork server included) until then (their process clocks); CPU launcher = "
              "this process's CPU time from Launch until every node answered (its Pings "
              "included); cores busy = both CPU times over the lp launch's time; threads = "
              "per worker. Medians of %d.\n",
              reps);
  for (const std::string& line : totals) std::printf("%s\n", line.c_str());
  double load[3] = {0, 0, 0};
  getloadavg(load, 3);
  std::printf("load average at the end: %.2f %.2f %.2f (at the start: see 'where')\n", load[0],
              load[1], load[2]);
  if (any_100) {
    std::printf("target launch <= 3x baseline at N=100: %s\n", launch_target ? "MET" : "MISSED");
    std::printf("target stop of 100 idle nodes <= 200 ms: %s\n", stop_target ? "MET" : "MISSED");
  } else {
    std::printf("targets are stated for N=100, which was not measured\n");
  }
  if (!all_ok) std::printf("WARNING: some lp runs failed (see stderr)\n");
  return all_ok ? 0 : 1;
}
