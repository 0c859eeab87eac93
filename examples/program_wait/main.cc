// program_wait: every way a node can wait for the program to stop, side by side.
//
// Five nodes wait, each with a different mechanism; a sixth calls lp::Stop() after
// --stop_after_secs. Each waiting node prints "<mechanism>: terminated cleanly" once it
// returns. With --straggler, one more node ignores the stop: run it with
// --lp_termination_notice_secs=2 to see the runtime give up on it and name its group.
//
//   build/examples/program_wait
//   build/examples/program_wait --straggler --lp_termination_notice_secs=2

#include <condition_variable>
#include <iostream>
#include <mutex>
#include <stop_token>
#include <string>

#include "absl/flags/flag.h"

#include "absl/time/clock.h"
#include "lp/lp.h"

ABSL_FLAG(double, stop_after_secs, 2, "When the stopper node calls lp::Stop().");
ABSL_FLAG(bool, straggler, false, "Add a node that ignores the stop request.");

namespace {

void Say(const std::string& line) { std::cout << line + "\n" << std::flush; }

// Polls: useful when the node has periodic work to do between checks.
void PeriodicWait() {
  while (!lp::WaitForStop(absl::Seconds(1))) Say("periodic: still working");
  Say("periodic (WaitForStop with timeout): terminated cleanly");
}

void BlockingWait() {
  lp::WaitForStop();
  Say("blocking (WaitForStop): terminated cleanly");
}

void EventWait() {
  lp::StopEvent().Wait();
  Say("event (StopEvent): terminated cleanly");
}

// A std::stop_token plugs into the standard library's own waiting primitives.
void TokenWait() {
  std::mutex mu;
  std::condition_variable_any cv;
  std::unique_lock lock(mu);
  cv.wait(lock, lp::StopToken(), [] { return false; });
  Say("token (StopToken): terminated cleanly");
}

void HandlerWait() {
  lp::Event stopped;
  const lp::StopHandlerId id = lp::RegisterStopHandler([&stopped] { stopped.Notify(); });
  stopped.Wait();
  lp::UnregisterStopHandler(id);
  Say("handler (RegisterStopHandler): terminated cleanly");
}

void Stopper(double after_secs) {
  absl::SleepFor(absl::Seconds(after_secs));
  Say("stopper: calling lp::Stop()");
  lp::Stop();
}

void Straggler() {
  Say("straggler: ignoring stop requests");
  for (;;) absl::SleepFor(absl::Seconds(1));
}

}  // namespace

int main(int argc, char** argv) {
  lp::ParseFlags(argc, argv);
  lp::Program program("program_wait");
  program.AddNode(lp::FunctionNode(PeriodicWait), "periodic");
  program.AddNode(lp::FunctionNode(BlockingWait), "blocking");
  program.AddNode(lp::FunctionNode(EventWait), "event");
  program.AddNode(lp::FunctionNode(TokenWait), "token");
  program.AddNode(lp::FunctionNode(HandlerWait), "handler");
  program.AddNode(lp::FunctionNode(Stopper, absl::GetFlag(FLAGS_stop_after_secs)), "stopper");
  if (absl::GetFlag(FLAGS_straggler)) program.AddNode(lp::FunctionNode(Straggler), "straggler");
  return lp::LaunchAndWait(std::move(program));
}
