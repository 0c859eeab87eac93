#include "src/core/in_process_address_book.h"

#include "lp/internal/deadline_wait.h"
#include "src/core/address_errors.h"

namespace lp::internal {

absl::Status InProcessAddressBook::Publish(const NodeId& node, std::string_view endpoint,
                                           std::string address) {
  std::lock_guard lock(mu_);
  addresses_[Key(node, std::string(endpoint))] = std::move(address);
  changed_.notify_all();
  return absl::OkStatus();
}

absl::StatusOr<std::string> InProcessAddressBook::Resolve(const NodeId& node,
                                                          std::string_view endpoint,
                                                          absl::Time deadline) {
  const Key key(node, std::string(endpoint));
  std::unique_lock lock(mu_);
  auto ready = [&] { return closed_ || addresses_.contains(key); };
  WaitUntil(changed_, lock, deadline, ready);
  if (auto it = addresses_.find(key); it != addresses_.end()) return it->second;
  if (closed_) return ProgramStoppingError(node);
  return NotPublishedError(node, endpoint);
}

void InProcessAddressBook::Close() {
  std::lock_guard lock(mu_);
  closed_ = true;
  changed_.notify_all();
}

}  // namespace lp::internal
