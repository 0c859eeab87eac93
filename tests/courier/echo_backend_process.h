// EchoBackendProcess: echo_backend (a CourierServer serving "Echo") in a process of its
// own, and a channel to it, for tests that need a server in another process.
#ifndef LP_TESTS_COURIER_ECHO_BACKEND_PROCESS_H_
#define LP_TESTS_COURIER_ECHO_BACKEND_PROCESS_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "lp/courier_channel.h"
#include "tests/courier/rpc_test_util.h"
#include "tests/support/child_process.h"

namespace lp::testing {

// The process is killed when this goes, and dies with the test. Not shared between
// threads.
class EchoBackendProcess {
 public:
  // `env`: extra environment entries of the backend, "KEY=value".
  explicit EchoBackendProcess(std::vector<std::string> env = {})
      : process_(std::vector<std::string>{BuildDir() + "/tests/courier/echo_backend"},
                 std::move(env)) {
    address_ = process_.WaitForMatch("echo_backend listening on (\\S+:\\d+)\n", kLong);
    if (!address_.empty()) port_ = std::stoi(address_.substr(address_.rfind(':') + 1));
    if (!address_.empty()) channel_ = CourierChannel::Create(address_);
  }

  // Null if the backend did not start serving; its output says why.
  std::shared_ptr<CourierChannel>& channel() { return channel_; }
  const std::string& address() const { return address_; }
  int port() const { return port_; }  // 0 if the backend did not start serving
  const std::string& output() const { return process_.output(); }

 private:
  ChildProcess process_;
  std::string address_;
  int port_ = 0;
  std::shared_ptr<CourierChannel> channel_;
};

}  // namespace lp::testing

#endif  // LP_TESTS_COURIER_ECHO_BACKEND_PROCESS_H_
