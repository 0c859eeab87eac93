// The parts of the slurm launch type that need no cluster: the srun command each group
// becomes, how a task finds its node and its launcher, and the errors raised before
// anything is queued. slurm_cluster_test.cc runs the real thing.

#include "src/slurm/srun_command.h"

#include <stdlib.h>

#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lp/flags.h"
#include "lp/lp.h"
#include "src/core/worker_environment.h"

namespace lp::internal {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsSupersetOf;
using ::testing::Not;

// Sets environment variables for one test and restores them after.
class ScopedEnv {
 public:
  ScopedEnv& Set(const std::string& name, const char* value) {
    const char* old = getenv(name.c_str());
    saved_.emplace_back(name, old == nullptr ? std::nullopt : std::optional<std::string>(old));
    if (value == nullptr) {
      unsetenv(name.c_str());
    } else {
      setenv(name.c_str(), value, 1);
    }
    return *this;
  }
  ~ScopedEnv() {
    for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) {
      if (it->second.has_value()) {
        setenv(it->first.c_str(), it->second->c_str(), 1);
      } else {
        unsetenv(it->first.c_str());
      }
    }
  }

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

TEST(SrunArgumentsTest, PlainGroupGetsTheFixedOptionsOnly) {
  EXPECT_THAT(SrunArguments({.job_name = "lp.p.g.1", .ntasks = 3}),
              ElementsAre("srun", "--job-name=lp.p.g.1", "--ntasks=3", "--kill-on-bad-exit=0",
                          "--label"));
}

TEST(SrunArgumentsTest, EveryResourceBecomesItsOption) {
  const SlurmConfig config{.partition = "gpu",
                           .cpus_per_task = 4,
                           .mem = "8G",
                           .gres = "gpu:1",
                           .time = "1:00:00",
                           .nodes = 2,
                           .ntasks_per_node = 3,
                           .constraint = "avx512",
                           .account = "research",
                           .qos = "high",
                           .extra_args = {"--exclusive", "--nodelist=n[1-2]"}};
  const std::vector<std::string> argv =
      SrunArguments({.job_name = "j", .ntasks = 6, .config = &config});
  EXPECT_THAT(argv, IsSupersetOf({"--partition=gpu", "--cpus-per-task=4", "--mem=8G",
                                  "--gres=gpu:1", "--time=1:00:00", "--nodes=2",
                                  "--ntasks-per-node=3", "--constraint=avx512",
                                  "--account=research", "--qos=high", "--exclusive",
                                  "--nodelist=n[1-2]"}));
  EXPECT_THAT(argv, Not(testing::Contains("--exact")));
  // Extra arguments come last, so that they can override ours.
  EXPECT_EQ(argv.back(), "--nodelist=n[1-2]");
}

TEST(SrunArgumentsTest, InsideAnAllocationStepsAskForExactlyTheirShare) {
  const std::vector<std::string> argv = SrunArguments(
      {.job_name = "j", .ntasks = 2, .allocation = SlurmAllocation{"42", 512}});
  EXPECT_THAT(argv, IsSupersetOf({"--exact", "--mem-per-cpu=512M"}));
  // A group that says how much memory it needs keeps its own figure.
  const SlurmConfig config{.mem = "2G"};
  EXPECT_THAT(SrunArguments({.job_name = "j",
                             .ntasks = 2,
                             .config = &config,
                             .allocation = SlurmAllocation{"42", 512}}),
              AllOf(IsSupersetOf({"--exact", "--mem=2G"}),
                    Not(testing::Contains("--mem-per-cpu=512M"))));
}

TEST(CurrentAllocationTest, ReadsTheAllocationFromTheEnvironment) {
  {
    ScopedEnv env;
    env.Set("SLURM_JOB_ID", nullptr);
    EXPECT_FALSE(CurrentAllocation().has_value());
  }
  {
    ScopedEnv env;
    env.Set("SLURM_JOB_ID", "77").Set("SLURM_MEM_PER_CPU", "300").Set("SLURM_MEM_PER_NODE",
                                                                       "9999");
    ASSERT_TRUE(CurrentAllocation().has_value());
    EXPECT_EQ(CurrentAllocation()->job_id, "77");
    EXPECT_EQ(CurrentAllocation()->mem_per_cpu_mib, 300);
  }
  {
    ScopedEnv env;
    env.Set("SLURM_JOB_ID", "77")
        .Set("SLURM_MEM_PER_CPU", nullptr)
        .Set("SLURM_MEM_PER_NODE", "4096")
        .Set("SLURM_CPUS_ON_NODE", "8");
    EXPECT_EQ(CurrentAllocation()->mem_per_cpu_mib, 512);
  }
}

TEST(SlurmJobNameTest, KeepsOnlyCharactersSlurmAndShellsAccept) {
  EXPECT_EQ(SlurmJobName("my program", "actors/gpu", "0badf00d"),
            "lp.my_program.actors_gpu.0badf00d");
}

TEST(ShellCommandTest, QuotesWhatAShellWouldSplitOrExpand) {
  EXPECT_EQ(ShellCommand({{"A", "plain"}, {"B", "two words"}},
                         {"srun", "--x=1", "it's", "$HOME"}),
            "A=plain B='two words' srun --x=1 'it'\\''s' '$HOME'");
}

TEST(SlurmTaskTest, TaskFindsItsNodeFromGroupAndRank) {
  ScopedEnv env;
  env.Set(kNodeEnv, nullptr)
      .Set(kNodeGroupEnv, "actor")
      .Set(kSlurmTaskRankEnv, "5")
      .Set(kLaunchIndexEnv, "0")
      .Set(kLaunchTypeEnv, "slurm")
      .Set(kLaunchIdEnv, "20250601-142233-9f3c01ab")
      .Set(kLaunchStartEnv, "1748787753000001");
  absl::StatusOr<std::optional<WorkerAssignment>> assignment = WorkerAssignmentFromEnvironment();
  ASSERT_TRUE(assignment.ok()) << assignment.status();
  ASSERT_TRUE(assignment->has_value());
  EXPECT_EQ((*assignment)->node, (NodeId{"actor", 5}));
  EXPECT_EQ((*assignment)->launch_type, LaunchType::kSlurm);
  EXPECT_EQ((*assignment)->launch.id, "20250601-142233-9f3c01ab");
  EXPECT_EQ((*assignment)->launch.start, absl::FromUnixMicros(1748787753000001));

  // A colocation's inner process inherits the group but runs the node LP_NODE names.
  env.Set(kNodeEnv, "inner/2");
  EXPECT_EQ((**WorkerAssignmentFromEnvironment()).node, (NodeId{"inner", 2}));

  env.Set(kNodeEnv, nullptr).Set(kSlurmTaskRankEnv, "x");
  EXPECT_THAT(WorkerAssignmentFromEnvironment().status().message(),
              HasSubstr("SLURM_PROCID='x' is not a task rank"));
}

TEST(SlurmTaskTest, TaskFindsTheLauncherAtTheAddressSlurmGives) {
  ScopedEnv env;
  env.Set(kCoordinatorAddressEnv, nullptr)
      .Set(kCoordinatorPortEnv, "4242")
      .Set(kSlurmLaunchHostEnv, "10.1.2.3");
  EXPECT_EQ(*CoordinatorAddressFromEnvironment(), "10.1.2.3:4242");
  // --lp_coordinator_host wins: the launcher then sets the whole address.
  env.Set(kCoordinatorAddressEnv, "login1:4242");
  EXPECT_EQ(*CoordinatorAddressFromEnvironment(), "login1:4242");
  env.Set(kCoordinatorAddressEnv, nullptr).Set(kSlurmLaunchHostEnv, nullptr);
  EXPECT_THAT(CoordinatorAddressFromEnvironment().status().message(),
              HasSubstr("SLURM_LAUNCH_NODE_IPADDR"));
}

Program TwoGroups() {
  Program program("two_groups");
  {
    auto group = program.Group("actor");
    program.AddNode(FunctionNode([] {}));
    program.AddNode(FunctionNode([] {}));
  }
  program.AddNode(FunctionNode([] {}), "learner");
  return program;
}

TEST(SlurmLaunchTest, MissingSlurmCommandsSayWhatToInstall) {
  ScopedEnv env;
  env.Set("PATH", "/nonexistent");
  const absl::Status status =
      Launch(TwoGroups(), {.launch_type = LaunchType::kSlurm, .handle_signals = false}).Wait();
  EXPECT_TRUE(absl::IsFailedPrecondition(status)) << status;
  EXPECT_THAT(status.message(), AllOf(HasSubstr("'srun' is not on PATH"),
                                      HasSubstr("apt-get install slurm-client")));
}

TEST(SlurmLaunchTest, ResourcesForAnUnknownGroupAreRefused) {
  const absl::Status status = Launch(TwoGroups(), {.launch_type = LaunchType::kSlurm,
                                                   .handle_signals = false,
                                                   .slurm_resources = {{"actors", {}}}})
                                  .Wait();
  EXPECT_TRUE(absl::IsInvalidArgument(status)) << status;
  EXPECT_THAT(status.message(), HasSubstr("slurm_resources names group 'actors', but program "
                                          "'two_groups' has no such group; its groups are: "
                                          "actor, learner"));
}

TEST(SlurmLaunchTest, PendingTimeoutThatIsNotADurationIsRefused) {
  absl::FlagSaver restore_flags;
  absl::SetFlag(&FLAGS_lp_slurm_pending_timeout, "soon");
  const absl::Status status =
      Launch(TwoGroups(), {.launch_type = LaunchType::kSlurm, .handle_signals = false}).Wait();
  EXPECT_TRUE(absl::IsInvalidArgument(status)) << status;
  EXPECT_THAT(status.message(), HasSubstr("--lp_slurm_pending_timeout='soon' is not a duration; "
                                          "write it like 30s"));
}

TEST(SlurmLaunchTest, DryRunNeedsNoClusterAndPrintsOneSrunPerGroup) {
  ScopedEnv env;
  env.Set("PATH", "/nonexistent").Set("SLURM_JOB_ID", nullptr);
  ::testing::internal::CaptureStdout();
  const absl::Status status =
      Launch(TwoGroups(), {.launch_type = LaunchType::kSlurm,
                           .handle_signals = false,
                           .slurm_resources = {{"learner", {.gres = "gpu:1"}}},
                           .slurm_dry_run = true})
          .Wait();
  const std::string output = ::testing::internal::GetCapturedStdout();
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_THAT(output, AllOf(HasSubstr("(one job per group)"), HasSubstr("# group actor: 2 nodes"),
                            HasSubstr("LP_NODE_GROUP=actor"), HasSubstr("--ntasks=2"),
                            HasSubstr("# group learner: 1 node\n"), HasSubstr("--gres=gpu:1"),
                            HasSubstr("LP_COORDINATOR_PORT='<port>'")));
}

}  // namespace
}  // namespace lp::internal
