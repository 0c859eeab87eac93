// A program that tests drive from outside, through signals and exit codes.
//
//   --mode=wait       two nodes wait for the stop and print "clean exit: <node>"
//   --mode=straggler  as wait, plus a node that ignores the stop
//   --mode=throw      a node fails with an exception
//   --mode=linger     as wait, plus a node that, once the stop came, returns only when the
//                     file --trigger exists (so a test can act while the stop is under way)
// Each prints "ready" once its nodes are waiting, so a test can act at the right moment.

#include <unistd.h>

#include <atomic>
#include <iostream>
#include <stdexcept>
#include <string>

#include "absl/flags/flag.h"
#include "absl/time/clock.h"
#include "lp/lp.h"

ABSL_FLAG(std::string, mode, "wait", "wait, straggler, throw or linger");
ABSL_FLAG(std::string, trigger, "", "linger: the file whose creation lets the node return");

namespace {

std::atomic<int> g_waiting{0};

void Say(const std::string& line) { std::cout << line + "\n" << std::flush; }

void ReportReady(int expected) {
  if (++g_waiting == expected) Say("ready");
}

void Waiter(int expected) {
  ReportReady(expected);
  lp::WaitForStop();
  Say("clean exit: " + lp::CurrentNode()->node.ToString());
}

void Straggler(int expected) {
  ReportReady(expected);
  for (;;) absl::SleepFor(absl::Seconds(1));
}

void Lingerer(int expected, const std::string& trigger) {
  ReportReady(expected);
  lp::WaitForStop();
  while (access(trigger.c_str(), F_OK) != 0) absl::SleepFor(absl::Milliseconds(10));
  Say("clean exit: " + lp::CurrentNode()->node.ToString());
}

void Thrower() { throw std::runtime_error("the answer was not 42"); }

}  // namespace

int main(int argc, char** argv) {
  lp::ParseFlags(argc, argv);
  const std::string mode = absl::GetFlag(FLAGS_mode);
  lp::Program program("test_child");
  const int expected = mode == "straggler" || mode == "linger" ? 3 : 2;
  {
    auto group = program.Group("waiter");
    program.AddNode(lp::FunctionNode(Waiter, expected));
    program.AddNode(lp::FunctionNode(Waiter, expected));
  }
  if (mode == "straggler") program.AddNode(lp::FunctionNode(Straggler, expected), "straggler");
  if (mode == "throw") program.AddNode(lp::FunctionNode(Thrower), "thrower");
  if (mode == "linger") {
    program.AddNode(lp::FunctionNode(Lingerer, expected, absl::GetFlag(FLAGS_trigger)),
                    "lingerer");
  }
  return lp::LaunchAndWait(std::move(program));
}
