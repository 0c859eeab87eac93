#ifndef LP_SRC_PROCESS_OPEN_FILE_LIMIT_H_
#define LP_SRC_PROCESS_OPEN_FILE_LIMIT_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace lp::internal {

// Raises this process's soft limit of open files (RLIMIT_NOFILE) to its hard limit.
//
// Why: a process launch holds several descriptors per worker in the launcher (the output
// pipe, a pidfd, the worker's coordinator connection) and a Courier client holds a socket
// per server it calls, so a few hundred nodes exceed the soft limit most systems start
// programs with (1024), while the hard limit is usually far higher. Raising the soft
// limit up to the hard one needs no privilege. Workers inherit the raised limit.
// Best effort: on failure the limit stays, and running out is reported by
// OutOfDescriptorsError. Thread safety: may be called from any thread.
void RaiseOpenFileLimit();

// "the limit of open files is 64 (soft) / 64 (hard)": this process's limits, for messages.
std::string DescribeOpenFileLimit();

// How many descriptors this process has open now (from /proc/self/fd); -1 if unknown.
int OpenDescriptorCount();

// OK when `more` descriptors can still be opened under the soft limit. Otherwise a
// ResourceExhausted error: "<what> needs about <more> more open files, but <the limits>
// ...; raise the hard limit to at least <n> ..." (what to do). A check before starting
// many processes: failing then is better than running out half-way (workers started
// before that wait for a coordinator that could not accept them). An estimate: the
// limit bounds descriptor numbers, and free numbers below the highest count as room.
absl::Status CheckOpenFileHeadroom(int more, absl::string_view what);

// Whether `error_number` says that descriptors ran out (EMFILE: this process's limit;
// ENFILE: the system's).
bool IsOutOfDescriptors(int error_number);

// The error of `what` (e.g. "cannot create the output pipe") failing with EMFILE or
// ENFILE: the limits, and what to do about them.
absl::Status OutOfDescriptorsError(absl::string_view what, int error_number);

}  // namespace lp::internal

#endif  // LP_SRC_PROCESS_OPEN_FILE_LIMIT_H_
