// A program that tests/launch/arguments_test.cc runs from outside to check that node
// arguments computed in main() travel from the launcher to the workers (issue 16); the
// programs are in tests/support/arguments_program.h.
//
//   --mode=travel   every node kind gets a run id, a seed and a directory from main()
//                   (made under --scratch); each prints what it got
//   --mode=differs  a node gets a printable, non-serializable value that differs in
//                   every process, beside three others: the launch must fail before
//                   any node runs
//   --mode=sweep    two programs one after the other, printing lp::LaunchId()
//
// The launch type is --lp_launch_type: the tests give it.

#include <string>

#include "absl/flags/flag.h"
#include "lp/flags.h"
#include "lp/lp.h"
#include "tests/support/arguments_program.h"

ABSL_FLAG(std::string, mode, "travel", "see the file comment");
ABSL_FLAG(std::string, scratch, "/tmp", "travel: where main() makes its directory");

int main(int argc, char** argv) {
  lp::ParseFlags(argc, argv);
  const lp::LaunchOptions options;  // the launch type from --lp_launch_type
  return lp_test_arguments::RunMode(absl::GetFlag(FLAGS_mode), absl::GetFlag(FLAGS_scratch),
                                    options)
      .value_or(2);
}
