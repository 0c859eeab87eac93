#include "src/metrics/node_label.h"

#include <memory>
#include <mutex>

#include "absl/container/flat_hash_map.h"

namespace lp::metrics {
namespace {

thread_local const std::string* t_label = nullptr;

// One string per label ever used, never freed: threads cache their addresses. A process
// runs a bounded set of nodes, so this stays small.
const std::string* Intern(const std::string& label) {
  static std::mutex* mu = new std::mutex;
  static auto* interned = new absl::flat_hash_map<std::string, std::unique_ptr<std::string>>;
  std::lock_guard lock(*mu);
  std::unique_ptr<std::string>& slot = (*interned)[label];
  if (slot == nullptr) slot = std::make_unique<std::string>(label);
  return slot.get();
}

}  // namespace

const std::string& CurrentNodeLabel() {
  static const std::string* const no_node = Intern(kNoNodeLabel);
  return t_label != nullptr ? *t_label : *no_node;
}

ScopedNodeLabel::ScopedNodeLabel(const std::string& label) : previous_(t_label) {
  t_label = Intern(label);
}

ScopedNodeLabel::~ScopedNodeLabel() { t_label = previous_; }

}  // namespace lp::metrics
