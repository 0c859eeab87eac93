#ifndef LP_TESTS_TERMINAL_TIMESTAMP_CHECKS_H_
#define LP_TESTS_TERMINAL_TIMESTAMP_CHECKS_H_

#include <optional>
#include <regex>
#include <string>

#include "absl/time/time.h"

namespace lp::testing {

// The --lp_log_timestamps prefix at the start of `line` ("2026-12-02T10:01:02.123456Z "),
// parsed, with `rest` set to what follows it; nullopt when the line does not start with
// one.
inline std::optional<absl::Time> LineTimestamp(const std::string& line, std::string* rest) {
  static const std::regex pattern(
      R"(^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z) (.*)$)");
  std::smatch match;
  if (!std::regex_match(line, match, pattern)) return std::nullopt;
  absl::Time time;
  std::string error;
  if (!absl::ParseTime("%Y-%m-%dT%H:%M:%E*SZ", match[1].str(), absl::UTCTimeZone(), &time,
                       &error)) {
    return std::nullopt;
  }
  if (rest != nullptr) *rest = match[2].str();
  return time;
}

}  // namespace lp::testing

#endif  // LP_TESTS_TERMINAL_TIMESTAMP_CHECKS_H_
