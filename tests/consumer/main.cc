// A program outside the repository, as a user writes it: a Courier node and a node that
// calls it, then stops the program. tests/packaging builds it against the installed
// package, through pkg-config, with add_subdirectory and against the Debian package, and
// runs it under local_mp (every node its own process).
#include <cstdio>
#include <stdexcept>
#include <utility>

#include "lp/lp.h"

class Doubler {
 public:
  int Double(int x) { return 2 * x; }
};
LP_COURIER_METHODS(Doubler, Double);

void AskAndStop(lp::CourierClient<Doubler> doubler) {
  const int doubled = doubler.Call(&Doubler::Double, 21);
  if (doubled != 42) throw std::runtime_error("21 doubled is not 42");
  std::printf("consumer: 21 doubled is %d\n", doubled);
  std::fflush(stdout);
  lp::Stop();
}

int main(int argc, char** argv) {
  lp::ParseFlags(argc, argv);
  lp::Program program("consumer");
  auto doubler = program.AddNode(lp::CourierNode<Doubler>(), "doubler");
  program.AddNode(lp::FunctionNode(AskAndStop, doubler), "asker");
  return lp::LaunchAndWait(std::move(program));
}
