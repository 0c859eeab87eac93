// hello_world: the smallest Launchpad program. A group of FunctionNodes, each printing a
// greeting with its own group and index, under whichever launch type the flag picks.
//
//   build/examples/hello_world --num_greeters=3

#include <iostream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "lp/lp.h"

ABSL_FLAG(int, num_greeters, 3, "How many greeter nodes to run.");

namespace {

void Greet(const std::string& greeting) {
  const lp::NodeContext* node = lp::CurrentNode();
  // One write per line, so that lines of concurrent nodes never interleave.
  std::cout << absl::StrCat(greeting, " from node ", node->node.ToString(), " of program '",
                            node->program_name, "' (",
                            std::string(lp::LaunchTypeName(node->launch_type)), ")\n")
            << std::flush;
}

lp::Program MakeProgram(int num_greeters) {
  lp::Program program("hello_world");
  auto group = program.Group("greeter");
  for (int i = 0; i < num_greeters; ++i) program.AddNode(lp::FunctionNode(Greet, "Hello"));
  return program;
}

}  // namespace

int main(int argc, char** argv) {
  lp::ParseFlags(argc, argv);
  return lp::LaunchAndWait(MakeProgram(absl::GetFlag(FLAGS_num_greeters)));
}
