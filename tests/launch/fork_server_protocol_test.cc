#include "src/launch/fork_server_protocol.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace lp::internal {
namespace {

using Env = std::vector<std::pair<std::string, std::string>>;

class ForkServerProtocolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    int ends[2];
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ends), 0);
    launcher_.Reset(ends[0]);
    server_.Reset(ends[1]);
  }
  UniqueFd launcher_, server_;
};

TEST_F(ForkServerProtocolTest, AForkRequestCarriesTheVariablesAndTheOutputDescriptor) {
  int pipe_ends[2];
  ASSERT_EQ(pipe2(pipe_ends, O_CLOEXEC), 0);
  UniqueFd read_end(pipe_ends[0]);
  const Env env = {{"LP_NODE", "actor/3"}, {"EMPTY", ""}, {"WITH_EQUALS", "a=b"}};
  ForkMessage request{.type = ForkMessage::kFork, .text = EncodeEnvironment(env),
                      .fd = UniqueFd(pipe_ends[1])};
  ASSERT_TRUE(SendForkMessage(launcher_.get(), request).ok());
  request.fd.Reset();  // the receiver's copy is the only write end left

  absl::StatusOr<std::optional<ForkMessage>> got = ReceiveForkMessage(server_.get());
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->type, ForkMessage::kFork);
  EXPECT_EQ(DecodeEnvironment((*got)->text), env);
  ASSERT_TRUE((*got)->fd.valid());
  EXPECT_EQ(fcntl((*got)->fd.get(), F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
  ASSERT_EQ(write((*got)->fd.get(), "x", 1), 1);
  (*got)->fd.Reset();
  char buffer[4];
  EXPECT_EQ(read(read_end.get(), buffer, sizeof(buffer)), 1);
  EXPECT_EQ(read(read_end.get(), buffer, sizeof(buffer)), 0);  // no other copy is open
}

// Writes a byte through `sent` and reads it from `read_end`; then, with `sent` closed, sees
// that no other copy of the write end is left open.
void ExpectTheOnlyWriteEnd(UniqueFd& sent, const UniqueFd& read_end) {
  EXPECT_EQ(fcntl(sent.get(), F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
  ASSERT_EQ(write(sent.get(), "x", 1), 1);
  sent.Reset();
  char buffer[4];
  EXPECT_EQ(read(read_end.get(), buffer, sizeof(buffer)), 1);
  EXPECT_EQ(read(read_end.get(), buffer, sizeof(buffer)), 0);
}

// A pipe's ends: the write end to send, the read end to check it by.
std::pair<UniqueFd, UniqueFd> Pipe() {
  int ends[2];
  EXPECT_EQ(pipe2(ends, O_CLOEXEC), 0);
  return {UniqueFd(ends[1]), UniqueFd(ends[0])};
}

TEST_F(ForkServerProtocolTest, TheCoordinatorConnectionArrivesInItsOwnField) {
  auto [output, output_read] = Pipe();
  auto [coordinator, coordinator_read] = Pipe();
  ASSERT_TRUE(SendForkMessage(launcher_.get(), {.type = ForkMessage::kFork,
                                                .fd = std::move(output),
                                                .coordinator = std::move(coordinator)})
                  .ok());
  // Only the coordinator's, with no output descriptor before it.
  auto [alone, alone_read] = Pipe();
  ASSERT_TRUE(SendForkMessage(launcher_.get(),
                              {.type = ForkMessage::kFork, .coordinator = std::move(alone)})
                  .ok());

  absl::StatusOr<std::optional<ForkMessage>> both = ReceiveForkMessage(server_.get());
  ASSERT_TRUE(both.ok() && both->has_value()) << both.status();
  ASSERT_TRUE((*both)->fd.valid());
  ASSERT_TRUE((*both)->coordinator.valid());
  ExpectTheOnlyWriteEnd((*both)->fd, output_read);
  ExpectTheOnlyWriteEnd((*both)->coordinator, coordinator_read);

  absl::StatusOr<std::optional<ForkMessage>> one = ReceiveForkMessage(server_.get());
  ASSERT_TRUE(one.ok() && one->has_value()) << one.status();
  EXPECT_FALSE((*one)->fd.valid());
  ASSERT_TRUE((*one)->coordinator.valid());
  ExpectTheOnlyWriteEnd((*one)->coordinator, alone_read);
}

TEST_F(ForkServerProtocolTest, MessagesKeepTheirBoundariesAndOrder) {
  ASSERT_TRUE(SendForkMessage(server_.get(), {.type = ForkMessage::kForked, .pid = 41}).ok());
  ASSERT_TRUE(SendForkMessage(server_.get(),
                              {.type = ForkMessage::kExited, .pid = 41, .value = 7 << 8})
                  .ok());
  absl::StatusOr<std::optional<ForkMessage>> first = ReceiveForkMessage(launcher_.get());
  absl::StatusOr<std::optional<ForkMessage>> second = ReceiveForkMessage(launcher_.get());
  ASSERT_TRUE(first.ok() && first->has_value() && second.ok() && second->has_value());
  EXPECT_EQ((*first)->type, ForkMessage::kForked);
  EXPECT_EQ((*first)->pid, 41);
  EXPECT_EQ((*second)->type, ForkMessage::kExited);
  EXPECT_EQ((*second)->value, 7 << 8);
  EXPECT_FALSE((*second)->fd.valid());
}

TEST_F(ForkServerProtocolTest, TheEndOfTheConnectionIsNoMessage) {
  server_.Reset();
  absl::StatusOr<std::optional<ForkMessage>> got = ReceiveForkMessage(launcher_.get());
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_FALSE(got->has_value());
}

TEST_F(ForkServerProtocolTest, ATooLongMessageIsRefusedBeforeSending) {
  const std::string huge(kMaxForkMessageBytes + 1, 'x');
  EXPECT_FALSE(SendForkMessage(launcher_.get(), {.type = ForkMessage::kFork, .text = huge}).ok());
}

}  // namespace
}  // namespace lp::internal
