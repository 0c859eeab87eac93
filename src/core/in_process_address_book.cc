#include "src/core/in_process_address_book.h"

#include "absl/strings/str_cat.h"
#include "lp/internal/deadline_wait.h"

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
  if (closed_) {
    return absl::UnavailableError(absl::StrCat("node ", node.ToString(),
                                               " cannot be reached: the program is stopping"));
  }
  return absl::DeadlineExceededError(absl::StrCat(
      "node ", node.ToString(), " did not publish its ", std::string(endpoint),
      " address before the deadline; is it still starting, or did it fail?"));
}

void InProcessAddressBook::Close() {
  std::lock_guard lock(mu_);
  closed_ = true;
  changed_.notify_all();
}

}  // namespace lp::internal
