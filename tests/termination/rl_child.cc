// The shape of an RL program, for the termination tests (termination_test.cc, and the
// Slurm cluster tests): actors calling a learner or a replay node over Courier in a loop,
// with no try/catch, stopped or failed in each way a program ends. Runs under whatever
// --lp_launch_type says; --lp_* flags work as in any program.
//
//   --scenario=throw         learner/0 (a CourierNode with Run()) serves Step() and throws
//                            "learner diverged at step N" once actors made --steps calls
//   --scenario=learner_ends
//                            learner/0 serves Step() and returns from Run() once actors
//                            made --steps calls, while the program goes on: the actors'
//                            calls must fail fast, not wait for a server that is gone
//   --scenario=stop          replay/0 serves Insert(); learner/0 calls Size() until
//                            --steps items arrived, then lp::Stop()
//   --scenario=call_after_stop
//                            learner/0 serves Step(); caller/0 calls it once, calls
//                            lp::Stop(), waits 300 ms, then calls learner/0 again and a
//                            server it never called (other/0); prints how each ended and
//                            how long it took, and lets the last error escape
//   --scenario=kill_server   learner/0 (no Run()) serves Step() and prints its pid;
//                            the test kills it
//   --scenario=blocked_callback
//                            each actor keeps 4 calls of Step() in flight, chained with
//                            Future::OnReady; actor/0's 50th callback, against OnReady's
//                            rule, says so ("actor/0: a callback blocks", and a call of
//                            Step(-1)) and waits for the stop ("actor/0: the blocked
//                            callback saw the stop"); learner/0 calls lp::Stop() once
//                            actors made --steps calls and actor/0's callback blocks
//
// Every scenario has --actors actor nodes (group "actor") calling in a loop; each prints
// "actor/i running" once its first call returned. --marker is ignored: it lets a test
// find the program's processes. Under slurm, --actor_hosts spreads the actors over that
// many machines.

#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <iostream>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "lp/flags.h"
#include "lp/lp.h"

ABSL_FLAG(std::string, scenario, "stop", "see the file comment");
ABSL_FLAG(int, actors, 4, "how many actor nodes");
ABSL_FLAG(int, steps, 200, "throw: calls served before the learner throws; stop: items "
                           "inserted before the learner stops the program");
ABSL_FLAG(std::string, marker, "", "ignored: lets a test find this program's processes");
ABSL_FLAG(int, actor_hosts, 0, "slurm: spread the actors over this many machines");

namespace {

void Say(const std::string& line) { std::cout << line + "\n" << std::flush; }

std::string Me() { return lp::CurrentNode()->node.ToString(); }

// throw, learner_ends, call_after_stop, kill_server, blocked_callback: what actors call.
class Learner {
 public:
  // How Run() ends, after `end_after` calls.
  enum class End { kThrow, kReturn, kStop };
  explicit Learner(int end_after, End end = End::kThrow) : end_after_(end_after), end_(end) {}

  // actor -1: blocked_callback's actor/0 says its callback blocks.
  int Step(int actor) {
    if (actor < 0) {
      blocked_said_ = true;
    } else {
      ++steps_;
    }
    return actor;
  }

  int Pid() { return static_cast<int>(getpid()); }

  // throw, learner_ends, blocked_callback: ends while the actors are mid-call.
  void Run() {
    while (steps_.load() < end_after_ || (end_ == End::kStop && !blocked_said_.load())) {
      if (lp::WaitForStop(absl::Milliseconds(1))) return;
    }
    if (end_ == End::kReturn) {
      Say("learner: returning");
      return;
    }
    if (end_ == End::kStop) {
      Say("learner: stopping the program");
      lp::Stop();
      return;
    }
    Say("learner: throwing");
    throw std::runtime_error(absl::StrCat("learner diverged at step ", steps_.load()));
  }

 private:
  const int end_after_;
  const End end_;
  std::atomic<int> steps_{0};
  std::atomic<bool> blocked_said_{false};
};
LP_COURIER_METHODS(Learner, Step, Pid);

// stop: what actors insert into.
class Replay {
 public:
  void Insert(std::vector<float> item) { size_ += static_cast<int>(item.size() > 0); }
  int Size() { return size_.load(); }

 private:
  std::atomic<int> size_{0};
};
LP_COURIER_METHODS(Replay, Insert, Size);

// A caller that stops the program once the replay holds enough items.
class StoppingLearner {
 public:
  StoppingLearner(lp::CourierClient<Replay> replay, int steps)
      : replay_(std::move(replay)), steps_(steps) {}
  void Run() {
    while (replay_.Call(&Replay::Size) < steps_) absl::SleepFor(absl::Milliseconds(1));
    Say("learner: stopping the program");
    lp::Stop();
  }

 private:
  lp::CourierClient<Replay> replay_;
  const int steps_;
};

// Calls `call` in a loop, forever: only an exception ends an actor.
template <typename Call>
void ActForever(const Call& call) {
  call();
  Say(Me() + " running");
  for (;;) call();
}

void LearnerActor(lp::CourierClient<Learner> learner) {
  const int me = lp::CurrentNode()->node.index;
  ActForever([&] { learner.Call(&Learner::Step, me); });
}

void ReplayActor(lp::CourierClient<Replay> replay) {
  const std::vector<float> item(64, 1.0f);
  ActForever([&] { replay.Call(&Replay::Insert, item); });
}

// blocked_callback: chains of calls, each started by the callback of the one before, until
// a call fails (the program stopped) or the stop is requested; actor/0's 50th result
// blocks its callback until the stop. Returns once every chain has ended.
class ChainingActor {
 public:
  static constexpr int kChains = 4;

  explicit ChainingActor(lp::CourierClient<Learner> learner)
      : chains_(std::make_shared<Chains>(std::move(learner), lp::StopToken(),
                                         lp::CurrentNode()->node)) {}

  void Run() {
    {
      std::lock_guard<std::mutex> lock(chains_->mu);
      chains_->running = kChains;
    }
    for (int i = 0; i < kChains; ++i) Next(chains_);
    std::unique_lock<std::mutex> lock(chains_->mu);
    chains_->changed.wait(lock, [this] { return chains_->running == 0; });
  }

 private:
  struct Chains {
    // The node's own: a callback runs on a thread that is not the node's.
    Chains(lp::CourierClient<Learner> learner, std::stop_token stop, const lp::NodeId& node)
        : learner(std::move(learner)), stop(std::move(stop)), me(node.ToString()),
          index(node.index) {}
    const lp::CourierClient<Learner> learner;
    const std::stop_token stop;
    const std::string me;
    const int index;
    std::mutex mu;
    std::condition_variable_any changed;
    int running = 0;   // guarded by mu
    int results = 0;   // guarded by mu
  };

  static void Next(std::shared_ptr<Chains> chains) {
    auto on_result = [chains](absl::StatusOr<int> result) {
      std::unique_lock<std::mutex> lock(chains->mu);
      const int results = ++chains->results;
      if (results == 1) Say(chains->me + " running");
      if (result.ok() && chains->index == 0 && results == 50) {
        Say("actor/0: a callback blocks");
        // Tells the learner, which stops the program only then; the call is sent while
        // this callback holds the process's reply queue.
        chains->learner.Async(&Learner::Step, -1).OnReady([](absl::StatusOr<int>) {});
        chains->changed.wait(lock, chains->stop, [] { return false; });
        Say("actor/0: the blocked callback saw the stop");
      }
      if (!result.ok() || chains->stop.stop_requested()) {
        --chains->running;
        chains->changed.notify_all();
        return;
      }
      lock.unlock();
      Next(chains);
    };
    chains->learner.Async(&Learner::Step, chains->index).OnReady(std::move(on_result));
  }

  std::shared_ptr<Chains> chains_;
};

// Prints how a call ended: "<label>: ProgramStoppedError after <ms> ms: <what>".
template <typename Call>
void Report(const std::string& label, const Call& call) {
  const absl::Time start = absl::Now();
  try {
    call();
    Say(label + ": returned");
  } catch (const lp::ProgramStoppedError& error) {
    Say(absl::StrCat(label, ": ProgramStoppedError after ",
                     absl::ToInt64Milliseconds(absl::Now() - start), " ms: ", error.what()));
    throw;
  } catch (const lp::RpcError& error) {
    Say(absl::StrCat(label, ": RpcError: ", error.what()));
    throw;
  }
}

void CallAfterStop(lp::CourierClient<Learner> learner, lp::CourierClient<Learner> other) {
  learner.Call(&Learner::Step, 0);
  Say("caller: stopping the program");
  lp::Stop();
  absl::SleepFor(absl::Milliseconds(300));
  try {
    Report("call to learner/0", [&] { learner.Call(&Learner::Step, 1); });
  } catch (const lp::ProgramStoppedError&) {
  }
  Report("first call to other/0", [&] { other.Async(&Learner::Step, 2).Get(); });
}

}  // namespace

int main(int argc, char** argv) {
  lp::ParseFlags(argc, argv);
  const std::string scenario = absl::GetFlag(FLAGS_scenario);
  const int actors = absl::GetFlag(FLAGS_actors);
  const int steps = absl::GetFlag(FLAGS_steps);
  lp::Program program("rl_" + scenario);
  lp::LaunchOptions options;
  if (const int hosts = absl::GetFlag(FLAGS_actor_hosts); hosts > 0) {
    options.slurm_resources["actor"] = lp::SlurmConfig{.nodes = hosts};
  }

  if (scenario == "stop") {
    lp::CourierHandle<Replay> replay = program.AddNode(lp::CourierNode<Replay>(), "replay");
    program.AddNode(lp::ClassNode<StoppingLearner>(replay, steps), "learner");
    auto group = program.Group("actor");
    for (int i = 0; i < actors; ++i) program.AddNode(lp::FunctionNode(ReplayActor, replay));
    return lp::LaunchAndWait(std::move(program), options);
  }

  const bool learner_runs =
      scenario == "throw" || scenario == "learner_ends" || scenario == "blocked_callback";
  const Learner::End end = scenario == "learner_ends"       ? Learner::End::kReturn
                           : scenario == "blocked_callback" ? Learner::End::kStop
                                                            : Learner::End::kThrow;
  lp::CourierNode<Learner> learner_node(learner_runs ? steps : 0, end);
  if (!learner_runs) learner_node.DisableRun();
  lp::CourierHandle<Learner> learner = program.AddNode(learner_node, "learner");
  if (scenario == "call_after_stop") {
    lp::CourierNode<Learner> other_node(0);
    other_node.DisableRun();
    lp::CourierHandle<Learner> other = program.AddNode(other_node, "other");
    program.AddNode(lp::FunctionNode(CallAfterStop, learner, other), "caller");
  }
  if (scenario == "kill_server") {
    program.AddNode(lp::FunctionNode([](lp::CourierClient<Learner> learner) {
                      Say(absl::StrCat("learner pid ", learner.Call(&Learner::Pid)));
                    }, learner),
                    "pid_reporter");
  }
  auto group = program.Group("actor");
  for (int i = 0; i < actors; ++i) {
    if (scenario == "blocked_callback") {
      program.AddNode(lp::ClassNode<ChainingActor>(learner));
    } else {
      program.AddNode(lp::FunctionNode(LearnerActor, learner));
    }
  }
  return lp::LaunchAndWait(std::move(program), options);
}
