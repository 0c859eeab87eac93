#include "src/coordinator/fingerprint.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace lp::internal {
namespace {

constexpr char kGroupSeparator = ';';
constexpr char kRunSeparator = '|';
constexpr char kGroupEnd = '=';
constexpr char kEscape = '\\';

// Long topologies are cut in messages; the first difference is always shown in full.
constexpr size_t kMaxShownChars = 1500;

std::string Escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == kGroupSeparator || c == kRunSeparator || c == kGroupEnd || c == kEscape) {
      out.push_back(kEscape);
    }
    out.push_back(c);
  }
  return out;
}

// The fingerprint's group segments, split on unescaped separators.
std::vector<std::string_view> Segments(std::string_view fingerprint) {
  std::vector<std::string_view> segments;
  size_t start = 0;
  for (size_t i = 0; i < fingerprint.size(); ++i) {
    if (fingerprint[i] == kEscape) {
      ++i;  // the next character is literal
    } else if (fingerprint[i] == kGroupSeparator) {
      segments.push_back(fingerprint.substr(start, i - start));
      start = i + 1;
    }
  }
  if (!fingerprint.empty()) segments.push_back(fingerprint.substr(start));
  return segments;
}

std::string Shown(std::string_view fingerprint) {
  if (fingerprint.empty()) return "(no nodes)";
  if (fingerprint.size() <= kMaxShownChars) return std::string(fingerprint);
  return absl::StrCat(std::string(fingerprint.substr(0, kMaxShownChars)), "... (",
                      fingerprint.size() - kMaxShownChars, " more characters)");
}

}  // namespace

std::string MakeFingerprint(const std::vector<TopologyNode>& nodes) {
  std::string out;
  size_t i = 0;
  while (i < nodes.size()) {
    const std::string& group = nodes[i].group;
    if (!out.empty()) out.push_back(kGroupSeparator);
    absl::StrAppend(&out, Escape(group), std::string(1, kGroupEnd));
    bool first_run = true;
    // Consecutive nodes of this group, as runs of one kind each.
    while (i < nodes.size() && nodes[i].group == group) {
      const std::string& kind = nodes[i].kind;
      size_t count = 0;
      while (i < nodes.size() && nodes[i].group == group && nodes[i].kind == kind) {
        ++count;
        ++i;
      }
      if (!first_run) out.push_back(kRunSeparator);
      absl::StrAppend(&out, count, "x", Escape(kind));
      first_run = false;
    }
  }
  return out;
}

std::string FingerprintDigest(std::string_view fingerprint) {
  uint64_t hash = 0xcbf29ce484222325ULL;  // FNV-1a offset basis
  for (char c : fingerprint) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;  // FNV prime
  }
  return absl::StrFormat("%016x", hash);
}

std::string DescribeFingerprintMismatch(std::string_view launcher, std::string_view worker) {
  const std::vector<std::string_view> ours = Segments(launcher);
  const std::vector<std::string_view> theirs = Segments(worker);
  size_t first = 0;
  while (first < ours.size() && first < theirs.size() && ours[first] == theirs[first]) {
    ++first;
  }
  auto segment = [](const std::vector<std::string_view>& segments, size_t i) {
    return i < segments.size() ? absl::StrCat("'", std::string(segments[i]), "'")
                               : std::string("nothing");
  };
  return absl::StrCat(
      "the program built in this worker differs from the launcher's: the topology changed. "
      "Program construction must be deterministic (same groups, node counts and kinds, "
      "added in the same order) because every worker re-runs it. First difference, group "
      "segment #", first + 1, ": launcher has ", segment(ours, first), ", worker has ",
      segment(theirs, first), ". Launcher topology [", FingerprintDigest(launcher), "]: ",
      Shown(launcher), " ; worker topology [", FingerprintDigest(worker), "]: ",
      Shown(worker));
}

}  // namespace lp::internal
