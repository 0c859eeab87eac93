#include "src/status/status_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <atomic>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "src/status/status_json.h"
#include "src/status/status_page.h"

namespace lp::internal {

namespace {

// A connection holds a serving thread for as long as it is open, and a browser opens
// several, some of them speculatively, sending nothing: with too few threads a page's
// own requests wait behind those. Idle threads cost no CPU.
constexpr int kServingThreads = 8;
// How long an idle or silent connection may hold its thread.
constexpr time_t kIdleSeconds = 1;

void Fail(httplib::Response& response, const absl::Status& status) {
  response.status = 503;
  response.set_content(std::string(status.message()), "text/plain; charset=utf-8");
}

}  // namespace

StatusServer::StatusServer(std::string host, StatusSource* source)
    : host_(std::move(host)), source_(source), server_(std::make_unique<httplib::Server>()) {}

absl::StatusOr<std::unique_ptr<StatusServer>> StatusServer::Start(const std::string& host,
                                                                  int port,
                                                                  StatusSource* source) {
  std::unique_ptr<StatusServer> server(new StatusServer(host, source));
  server->server_->new_task_queue = [] { return new httplib::ThreadPool(kServingThreads); };
  // cpp-httplib's default also sets SO_REUSEPORT, with which a second program asked for the
  // same port would share it silently, each answering some requests. Only SO_REUSEADDR:
  // a restarted program may take its port back at once, and a port in use is an error.
  server->server_->set_keep_alive_timeout(kIdleSeconds);
  server->server_->set_read_timeout(kIdleSeconds, 0);
  server->server_->set_socket_options([](int socket) {
    const int yes = 1;
    setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  server->Route();
  if (port == 0) {
    server->port_ = server->server_->bind_to_any_port(host);
  } else if (server->server_->bind_to_port(host, port)) {
    server->port_ = port;
  } else {
    server->port_ = -1;
  }
  if (server->port_ < 0) {
    return absl::UnavailableError(absl::StrCat(
        "the status server cannot listen on ", host, ":", port,
        ": the port is taken or the address is not this machine's; choose another with "
        "--lp_status_port (0 picks a free port) and --lp_status_host, or turn it off with "
        "--lp_status_port=-1"));
  }
  httplib::Server* raw = server->server_.get();
  auto listened = std::make_shared<std::atomic<bool>>(false);
  server->listener_ = std::thread([raw, listened] {
    raw->listen_after_bind();
    listened->store(true);
  });
  // stop() does nothing to a server that is not running yet, so a server destroyed at once
  // (the launch failed right after) would listen for ever: return once it runs (or its
  // listening ended). It runs from the listener's first instructions; cpp-httplib 0.11
  // has no event to wait on.
  while (!raw->is_running() && !listened->load()) std::this_thread::yield();
  return server;
}

StatusServer::~StatusServer() {
  server_->stop();
  if (listener_.joinable()) listener_.join();
}

std::string StatusServer::url() const {
  const bool ipv6 = host_.find(':') != std::string::npos;
  return absl::StrCat("http://", ipv6 ? "[" : "", host_, ipv6 ? "]" : "", ":", port_, "/");
}

void StatusServer::Route() {
  server_->Get("/", [](const httplib::Request&, httplib::Response& response) {
    response.set_content(std::string(StatusPageHtml()), "text/html; charset=utf-8");
  });
  server_->Get("/api/program", [this](const httplib::Request&, httplib::Response& response) {
    response.set_content(ProgramJson(source_->Status(), absl::Now()), "application/json");
  });
  server_->Get("/api/nodes", [this](const httplib::Request&, httplib::Response& response) {
    response.set_content(NodesJson(source_->Status(), absl::Now()), "application/json");
  });
  server_->Get("/graph.svg", [this](const httplib::Request&, httplib::Response& response) {
    absl::StatusOr<std::string> svg = source_->GraphSvg(source_->Status());
    if (!svg.ok()) return Fail(response, svg.status());
    response.set_content(*std::move(svg), "image/svg+xml");
  });
  server_->Get("/metrics", [this](const httplib::Request&, httplib::Response& response) {
    absl::StatusOr<std::string> metrics = source_->Metrics();
    if (!metrics.ok()) return Fail(response, metrics.status());
    // The version of the text format Prometheus expects from scrape targets.
    response.set_content(*std::move(metrics), "text/plain; version=0.0.4; charset=utf-8");
  });
}

}  // namespace lp::internal
