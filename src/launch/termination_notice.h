#ifndef LP_SRC_LAUNCH_TERMINATION_NOTICE_H_
#define LP_SRC_LAUNCH_TERMINATION_NOTICE_H_

// About a program's end: the termination notice the supervisor enforces (for every launch
// type), the stragglers' outcome, and how the process backends show a failed node's last
// output.

#include <condition_variable>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace lp::internal {

// The launcher's side of the termination notice. With `lock` held on the mutex that
// guards the launcher's state (and that `changed` is notified under): waits until a stop
// was requested or everything ended, then gives what still runs `notice` to end. True
// when something still runs after the notice: the caller kills it. An infinite notice
// never runs out.
bool TerminationNoticeRanOut(std::condition_variable& changed, std::unique_lock<std::mutex>& lock,
                             absl::Duration notice, const std::function<bool()>& stop_requested,
                             const std::function<bool()>& all_ended);

// The outcome of a launch whose `nodes` (of `groups`) outlived the notice and are being
// killed; also says so on stderr, naming `program`.
absl::Status StragglersKilled(const std::string& program, const std::set<std::string>& groups,
                              const std::vector<std::string>& nodes, absl::Duration notice);

// Appends to a failure message the last lines (at most ten) that `node` printed:
// "\nlast output of <node>:\n  <line>...". Nothing when there are none.
void AppendLastOutput(std::string& text, const std::string& node,
                      const std::vector<std::string>& lines);

}  // namespace lp::internal

#endif  // LP_SRC_LAUNCH_TERMINATION_NOTICE_H_
