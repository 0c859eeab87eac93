// A program that the local_mp tests drive from outside (tests/launch/local_mp_test.cc),
// launched as processes with --lp_launch_type=local_mp. Every node prints
// "pid <group/index> <pid>" once it is ready (its stop handler registered), so a test can
// both wait for the program to be up and find each worker's process.
//
//   --mode=wait            waiter/0, waiter/1 (--waiters of them) wait for the stop; each
//                          stop handler prints "stop handler: <node>", each node "clean
//                          exit: <node>"
//   --mode=stop_from_node  waiters, plus stopper/0, which calls lp::Stop() once the file
//                          --trigger exists
//   --mode=ends            ender/0, ender/1 print "done <node>" and return
//   --mode=throw|exit7|segv
//                          waiters, plus crasher/0, which prints two lines and then throws,
//                          calls exit(7) or dies of SIGSEGV
//   --mode=victim          waiters, plus victim/0, which waits (the test kills it)
//   --mode=lingerer        waiters, plus lingerer/0, which ends cleanly and stops the
//                          program but whose process cannot exit (its buffered output waits
//                          for the FIFO --trigger, which nobody reads)
//   --mode=straggler       waiters, plus straggler/0, which starts `sleep 1000` (prints
//                          "grandchild <pid>") and ignores the stop
//   --mode=family          waiters, plus family/0, which starts three `sleep 1000`: a child
//                          ("child <pid>"), a child in a process group of its own
//                          ("own group <pid>") and an orphan left in the worker's group by
//                          a shell that ended ("orphan <pid>"); then it waits
//   --mode=fingerprint     waiters; a worker (LP_NODE set) adds one more node: the
//                          program it builds differs from the launcher's
//   --mode=config          configured/0, configured/1 with local_resources (a flag, an
//                          environment variable, a wrapper), plain/0 without; each prints
//                          what it got
//   --mode=unknown_group   local_resources for a group the program does not have
//   --mode=missing_wrapper a wrapper that is not installed
//   --mode=sweep           program sweep_a, then program sweep_b, each a CourierNode and a
//                          node calling it
//   --mode=secret          echo/0 (a CourierNode, which requires the launch's secret),
//                          public/0 (one that does not) and caller/0, which calls both
//                          through their handles, prints "caller got <answer> <answer>"
//                          and "addresses <echo's> <public's>", then waits for the stop
//   --mode=callback_threads  learner/0 (a CourierNode) and actor/0, which calls it in a
//                          loop, then once through a future; prints "callback threads:
//                          learner <n> <n>, actor <before the future> then <after>", the
//                          threads of gRPC's callback queue in each process, then "; reply
//                          threads <before> then <after>", lp's (rpc::ClientQueue), and stops
//   --mode=blocked_continuation  learner/0 and blocker/0, whose Future::OnReady callback,
//                          against its rule, waits for the stop: prints "continuation
//                          blocks", then "continuation saw the stop" and "clean exit:
//                          blocker/0" once the program stops
//   --mode=malloc_arenas   allocator/0 holds memory malloc'd on 8 threads at once, prints
//                          "malloc arenas <n> cpus <m>" (its process's arenas, the CPUs it
//                          may run on) and stops
//   --mode=bind_now        binder/0 prints "bind now: server <v> worker <v> marker <v>", the
//                          LD_BIND_NOW its parent (a fork server) was started with, its own
//                          LD_BIND_NOW and LP_FORK_SERVER_BINDS_NOW ("none" when unset),
//                          and stops
//
// With --thread_before_launch (any mode), main() starts a thread before lp::Launch, which a
// fork server cannot fork: the workers are exec'd.
//
// With --block_signals (any mode), main() blocks every signal before lp::Launch, as a
// program that sigwait()s for them would; every thread, and the workers, inherit that.
//
// Without --lp_launch_type the program runs as local_mp.

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <condition_variable>
#include <latch>
#include <memory>
#include <mutex>
#include <stop_token>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "lp/flags.h"
#include "lp/lp.h"
#include "tests/support/malloc_arenas.h"
#include "tests/support/thread_count.h"

extern char** environ;

ABSL_FLAG(std::string, mode, "wait", "see the file comment");
ABSL_FLAG(int, waiters, 2, "how many waiter nodes the modes with waiters have");
ABSL_FLAG(std::string, trigger, "", "stop_from_node: the file whose creation stops the program");
ABSL_FLAG(std::string, role, "unset", "config: set per group through local_resources");
ABSL_FLAG(bool, thread_before_launch, false,
          "start a thread in main() before lp::Launch (it waits for ever): a fork server "
          "cannot fork such a process");
ABSL_FLAG(bool, block_signals, false, "block every signal in main() before lp::Launch");

namespace {

void Say(const std::string& line) { std::cout << line + "\n" << std::flush; }

std::string Me() { return lp::CurrentNode()->node.ToString(); }

void SayPid() { Say(absl::StrCat("pid ", Me(), " ", getpid())); }

void Waiter() {
  const std::string me = Me();
  lp::RegisterStopHandler([me] { Say("stop handler: " + me); });
  SayPid();
  lp::WaitForStop();
  Say("clean exit: " + me);
}

void Stopper(const std::string& trigger) {
  SayPid();
  while (access(trigger.c_str(), F_OK) != 0 && !lp::WaitForStop(absl::Milliseconds(10))) {
  }
  Say("stopper: stopping the program");
  lp::Stop();
}

void Ender() { Say("done " + Me()); }

void Crasher(const std::string& how) {
  SayPid();
  Say("crasher output line 1");
  Say("crasher output line 2");
  if (how == "throw") throw std::runtime_error("the answer was not 42");
  if (how == "exit7") std::exit(7);
  // Default action even under a sanitizer that installed its own handler.
  signal(SIGSEGV, SIG_DFL);
  raise(SIGSEGV);
}

// Ends cleanly (and stops the program) with its output stuck: stdout is a FIFO that
// nobody reads, and 256 KiB wait in stdio's buffer, which the worker flushes on its way
// out, after it reported the clean end. The process then blocks until it is killed.
void Lingerer(const std::string& fifo) {
  SayPid();
  const int fd = open(fifo.c_str(), O_RDWR);  // O_RDWR: opening does not wait for a reader
  if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0) throw std::runtime_error("cannot open " + fifo);
  static char buffer[1 << 20];
  setvbuf(stdout, buffer, _IOFBF, sizeof(buffer));
  const std::string line(1023, 'x');
  for (int i = 0; i < 256; ++i) std::printf("%s\n", line.c_str());
  lp::Stop();
}

void Victim() {
  SayPid();
  lp::WaitForStop();
}

void Straggler() {
  const std::string sleep = "/bin/sleep";
  std::vector<char*> argv = {const_cast<char*>(sleep.c_str()), const_cast<char*>("1000"),
                             nullptr};
  pid_t child = 0;
  if (posix_spawn(&child, sleep.c_str(), nullptr, nullptr, argv.data(), environ) != 0) {
    throw std::runtime_error("cannot start sleep");
  }
  Say(absl::StrCat("grandchild ", child));
  SayPid();
  for (;;) absl::SleepFor(absl::Seconds(1));  // ignores the stop
}

// Starts `argv` with posix_spawn, in a process group of its own if `own_group`.
pid_t SpawnOrThrow(std::vector<std::string> argv, bool own_group) {
  std::vector<char*> pointers;
  for (std::string& arg : argv) pointers.push_back(arg.data());
  pointers.push_back(nullptr);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  if (own_group) {
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attributes, 0);
  }
  pid_t pid = 0;
  const int error =
      posix_spawn(&pid, pointers[0], nullptr, &attributes, pointers.data(), environ);
  posix_spawnattr_destroy(&attributes);
  if (error != 0) throw std::runtime_error("cannot start " + argv[0]);
  return pid;
}

void Family() {
  Say(absl::StrCat("child ", SpawnOrThrow({"/bin/sleep", "1000"}, false)));
  Say(absl::StrCat("own group ", SpawnOrThrow({"/bin/sleep", "1000"}, true)));
  // The shell prints the orphan's pid and ends; the orphan stays in our process group.
  const pid_t shell = SpawnOrThrow(
      {"/bin/sh", "-c", "/bin/sleep 1000 </dev/null >/dev/null 2>&1 & echo \"orphan $!\""},
      false);
  int status = 0;
  waitpid(shell, &status, 0);
  SayPid();
  lp::WaitForStop();
}

void Configured() {
  const char* dataset = std::getenv("LP_TEST_DATASET");
  const char* wrapped = std::getenv("LP_TEST_WRAPPED");
  Say(absl::StrCat(Me(), ": role=", absl::GetFlag(FLAGS_role),
                   " dataset=", dataset != nullptr ? dataset : "(unset)",
                   " wrapped=", wrapped != nullptr ? wrapped : "(unset)"));
}

void AddWaiters(lp::Program& program) {
  auto group = program.Group("waiter");
  for (int i = 0; i < absl::GetFlag(FLAGS_waiters); ++i) program.AddNode(lp::FunctionNode(Waiter));
}

// sweep: a Courier server and a node calling it.
class Echo {
 public:
  explicit Echo(std::string prefix) : prefix_(std::move(prefix)) {}
  std::string Say(const std::string& text) { return prefix_ + ":" + text; }

 private:
  std::string prefix_;
};
LP_COURIER_METHODS(Echo, Say);

class Caller {
 public:
  explicit Caller(lp::CourierClient<Echo> echo) : echo_(std::move(echo)) {}
  void Run() {
    const std::string answer = echo_.Call(&Echo::Say, std::string("hi"));
    ::Say(absl::StrCat("caller of ", lp::CurrentNode()->program_name, " got ", answer));
    lp::Stop();
  }

 private:
  lp::CourierClient<Echo> echo_;
};

lp::Program SweepProgram(const std::string& name, const std::string& prefix) {
  lp::Program program(name);
  auto echo = program.AddNode(lp::CourierNode<Echo>(prefix), "echo");
  program.AddNode(lp::ClassNode<Caller>(echo), "caller");
  return program;
}

// secret: calls both servers as a node of the program, then tells the test where they are.
void CallBoth(lp::CourierClient<Echo> echo, lp::CourierClient<Echo> open) {
  Say(absl::StrCat("caller got ", echo.Call(&Echo::Say, std::string("hi")), " ",
                   open.Call(&Echo::Say, std::string("hi"))));
  Say(absl::StrCat("addresses ", echo.Address(), " ", open.Address()));
  lp::WaitForStop();
}

// callback_threads: how many threads of gRPC's shared callback queue this process runs,
// and how many threads read the replies of its asynchronous calls (rpc::ClientQueue).
int CallbackQueueThreads() {
  return static_cast<int>(lp::testing::ThreadsNamed("nexting_thread").size());
}
int ReplyThreads() { return static_cast<int>(lp::testing::ThreadsNamed("lp_replies").size()); }

class Learner {
 public:
  int CallbackThreads() { return CallbackQueueThreads(); }
};
LP_COURIER_METHODS(Learner, CallbackThreads);

void Actor(lp::CourierClient<Learner> learner) {
  int learner_threads = -1;
  for (int step = 0; step < 20; ++step) learner_threads = learner.Call(&Learner::CallbackThreads);
  const int before = CallbackQueueThreads();
  const int replies_before = ReplyThreads();
  const int through_future = learner.Async(&Learner::CallbackThreads).Get();
  Say(absl::StrCat("callback threads: learner ", learner_threads, " ", through_future,
                   ", actor ", before, " then ", CallbackQueueThreads(), "; reply threads ",
                   replies_before, " then ", ReplyThreads()));
  lp::Stop();
}

// blocked_continuation: a callback that waits on the thread that reads the process's
// replies, and with it the stop watch's stream, which is read there too. The worker must
// still hear the stop.
void Blocker(lp::CourierClient<Learner> learner) {
  const std::string me = Me();
  SayPid();
  struct Shared {
    std::mutex mu;
    std::condition_variable_any changed;
    bool returned = false;  // guarded by mu
  };
  auto shared = std::make_shared<Shared>();
  learner.Async(&Learner::CallbackThreads)
      .OnReady([shared, stop = lp::StopToken()](absl::StatusOr<int>) {
        Say("continuation blocks");
        std::unique_lock<std::mutex> lock(shared->mu);
        shared->changed.wait(lock, stop, [] { return false; });
        Say("continuation saw the stop");
        shared->returned = true;
        shared->changed.notify_all();
      });
  lp::WaitForStop();
  std::unique_lock<std::mutex> lock(shared->mu);
  shared->changed.wait(lock, [&] { return shared->returned; });
  Say("clean exit: " + me);
}

// malloc_arenas: glibc gives a thread that allocates an arena of its own while the limit
// allows, so 8 threads holding memory at once show the limit (an ended thread's arena
// would be reused).
void Allocator() {
  constexpr int kThreads = 8;
  std::latch allocated(kThreads + 1);
  std::latch counted(1);
  std::vector<void*> memory(kThreads);  // freed here, so that no allocation is elided
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      memory[i] = std::malloc(100);
      allocated.count_down();
      counted.wait();
    });
  }
  allocated.arrive_and_wait();
  const int arenas = lp::testing::MallocArenaCount();
  counted.count_down();
  for (std::thread& thread : threads) thread.join();
  for (void* block : memory) std::free(block);
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  sched_getaffinity(0, sizeof(cpus), &cpus);
  Say(absl::StrCat("malloc arenas ", arenas, " cpus ", CPU_COUNT(&cpus)));
  lp::Stop();
}

// bind_now: the variable as the parent process was started with it (its initial
// environment, which unsetenv() in the parent does not change).
std::string ParentStartedWith(const std::string& variable) {
  std::ifstream in(absl::StrCat("/proc/", getppid(), "/environ"));
  const std::string prefix = variable + "=";
  std::string entry;
  while (std::getline(in, entry, '\0')) {
    if (entry.rfind(prefix, 0) == 0) return entry.substr(prefix.size());
  }
  return "none";
}

void Binder() {
  auto own = [](const char* variable) {
    const char* value = std::getenv(variable);
    return std::string(value == nullptr ? "none" : value);
  };
  Say(absl::StrCat("bind now: server ", ParentStartedWith("LD_BIND_NOW"), " worker ",
                   own("LD_BIND_NOW"), " marker ", own("LP_FORK_SERVER_BINDS_NOW")));
  lp::Stop();
}

}  // namespace

int main(int argc, char** argv) {
  lp::ParseFlags(argc, argv);
  if (absl::GetFlag(FLAGS_thread_before_launch)) {
    std::thread([] {
      for (;;) pause();
    }).detach();
  }
  if (absl::GetFlag(FLAGS_block_signals)) {
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, nullptr);
  }
  const std::string mode = absl::GetFlag(FLAGS_mode);
  lp::LaunchOptions options;
  if (absl::GetFlag(FLAGS_lp_launch_type) == lp::LaunchType::kLocalMt) {
    options.launch_type = lp::LaunchType::kLocalMp;
  }

  if (mode == "sweep") {
    for (const auto& [name, prefix] :
         std::vector<std::pair<std::string, std::string>>{{"sweep_a", "A"}, {"sweep_b", "B"}}) {
      lp::Controller controller = lp::Launch(SweepProgram(name, prefix), options);
      const absl::Status outcome = controller.Wait();
      Say(absl::StrCat("sweep: program ", name, " ended: ", outcome.ToString()));
      if (!outcome.ok()) return 1;
    }
    return 0;
  }

  lp::Program program("mp_child");
  if (mode == "wait") {
    AddWaiters(program);
  } else if (mode == "stop_from_node") {
    AddWaiters(program);
    program.AddNode(lp::FunctionNode(Stopper, absl::GetFlag(FLAGS_trigger)), "stopper");
  } else if (mode == "ends") {
    auto group = program.Group("ender");
    program.AddNode(lp::FunctionNode(Ender));
    program.AddNode(lp::FunctionNode(Ender));
  } else if (mode == "throw" || mode == "exit7" || mode == "segv") {
    AddWaiters(program);
    program.AddNode(lp::FunctionNode(Crasher, mode), "crasher");
  } else if (mode == "victim") {
    AddWaiters(program);
    program.AddNode(lp::FunctionNode(Victim), "victim");
  } else if (mode == "lingerer") {
    AddWaiters(program);
    program.AddNode(lp::FunctionNode(Lingerer, absl::GetFlag(FLAGS_trigger)), "lingerer");
  } else if (mode == "straggler") {
    AddWaiters(program);
    program.AddNode(lp::FunctionNode(Straggler), "straggler");
  } else if (mode == "family") {
    AddWaiters(program);
    program.AddNode(lp::FunctionNode(Family), "family");
  } else if (mode == "fingerprint") {
    AddWaiters(program);
    // Not deterministic: a worker builds another program than its launcher.
    if (std::getenv("LP_NODE") != nullptr) program.AddNode(lp::FunctionNode(Ender), "extra");
  } else if (mode == "config") {
    {
      auto group = program.Group("configured");
      program.AddNode(lp::FunctionNode(Configured));
      program.AddNode(lp::FunctionNode(Configured));
    }
    program.AddNode(lp::FunctionNode(Configured), "plain");
    options.local_resources["configured"] =
        lp::ProcessConfig{.args = {{"role", "actor"}},
                          .env = {{"LP_TEST_DATASET", "train"}},
                          .wrapper = {"env", "LP_TEST_WRAPPED=yes"}};
  } else if (mode == "secret") {
    auto echo = program.AddNode(lp::CourierNode<Echo>("S"), "echo");
    lp::CourierNode<Echo> public_node("P");
    public_node.SetServerOptions({.require_secret = false});
    auto open = program.AddNode(public_node, "public");
    program.AddNode(lp::FunctionNode(CallBoth, echo, open), "caller");
  } else if (mode == "callback_threads") {
    auto learner = program.AddNode(lp::CourierNode<Learner>(), "learner");
    program.AddNode(lp::FunctionNode(Actor, learner), "actor");
  } else if (mode == "blocked_continuation") {
    auto learner = program.AddNode(lp::CourierNode<Learner>(), "learner");
    program.AddNode(lp::FunctionNode(Blocker, learner), "blocker");
  } else if (mode == "malloc_arenas") {
    program.AddNode(lp::FunctionNode(Allocator), "allocator");
  } else if (mode == "bind_now") {
    program.AddNode(lp::FunctionNode(Binder), "binder");
  } else if (mode == "unknown_group") {
    AddWaiters(program);
    options.local_resources["learner"] = lp::ProcessConfig{.args = {{"role", "learner"}}};
  } else if (mode == "missing_wrapper") {
    AddWaiters(program);
    options.local_resources["waiter"] =
        lp::ProcessConfig{.wrapper = {"lp-no-such-wrapper", "--fast"}};
  } else {
    std::cerr << "unknown --mode=" << mode << "\n";
    return 64;
  }
  return lp::LaunchAndWait(std::move(program), options);
}
