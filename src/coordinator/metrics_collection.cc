#include "src/coordinator/metrics_collection.h"

#include <utility>

#include "lp/internal/deadline_wait.h"

namespace lp::internal {

std::uint64_t MetricsCollections::Open() {
  std::lock_guard lock(mu_);
  const std::uint64_t collection = next_++;
  open_[collection];
  return collection;
}

void MetricsCollections::Add(std::uint64_t collection, Report report) {
  std::lock_guard lock(mu_);
  auto it = open_.find(collection);
  if (it == open_.end()) return;  // too late, or never asked for
  it->second.push_back(std::move(report));
  added_.notify_all();
}

std::vector<MetricsCollections::Report> MetricsCollections::Close(std::uint64_t collection,
                                                                  int expected,
                                                                  absl::Time deadline) {
  std::unique_lock lock(mu_);
  WaitUntil(added_, lock, deadline, [&] {
    return static_cast<int>(open_[collection].size()) >= expected;
  });
  std::vector<Report> reports = std::move(open_[collection]);
  open_.erase(collection);
  return reports;
}

}  // namespace lp::internal
