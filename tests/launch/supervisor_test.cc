// Supervisor: what every launch type shares, checked with a backend whose units are
// plain threads that the test ends (or leaves running) at will. The real backends are
// exercised by the launch tests of each launch type; these tests pin the rules they share.

#include "src/launch/supervisor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "lp/internal/deadline_wait.h"
#include "src/core/stop_state.h"

namespace lp::internal {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Kind = NodeOutcome::Kind;

constexpr absl::Duration kGenerous = absl::Seconds(60);

// Units "g/0", "g/1", ... each running node g/i on a thread. A unit ends when the test
// releases it, when it is killed, or (if it obeys the stop) when the program stops.
class FakeBackend : public SupervisorBackend {
 public:
  struct Options {
    int units = 2;
    bool obey_stop = true;          // a unit ends when the program stops
    absl::Status start_error;       // Start() fails with this after starting the units
  };
  explicit FakeBackend(Options options) : options_(options) {}

  absl::Status Start(Supervisor& supervisor) override {
    supervisor_ = &supervisor;
    for (int i = 0; i < options_.units; ++i) {
      const NodeId node{"g", i};
      supervisor.UnitStarted(node.ToString(), {node});
      threads_.emplace_back([this, node] { RunUnit(node); });
    }
    return options_.start_error;
  }

  void Kill(const std::set<std::string>& units) override {
    std::lock_guard lock(mu_);
    killed_ = units;
    for (const std::string& unit : units) released_.insert(unit);
    changed_.notify_all();
  }

  void Join() override {
    for (std::thread& thread : threads_) thread.join();
  }

  std::string DescribeFailure(const NodeId& node, const std::string& cause) override {
    return "node " + node.ToString() + " failed: " + cause + " (described by the backend)";
  }

  // Ends unit `index` after recording `outcome` for its node; returns once it has ended.
  void End(int index, NodeOutcome outcome = {}) {
    const std::string unit = NodeId{"g", index}.ToString();
    std::unique_lock lock(mu_);
    outcomes_[index] = std::move(outcome);
    released_.insert(unit);
    changed_.notify_all();
    ASSERT_TRUE(WaitUntil(changed_, lock, absl::Now() + kGenerous,
                          [&] { return ended_.contains(unit); }));
  }

  std::set<std::string> killed() {
    std::lock_guard lock(mu_);
    return killed_;
  }

 private:
  void RunUnit(const NodeId& node) {
    const std::shared_ptr<StopState> stop = supervisor_->runtime()->stop;
    StopHandlerId handler = 0;
    if (options_.obey_stop) {
      handler = stop->Register([this] {
        std::lock_guard lock(mu_);
        stopped_ = true;
        changed_.notify_all();
      });
    }
    NodeOutcome outcome;
    {
      std::unique_lock lock(mu_);
      changed_.wait(lock, [&] { return stopped_ || released_.contains(node.ToString()); });
      if (auto it = outcomes_.find(node.index); it != outcomes_.end()) outcome = it->second;
    }
    if (handler != 0) stop->Unregister(handler);
    supervisor_->RecordNodeEnd(node, outcome);
    supervisor_->UnitEnded(node.ToString());
    std::lock_guard lock(mu_);
    ended_.insert(node.ToString());
    changed_.notify_all();
  }

  const Options options_;
  Supervisor* supervisor_ = nullptr;
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable changed_;
  // Guarded by mu_:
  bool stopped_ = false;
  std::set<std::string> released_;
  std::set<std::string> ended_;
  std::map<int, NodeOutcome> outcomes_;
  std::set<std::string> killed_;
};

struct Launched {
  FakeBackend* backend;
  std::unique_ptr<Supervisor> supervisor;
};

Launched Launch(FakeBackend::Options backend_options,
                absl::Duration notice = absl::Seconds(30)) {
  auto backend = std::make_unique<FakeBackend>(backend_options);
  FakeBackend* raw = backend.get();
  auto supervisor = std::make_unique<Supervisor>(
      Program("supervised"),
      ResolvedLaunchOptions{.launch_type = LaunchType::kLocalMt,
                            .termination_notice = notice,
                            .handle_signals = false},
      std::move(backend));
  (void)supervisor->Start();
  return {raw, std::move(supervisor)};
}

TEST(SupervisorTest, TheLastUnitToEndStopsTheProgramCleanly) {
  Launched launched = Launch({.units = 2, .obey_stop = false});
  launched.backend->End(0);
  EXPECT_FALSE(launched.supervisor->runtime()->stop->IsStopping());
  launched.backend->End(1);
  EXPECT_TRUE(launched.supervisor->WaitFor(kGenerous));
  EXPECT_TRUE(launched.supervisor->runtime()->stop->IsStopping());  // its handlers ran
  EXPECT_TRUE(launched.supervisor->Wait().ok());
}

TEST(SupervisorTest, ANodeFailureStopsTheProgramAndIsNamedByTheBackend) {
  Launched launched = Launch({.units = 3});
  launched.backend->End(1, {Kind::kFailed, "diverged"});
  const absl::Status outcome = launched.supervisor->Wait();
  EXPECT_TRUE(absl::IsAborted(outcome)) << outcome;
  EXPECT_EQ(outcome.message(), "node g/1 failed: diverged (described by the backend)");
}

TEST(SupervisorTest, CallsThatFailOnceTheProgramStopsAreClean) {
  Launched launched = Launch({.units = 2, .obey_stop = false});
  launched.supervisor->Stop();
  launched.backend->End(0, {Kind::kCallFailed, "CANCELLED"});
  launched.backend->End(1, {Kind::kStopped, "program 'supervised' is stopping"});
  EXPECT_TRUE(launched.supervisor->Wait().ok());
}

TEST(SupervisorTest, UnitsThatOutliveTheNoticeAreKilledAndNamed) {
  Launched launched = Launch({.units = 3, .obey_stop = false}, absl::Milliseconds(100));
  launched.backend->End(0);
  launched.supervisor->Stop();
  const absl::Status outcome = launched.supervisor->Wait();
  EXPECT_THAT(launched.backend->killed(), ElementsAre("g/1", "g/2"));
  EXPECT_TRUE(absl::IsDeadlineExceeded(outcome)) << outcome;
  EXPECT_THAT(outcome.message(), HasSubstr("were killed (nodes g/1, g/2)"));
}

TEST(SupervisorTest, AFailedStartIsTheOutcomeAndStopsWhatStarted) {
  Launched launched =
      Launch({.units = 2, .start_error = absl::UnavailableError("no terminal")});
  EXPECT_EQ(launched.supervisor->Wait(), absl::UnavailableError("no terminal"));
}

TEST(SupervisorTest, ALateLaunchErrorGivesWayToANodeFailure) {
  Launched first = Launch({.units = 2});
  first.supervisor->RecordLateLaunchError(absl::UnavailableError("job refused"));
  first.supervisor->Stop();  // as the backend does after recording it
  EXPECT_EQ(first.supervisor->Wait(), absl::UnavailableError("job refused"));

  Launched second = Launch({.units = 2});
  second.backend->End(0, {Kind::kFailed, "crashed"});
  ASSERT_TRUE(second.supervisor->WaitFor(kGenerous));
  second.supervisor->RecordLateLaunchError(absl::UnavailableError("job refused"));
  EXPECT_THAT(second.supervisor->Wait().message(), HasSubstr("node g/0 failed: crashed"));
}

TEST(SupervisorTest, AnEarlyReportCountsBeforeTheUnitEnds) {
  Launched launched = Launch({.units = 2});
  // A worker's early exit report: its failure is on record before its process ends, and
  // the unit's own end afterwards does not change it.
  launched.supervisor->RecordNodeEnd(NodeId{"g", 1}, {Kind::kFailed, "reported early"});
  const absl::Status outcome = launched.supervisor->Wait();
  EXPECT_EQ(outcome.message(), "node g/1 failed: reported early (described by the backend)");
}

}  // namespace
}  // namespace lp::internal
