// The client side of the status server: what `lp_status HOST:PORT` and
// `--lp_status=HOST:PORT` print.
#ifndef LP_SRC_STATUS_STATUS_CLIENT_H_
#define LP_SRC_STATUS_STATUS_CLIENT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace lp::internal {

// Asks the status server at `address` ("host:port", or a URL "http://host:port/") for the
// program and its nodes and formats them as a table. Unavailable, naming the address,
// when nothing answers there.
absl::StatusOr<std::string> FetchStatusTable(const std::string& address,
                                             absl::Duration timeout = absl::Seconds(10));

// The body of `path` ("/api/nodes", "/metrics") at the status server at `address`.
absl::StatusOr<std::string> FetchFromStatusServer(const std::string& address,
                                                  const std::string& path,
                                                  absl::Duration timeout = absl::Seconds(10));

}  // namespace lp::internal

#endif  // LP_SRC_STATUS_STATUS_CLIENT_H_
