// lp_status HOST:PORT — prints the nodes of a running program, from the status server its
// launcher started (it prints the address at start: "lp: status of program ...").
#include <cstdio>
#include <string>

#include "lp/launch.h"
#include "src/status/status_client.h"

int main(int argc, char** argv) {
  if (argc != 2 || std::string(argv[1]) == "--help") {
    std::fprintf(stderr,
                 "usage: lp_status HOST:PORT\n"
                 "Prints the nodes of the running Launchpad program whose launcher serves its "
                 "status at HOST:PORT (printed at start; see --lp_status_port).\n");
    return argc == 2 ? 0 : lp::kExitLaunchError;
  }
  absl::StatusOr<std::string> table = lp::internal::FetchStatusTable(argv[1]);
  if (!table.ok()) {
    std::fprintf(stderr, "lp_status: %s\n", std::string(table.status().message()).c_str());
    return lp::kExitLaunchError;
  }
  std::fputs(table->c_str(), stdout);
  return 0;
}
