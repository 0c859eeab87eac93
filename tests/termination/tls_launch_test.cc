// Mutual TLS for a whole launch (--lp_tls_*), in the shape RL programs have (rl_child.cc:
// actors calling a learner or a replay node in a loop), under local_mt and local_mp: the
// coordinator and every Courier connection use it, so a launch whose nodes could not
// reach each other or the coordinator would not end as it should. A wrong TLS file is a
// launch error that names it, before any node runs. (Who gets through a TLS port and what
// crosses the wire: rpc_tls_test; across hosts: slurm_cluster_test.)

#include <signal.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "src/courier/rpc/transport_security.h"
#include "tests/courier/rpc_test_util.h"
#include "tests/launch/launch_test_util.h"
#include "tests/support/child_process.h"
#include "tests/support/listening_ports.h"
#include "tests/support/outside_client.h"
#include "tests/support/test_certificates.h"

namespace lp {
namespace {

using ::lp::testing::BuildDir;
using ::lp::testing::ChildProcess;
using ::lp::testing::ExitCodeOf;
using ::lp::testing::kGenerous;
using ::testing::HasSubstr;
using ::testing::Not;

class TlsLaunchTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() /
            ("lp_tls_launch_test_" + std::to_string(getpid())))
               .string();
    absl::StatusOr<TlsOptions> tls = testing::MakeTestCertificates(dir_);
    ASSERT_TRUE(tls.ok()) << tls.status();
    tls_ = *tls;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::vector<std::string> Argv(const std::string& scenario, const TlsOptions& tls) const {
    std::vector<std::string> argv = {BuildDir() + "/tests/termination/rl_child",
                                     "--scenario=" + scenario, "--lp_launch_type=" + GetParam(),
                                     "--lp_termination_notice_secs=600"};
    for (std::string& flag : testing::TlsFlags(tls)) argv.push_back(std::move(flag));
    return argv;
  }

  std::string dir_;
  TlsOptions tls_;
};

TEST_P(TlsLaunchTest, ActorsCallingReplayOverTlsStopCleanly) {
  for (const std::string& server_name : {std::string(), std::string(testing::kTestServerName)}) {
    TlsOptions tls = tls_;
    tls.server_name = server_name;
    ChildProcess child(Argv("stop", tls));
    ASSERT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), 0)
        << "server name '" << server_name << "':\n" << child.output();
    // Only once the actors' inserts, over TLS, reached the count.
    EXPECT_THAT(child.output(), HasSubstr("learner: stopping the program"));
  }
}

TEST_P(TlsLaunchTest, LearnerFailingOverTlsIsNamedAndNoActorIs) {
  ChildProcess child(Argv("throw", tls_));
  ASSERT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), 1) << child.output();
  EXPECT_THAT(child.output(), HasSubstr("node learner/0 failed: learner diverged at step"));
  EXPECT_THAT(child.output(), Not(HasSubstr("node actor/")));
}

TEST_P(TlsLaunchTest, AWrongTlsFileIsALaunchErrorNamingIt) {
  TlsOptions no_key = tls_;
  no_key.private_key_file.clear();
  ChildProcess missing(Argv("stop", no_key));
  EXPECT_EQ(ExitCodeOf(missing.WaitForExit(kGenerous)), 2) << missing.output();
  EXPECT_THAT(missing.output(), HasSubstr("--lp_tls_key (the TLS private key file) is not given"));
  EXPECT_THAT(missing.output(), Not(HasSubstr("running")));

  TlsOptions wrong_name = tls_;
  wrong_name.server_name = "learner.example.org";
  ChildProcess named(Argv("stop", wrong_name));
  EXPECT_EQ(ExitCodeOf(named.WaitForExit(kGenerous)), 2) << named.output();
  EXPECT_THAT(named.output(), HasSubstr("is not valid for the name 'learner.example.org'"));
}

// Every port of the launch — the nodes' Courier servers and, under local_mp, the
// coordinator in the launcher — speaks only TLS: a plain gRPC client gets no answer from
// any of them (a plain server would answer it: UNIMPLEMENTED, UNAUTHENTICATED), while a
// client with the launch's files and secret gets through.
TEST_P(TlsLaunchTest, EveryPortOfTheLaunchServesOnlyTls) {
  const std::string secret = "tls-launch-test-secret-0123456789";
  std::vector<std::string> argv = {BuildDir() + "/tests/slurm/slurm_child", "--mode=secret",
                                   "--local", "--lp_launch_type=" + GetParam(),
                                   "--lp_termination_notice_secs=600"};
  for (std::string& flag : testing::TlsFlags(tls_)) argv.push_back(std::move(flag));
  ChildProcess child(std::move(argv), {"LP_COURIER_SECRET=" + secret});
  const std::string address = child.WaitForMatch(R"(address waiter/0 (\S+)\n)", kGenerous);
  ASSERT_FALSE(address.empty()) << child.output();
  absl::StatusOr<std::shared_ptr<const rpc::TransportSecurity>> tls =
      rpc::LoadTransportSecurity(tls_);
  ASSERT_TRUE(tls.ok()) << tls.status();
  EXPECT_EQ(testing::CallFromOutside(address, secret, "Echo", "x", kGenerous, *tls)
                .value_or("error"),
            "waiter/0 got x");

  // The launcher's ports: the coordinator's (local_mp) or the nodes' own (local_mt).
  const std::set<int> launcher_ports = testing::ListeningTcpPorts(child.pid());
  ASSERT_FALSE(launcher_ports.empty());
  std::set<std::string> targets = {address};
  for (int port : launcher_ports) targets.insert("127.0.0.1:" + std::to_string(port));
  for (const std::string& target : targets) {
    const grpc::Status plain = testing::RawCall(target, "");
    EXPECT_EQ(plain.error_code(), grpc::StatusCode::UNAVAILABLE)
        << target << ": " << plain.error_message();
  }
  child.Signal(SIGINT);
  EXPECT_EQ(ExitCodeOf(child.WaitForExit(kGenerous)), 0) << child.output();
}

INSTANTIATE_TEST_SUITE_P(LaunchTypes, TlsLaunchTest, ::testing::Values("local_mt", "local_mp"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace lp
