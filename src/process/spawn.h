#ifndef LP_SRC_PROCESS_SPAWN_H_
#define LP_SRC_PROCESS_SPAWN_H_

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "src/process/unique_fd.h"

namespace lp::internal {

// Where a spawned process's stdout and stderr go (always both, merged).
struct Output {
  enum class Kind {
    kInherit,  // the launcher's own stdout/stderr
    kPipe,     // a pipe whose read end is returned in SpawnedProcess::output
    kFile,     // appended to `path` (created 0644 if missing)
  };
  static Output Inherit() { return Output{Kind::kInherit, ""}; }
  static Output Pipe() { return Output{Kind::kPipe, ""}; }
  static Output File(std::string path) { return Output{Kind::kFile, std::move(path)}; }

  Kind kind = Kind::kInherit;
  std::string path;  // for kFile
};

// What to start.
struct SpawnSpec {
  // argv[0] is the program: an absolute path, or a bare name looked up in $PATH by the
  // parent before forking (so "numactl is not installed" is an error, not a dead child).
  std::vector<std::string> argv = {};
  // Added to, or replacing entries of, the launcher's current environment.
  std::vector<std::pair<std::string, std::string>> env_overrides = {};
  Output output = Output::Inherit();
  // Off by default, stdin is /dev/null: many workers must not compete for the launcher's
  // terminal. Turn on for interactive wrappers (gdb) run with an inherited terminal.
  bool inherit_stdin = false;
  // SIGKILL the child when its parent dies (PR_SET_PDEATHSIG). The kernel ties this to
  // the *thread* that forked, not to the process: a child forked by a thread that later
  // exits is killed at that moment. Spawn from a long-lived thread, or use
  // ProcessSpawner (process_spawner.h), which forks on one dedicated thread.
  bool kill_on_parent_death = true;
  // When >= 0, a descriptor of the caller (not owned) that the child gets as descriptor
  // kPassedFd, open across exec; all others above 2 are still closed on exec. A fork
  // server's socket to its launcher travels so.
  int passed_fd = -1;
};

// Where SpawnSpec::passed_fd arrives in the child.
inline constexpr int kPassedFd = 3;

// A started process. Reaping it (WaitForExit in wait_for_exit.h) is the caller's job.
struct SpawnedProcess {
  pid_t pid = -1;
  // The child leads its own process group (pgid == pid), so that signalling -pgid
  // reaches every descendant that did not leave the group.
  pid_t pgid = -1;
  // The read end of the stdout+stderr pipe when Output::Pipe() was asked for.
  UniqueFd output;
};

// Forks and execs `spec` on the calling thread. The child runs in a fresh process group,
// with default signal dispositions and an empty signal mask, and with every inherited
// descriptor other than 0-2 closed on exec. Errors come back as a Status, including
// those of execve itself (reported through a close-on-exec pipe): "cannot execute
// /usr/bin/numactl: No such file or directory".
//
// Thread safety: may be called from any thread; see kill_on_parent_death for which one.
absl::StatusOr<SpawnedProcess> Spawn(const SpawnSpec& spec);

}  // namespace lp::internal

#endif  // LP_SRC_PROCESS_SPAWN_H_
