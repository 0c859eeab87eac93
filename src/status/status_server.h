// StatusServer: the launcher's small HTTP server that shows a running program.
//
//   /             the status page (status_page.h)
//   /api/program  the program as JSON; /api/nodes every node as JSON (status_json.h)
//   /graph.svg    the program's graph, nodes coloured by state
//   /metrics      the program's metrics, Prometheus text format
//
// It serves on threads of its own that sleep between requests, so an idle program pays
// nothing for it but their stacks. It binds to loopback unless told otherwise: it has no
// authentication, and shows the program's hosts, pids and addresses.
#ifndef LP_SRC_STATUS_STATUS_SERVER_H_
#define LP_SRC_STATUS_STATUS_SERVER_H_

#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "src/status/node_status.h"

namespace httplib {
class Server;
}  // namespace httplib

namespace lp::internal {

// What the server shows, provided by the launcher. Called on the server's threads, any
// number at once: implementations are thread-safe.
class StatusSource {
 public:
  virtual ~StatusSource() = default;
  virtual ProgramStatus Status() = 0;
  // The whole program's metrics in Prometheus' text format.
  virtual absl::StatusOr<std::string> Metrics() = 0;
  // The program's graph as SVG, its nodes coloured by their state in `status`.
  virtual absl::StatusOr<std::string> GraphSvg(const ProgramStatus& status) = 0;
};

// Thread safety: port() and url() from any thread; the destructor once, from one.
class StatusServer {
 public:
  // Serves `source` (which must outlive the server) on `host`:`port`; port 0 picks a free
  // one. Fails with a message naming the address if it cannot be bound.
  static absl::StatusOr<std::unique_ptr<StatusServer>> Start(const std::string& host, int port,
                                                             StatusSource* source);
  // Stops serving and joins the server's threads.
  ~StatusServer();
  StatusServer(const StatusServer&) = delete;
  StatusServer& operator=(const StatusServer&) = delete;

  int port() const { return port_; }
  // "http://host:port/"
  std::string url() const;

 private:
  StatusServer(std::string host, StatusSource* source);
  void Route();

  const std::string host_;
  StatusSource* const source_;
  std::unique_ptr<httplib::Server> server_;
  int port_ = 0;
  std::thread listener_;
};

}  // namespace lp::internal

#endif  // LP_SRC_STATUS_STATUS_SERVER_H_
