#include "lp/launch.h"

#include <cstdio>
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "lp/flags.h"
#include "src/core/launcher.h"
#include "src/core/local_mt_launcher.h"
#include "src/core/test_hooks.h"

namespace lp {
namespace {

internal::ResolvedLaunchOptions Resolve(const LaunchOptions& options) {
  internal::ResolvedLaunchOptions resolved;
  resolved.launch_type = options.launch_type.value_or(absl::GetFlag(FLAGS_lp_launch_type));
  if (options.termination_notice.has_value()) {
    resolved.termination_notice = *options.termination_notice;
  } else {
    const double seconds = absl::GetFlag(FLAGS_lp_termination_notice_secs);
    resolved.termination_notice = absl::Seconds(seconds);
  }
  if (resolved.termination_notice < absl::ZeroDuration()) {
    resolved.termination_notice = absl::InfiniteDuration();
  }
  resolved.handle_signals =
      options.handle_signals.value_or(!IsTestLaunchType(resolved.launch_type));
  return resolved;
}

absl::Status Validate(const Program& program, const internal::ResolvedLaunchOptions& options) {
  if (program.NumNodes() == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "program '", program.name(), "' has no nodes; add nodes with AddNode before launching"));
  }
  switch (options.launch_type) {
    case LaunchType::kLocalMt:
      return absl::OkStatus();
    case LaunchType::kTestMt:
      if (!internal::HasTestFailureReporter()) {
        return absl::FailedPreconditionError(
            "launch type test_mt runs inside a GoogleTest test: link the test binary with "
            "lp_gtest_main (it reports node failures to the running test)");
      }
      return absl::OkStatus();
    default:
      return absl::UnimplementedError(absl::StrCat(
          "launch type ", std::string(LaunchTypeName(options.launch_type)),
          " is not available in this build yet; available launch types: local_mt, test_mt"));
  }
}

}  // namespace

Controller::Controller(std::unique_ptr<internal::Launcher> launcher)
    : launcher_(std::move(launcher)) {}
Controller::Controller(Controller&&) noexcept = default;
Controller& Controller::operator=(Controller&&) noexcept = default;
Controller::~Controller() = default;

absl::Status Controller::Wait() { return launcher_->Wait(); }
bool Controller::WaitFor(absl::Duration timeout) { return launcher_->WaitFor(timeout); }
void Controller::Stop() { launcher_->Stop(); }

Controller Launch(Program program, LaunchOptions options) {
  const internal::ResolvedLaunchOptions resolved = Resolve(options);
  if (absl::Status valid = Validate(program, resolved); !valid.ok()) {
    return Controller(std::make_unique<internal::FailedLaunch>(std::move(valid)));
  }
  auto launcher = std::make_unique<internal::LocalMtLauncher>(std::move(program), resolved);
  launcher->Start();
  return Controller(std::move(launcher));
}

int LaunchAndWait(Program program, LaunchOptions options) {
  const std::string name = program.name();
  Controller controller = Launch(std::move(program), options);
  const absl::Status outcome = controller.Wait();
  if (outcome.ok()) return 0;
  std::cout.flush();
  std::fprintf(stderr, "lp: program '%s' %s: %s\n", name.c_str(),
               absl::IsAborted(outcome) ? "failed" : "could not be launched",
               std::string(outcome.message()).c_str());
  return absl::IsAborted(outcome) ? kExitNodeFailed : kExitLaunchError;
}

}  // namespace lp
