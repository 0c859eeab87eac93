#include "bench/rpc/echo_client.h"

#include <cstdlib>
#include <deque>
#include <map>
#include <mutex>

#include "absl/time/clock.h"
#include "bench/rpc/courier_echo.h"
#include "bench/rpc/raw_grpc_echo.h"

namespace lp::bench {
namespace {

struct SideNames {
  Side side;
  std::string_view flag;
  std::string_view title;
};

constexpr SideNames kSideNames[] = {
    {Side::kCourier, "lp", "lp Courier"},
    {Side::kCourierInline, "lp-inline", "lp inline+chained"},
    {Side::kRawSync, "raw-sync", "raw sync"},
    {Side::kRawCallback, "raw-callback", "raw callback"},
    {Side::kRawCallbackWaited, "raw-callback-waited", "raw cb, waited"},
};

const SideNames& NamesOf(Side side) {
  for (const SideNames& names : kSideNames) {
    if (names.side == side) return names;
  }
  std::abort();  // every Side is in kSideNames
}

}  // namespace

const std::string& KeptParameters(size_t bytes) {
  static std::mutex mu;
  static auto* kept = new std::map<size_t, std::string>;  // guarded by mu; never freed
  std::lock_guard lock(mu);
  auto [it, added] = kept->try_emplace(bytes);
  if (added) it->second.assign(bytes, '\0');
  return it->second;  // map nodes stay where they are
}

std::string_view SideFlag(Side side) { return NamesOf(side).flag; }
std::string_view SideTitle(Side side) { return NamesOf(side).title; }

std::optional<Side> ParseSide(std::string_view flag) {
  for (const SideNames& names : kSideNames) {
    if (names.flag == flag) return names.side;
  }
  return std::nullopt;
}

std::unique_ptr<EchoServer> StartEchoServer(Side side) {
  switch (side) {
    case Side::kCourier:
      return StartCourierEchoServer(CourierUse::kDefault);
    case Side::kCourierInline:
      return StartCourierEchoServer(CourierUse::kInline);
    case Side::kRawSync:
      return StartRawGrpcEchoServer(RawApi::kSync);
    case Side::kRawCallback:
      return StartRawGrpcEchoServer(RawApi::kCallback);
    case Side::kRawCallbackWaited:
      return StartRawGrpcEchoServer(RawApi::kCallbackWaited);
  }
  return nullptr;
}

std::unique_ptr<EchoClient> ConnectEchoClient(Side side, int port, Transport transport) {
  switch (side) {
    case Side::kCourier:
      return ConnectCourierEcho(port, CourierUse::kDefault, transport);
    case Side::kCourierInline:
      return ConnectCourierEcho(port, CourierUse::kInline, transport);
    case Side::kRawSync:
      return ConnectRawGrpcEcho(port, RawApi::kSync, transport);
    case Side::kRawCallback:
      return ConnectRawGrpcEcho(port, RawApi::kCallback, transport);
    case Side::kRawCallbackWaited:
      return ConnectRawGrpcEcho(port, RawApi::kCallbackWaited, transport);
  }
  return nullptr;
}

int64_t KeepInFlightByWaiting(int in_flight, absl::Time until,
                              absl::FunctionRef<std::unique_ptr<PendingEcho>()> start) {
  std::deque<std::unique_ptr<PendingEcho>> running;
  int64_t completed = 0;
  for (int i = 0; i < in_flight; ++i) running.push_back(start());
  while (!running.empty()) {
    running.front()->Wait();
    running.pop_front();
    ++completed;
    if (absl::Now() < until) running.push_back(start());
  }
  return completed;
}

}  // namespace lp::bench
