#ifndef LP_SRC_LAUNCH_LAUNCHER_H_
#define LP_SRC_LAUNCH_LAUNCHER_H_

#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "lp/launch_type.h"
#include "lp/process_config.h"
#include "lp/slurm_config.h"
#include "src/terminal/terminal_kind.h"

namespace lp::rpc {
struct TransportSecurity;  // src/courier/rpc/transport_security.h
}  // namespace lp::rpc

namespace lp::internal {

// LaunchOptions with every default filled in from the flags.
struct ResolvedLaunchOptions {
  LaunchType launch_type = LaunchType::kLocalMt;
  absl::Duration termination_notice = absl::Seconds(10);  // InfiniteDuration: wait forever
  bool handle_signals = true;
  // Process launches only.
  TerminalKind terminal = TerminalKind::kCurrentTerminal;
  std::string log_dir;
  bool log_timestamps = false;
  std::map<std::string, ProcessConfig> local_resources;
  bool fork_server = true;  // start workers through fork servers where they apply
  // slurm only.
  std::map<std::string, SlurmConfig> slurm_resources;
  bool slurm_dry_run = false;
  absl::Duration slurm_pending_timeout = absl::InfiniteDuration();
  std::string coordinator_host;
  // The launch's Courier secret (src/launch/courier_secret.h): its clients send it, its
  // servers require it. Set by lp::Launch just before the launcher starts.
  std::string courier_secret;
  // The launch's mutual TLS, loaded and checked from LaunchOptions::tls / --lp_tls_*;
  // null: plain TCP. Every gRPC server and channel of the launch uses it.
  std::shared_ptr<const rpc::TransportSecurity> transport;
  // Which lp::Launch call of this process this is (see src/core/worker_environment.h).
  int launch_index = 0;
  // The launcher's status server: -1 for none, 0 for any free port.
  int status_port = -1;
  std::string status_host = "127.0.0.1";
  // Whether the launcher shows its progress line and exit summary (stderr is a terminal).
  bool show_progress = false;
};

// One running program, whatever the launch type. Lp::Controller is its public face.
//
// Thread safety: every method may be called from any thread.
class Launcher {
 public:
  virtual ~Launcher() = default;
  virtual absl::Status Wait() = 0;
  virtual bool WaitFor(absl::Duration timeout) = 0;
  virtual void Stop() = 0;
  // The status server's address, if the launch has one.
  virtual std::string StatusUrl() const { return ""; }
};

// A launch that ended before any node started: an invalid program or options (Wait()
// returns why), or, in a worker process, a program launched before the worker's own.
class EndedLaunch : public Launcher {
 public:
  explicit EndedLaunch(absl::Status status) : status_(std::move(status)) {}
  absl::Status Wait() override { return status_; }
  bool WaitFor(absl::Duration) override { return true; }
  void Stop() override {}

 private:
  absl::Status status_;
};

}  // namespace lp::internal

#endif  // LP_SRC_LAUNCH_LAUNCHER_H_
