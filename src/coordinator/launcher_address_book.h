#ifndef LP_SRC_COORDINATOR_LAUNCHER_ADDRESS_BOOK_H_
#define LP_SRC_COORDINATOR_LAUNCHER_ADDRESS_BOOK_H_

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "lp/internal/runtime.h"
#include "src/coordinator/coordinator_server.h"
#include "src/core/address_errors.h"

namespace lp::internal {

// The address book of the launcher process of a multi-process launch: its coordinator's
// table, read in place. Workers reach the same table over the network
// (CoordinatorClient); the launcher, which holds the coordinator, needs no call for it:
// a handle dereferenced in main() or in a test resolves without the loopback round trip
// to its own process that a CoordinatorClient would make (docs/performance.md, "The
// launcher resolves in place"). Errors are those of a CoordinatorClient.
//
// It holds the coordinator weakly: the coordinator's hooks hold the launcher's Runtime,
// which holds this book, and a strong reference would make a cycle that keeps every
// launch's coordinator alive for good. Once the launch has let its coordinator go, the
// program is over, and resolving fails as for a stopped program.
//
// Thread safety: every method may be called from any thread.
class LauncherAddressBook final : public AddressBook {
 public:
  explicit LauncherAddressBook(std::weak_ptr<CoordinatorServer> coordinator)
      : coordinator_(std::move(coordinator)) {}

  absl::Status Publish(const NodeId& node, std::string_view endpoint,
                       std::string address) override {
    std::shared_ptr<CoordinatorServer> coordinator = coordinator_.lock();
    if (coordinator == nullptr) return ProgramStoppingError(node);
    return coordinator->PublishAddress(node, std::string(endpoint), address);
  }
  absl::StatusOr<std::string> Resolve(const NodeId& node, std::string_view endpoint,
                                      absl::Time deadline) override {
    std::shared_ptr<CoordinatorServer> coordinator = coordinator_.lock();
    if (coordinator == nullptr) return ProgramStoppingError(node);
    return coordinator->ResolveAddress(node, std::string(endpoint), deadline);
  }

 private:
  const std::weak_ptr<CoordinatorServer> coordinator_;
};

}  // namespace lp::internal

#endif  // LP_SRC_COORDINATOR_LAUNCHER_ADDRESS_BOOK_H_
