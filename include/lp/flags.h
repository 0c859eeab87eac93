#ifndef LP_FLAGS_H_
#define LP_FLAGS_H_

#include <string>
#include <vector>

#include "absl/flags/declare.h"
#include "lp/launch_type.h"

// The flags every Launchpad program understands. Launch options given in code take
// precedence over them.
ABSL_DECLARE_FLAG(lp::LaunchType, lp_launch_type);
ABSL_DECLARE_FLAG(double, lp_termination_notice_secs);
ABSL_DECLARE_FLAG(std::string, lp_terminal);
ABSL_DECLARE_FLAG(std::string, lp_log_dir);
ABSL_DECLARE_FLAG(bool, lp_fork_server);
ABSL_DECLARE_FLAG(bool, lp_slurm_dry_run);
ABSL_DECLARE_FLAG(std::string, lp_slurm_pending_timeout);  // a duration: 30s, 10m, inf
ABSL_DECLARE_FLAG(std::string, lp_coordinator_host);
ABSL_DECLARE_FLAG(std::string, lp_tls_cert);
ABSL_DECLARE_FLAG(std::string, lp_tls_key);
ABSL_DECLARE_FLAG(std::string, lp_tls_ca);
ABSL_DECLARE_FLAG(std::string, lp_tls_server_name);
ABSL_DECLARE_FLAG(std::string, lp_status_port);  // empty: the launch type's default
ABSL_DECLARE_FLAG(std::string, lp_status_host);
ABSL_DECLARE_FLAG(std::string, lp_status);
ABSL_DECLARE_FLAG(std::string, lp_graph);
ABSL_DECLARE_FLAG(bool, lp_log_timestamps);

namespace lp {

// Parses the command line with Abseil flags (the program's own flags and the lp_* ones)
// and returns the positional arguments. Call it first thing in main(). A command line
// that cannot be parsed (an unknown flag, a bad value) ends the process with
// kExitLaunchError (2), after Abseil named every bad flag; --help and --version exit as
// Abseil makes them.
std::vector<std::string> ParseFlags(int argc, char** argv);

}  // namespace lp

#endif  // LP_FLAGS_H_
