#ifndef LP_SRC_CORE_IN_PROCESS_ADDRESS_BOOK_H_
#define LP_SRC_CORE_IN_PROCESS_ADDRESS_BOOK_H_

#include <condition_variable>
#include <mutex>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "lp/internal/runtime.h"

namespace lp::internal {

// The address book of a program whose nodes are all threads of this process.
//
// Thread safety: every method may be called from any thread.
class InProcessAddressBook : public AddressBook {
 public:
  absl::Status Publish(const NodeId& node, std::string_view endpoint,
                       std::string address) override;
  absl::StatusOr<std::string> Resolve(const NodeId& node, std::string_view endpoint,
                                      absl::Time deadline) override;

  // Wakes every waiter with Unavailable: the program is stopping, nothing new will come.
  void Close();

 private:
  using Key = std::pair<NodeId, std::string>;
  std::mutex mu_;
  std::condition_variable changed_;
  // Guarded by mu_:
  absl::flat_hash_map<Key, std::string> addresses_;
  bool closed_ = false;
};

}  // namespace lp::internal

#endif  // LP_SRC_CORE_IN_PROCESS_ADDRESS_BOOK_H_
