#include "src/launch/termination_notice.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "src/core/format_notice.h"

namespace lp::internal {
namespace {

// How many of a failed node's last output lines the launcher repeats.
constexpr size_t kFailureTailLines = 10;

}  // namespace

bool TerminationNoticeRanOut(std::condition_variable& changed, std::unique_lock<std::mutex>& lock,
                             absl::Duration notice, const std::function<bool()>& stop_requested,
                             const std::function<bool()>& all_ended) {
  changed.wait(lock, [&] { return stop_requested() || all_ended(); });
  if (all_ended() || notice == absl::InfiniteDuration()) return false;
  return !changed.wait_for(lock, absl::ToChronoNanoseconds(notice), all_ended);
}

absl::Status StragglersKilled(const std::string& program, const std::set<std::string>& groups,
                              const std::vector<std::string>& nodes, absl::Duration notice) {
  std::fprintf(stderr, "lp: program '%s': killing nodes that did not stop in time: %s\n",
               program.c_str(), absl::StrJoin(nodes, ", ").c_str());
  return absl::DeadlineExceededError(absl::StrCat(
      "groups [", absl::StrJoin(groups, ", "), "] did not stop within ",
      FormatNotice(notice), " of the stop request and were killed (nodes ",
      absl::StrJoin(nodes, ", "), ")"));
}

void AppendLastOutput(std::string& text, const std::string& node,
                      const std::vector<std::string>& lines) {
  if (lines.empty()) return;
  const size_t first = lines.size() > kFailureTailLines ? lines.size() - kFailureTailLines : 0;
  absl::StrAppend(&text, "\nlast output of ", node, ":");
  for (size_t i = first; i < lines.size(); ++i) absl::StrAppend(&text, "\n  ", lines[i]);
}

}  // namespace lp::internal
