#ifndef LP_TESTS_METRICS_EXPOSITION_H_
#define LP_TESTS_METRICS_EXPOSITION_H_

// Reading Prometheus's text exposition format back, for the metrics tests: the samples
// of a metric whose labels include given ones, and the count of HELP/TYPE lines.

#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace lp::testing {

struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

// Every sample line of `text` (not the # lines). Label values here never hold '"' or ','.
inline std::vector<Sample> ParseSamples(const std::string& text) {
  std::vector<Sample> samples;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    if (absl::StartsWith(line, "#")) continue;
    Sample sample;
    const size_t space = line.rfind(' ');
    absl::string_view series = line.substr(0, space);
    if (!absl::SimpleAtod(line.substr(space + 1), &sample.value)) continue;
    const size_t brace = series.find('{');
    sample.name = std::string(series.substr(0, brace));
    if (brace != absl::string_view::npos) {
      absl::string_view labels = series.substr(brace + 1);
      absl::ConsumeSuffix(&labels, "}");
      for (absl::string_view pair : absl::StrSplit(labels, ',', absl::SkipEmpty())) {
        std::pair<std::string, std::string> kv = absl::StrSplit(pair, absl::MaxSplits('=', 1));
        absl::string_view value = kv.second;
        absl::ConsumePrefix(&value, "\"");
        absl::ConsumeSuffix(&value, "\"");
        sample.labels[kv.first] = std::string(value);
      }
    }
    samples.push_back(std::move(sample));
  }
  return samples;
}

// The sum of the samples named `name` whose labels include `labels`; -1 if there is none.
inline double Value(const std::string& text, const std::string& name,
                    const std::map<std::string, std::string>& labels) {
  double sum = 0;
  bool found = false;
  for (const Sample& sample : ParseSamples(text)) {
    if (sample.name != name) continue;
    bool matches = true;
    for (const auto& [key, value] : labels) {
      auto it = sample.labels.find(key);
      if (it == sample.labels.end() || it->second != value) matches = false;
    }
    if (!matches) continue;
    sum += sample.value;
    found = true;
  }
  return found ? sum : -1;
}

// How many lines of `text` start with `prefix` (e.g. "# TYPE lp_courier_batch_size ").
inline int LinesStartingWith(const std::string& text, const std::string& prefix) {
  int count = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (absl::StartsWith(line, prefix)) ++count;
  }
  return count;
}

}  // namespace lp::testing

#endif  // LP_TESTS_METRICS_EXPOSITION_H_
