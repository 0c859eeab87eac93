#include "src/status/status_client.h"

#include <httplib.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "src/status/status_json.h"

namespace lp::internal {

namespace {

// The server's base URL, "http://host:port", from "host:port" or a URL.
std::string BaseUrl(const std::string& address) {
  std::string base(absl::StripSuffix(address, "/"));
  if (!absl::StartsWith(base, "http://")) base = absl::StrCat("http://", base);
  return base;
}

absl::StatusOr<std::string> Get(httplib::Client& client, const std::string& base,
                                const std::string& path) {
  httplib::Result result = client.Get(path.c_str());
  if (!result) {
    return absl::UnavailableError(absl::StrCat(
        "no Launchpad status server answers at ", base, " (", httplib::to_string(result.error()),
        "): is the program running, and is that the address it printed at start?"));
  }
  if (result->status != 200) {
    return absl::UnavailableError(absl::StrCat(base, path, " answered HTTP ", result->status,
                                               ": ", result->body));
  }
  return result->body;
}

}  // namespace

absl::StatusOr<std::string> FetchFromStatusServer(const std::string& address,
                                                  const std::string& path,
                                                  absl::Duration timeout) {
  const std::string base = BaseUrl(address);
  httplib::Client client(base);
  const int64_t micros = absl::ToInt64Microseconds(timeout);
  client.set_connection_timeout(micros / 1000000, micros % 1000000);
  client.set_read_timeout(micros / 1000000, micros % 1000000);
  return Get(client, base, path);
}

absl::StatusOr<std::string> FetchStatusTable(const std::string& address,
                                             absl::Duration timeout) {
  absl::StatusOr<std::string> program = FetchFromStatusServer(address, "/api/program", timeout);
  if (!program.ok()) return program.status();
  absl::StatusOr<std::string> nodes = FetchFromStatusServer(address, "/api/nodes", timeout);
  if (!nodes.ok()) return nodes.status();
  return FormatStatusTable(*program, *nodes);
}

}  // namespace lp::internal
