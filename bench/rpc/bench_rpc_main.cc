// bench_rpc: lp Courier against the best raw gRPC can do, side by side in one run.
//
// Sides (bench/rpc/raw_grpc_echo.h, courier_echo.cc):
//   raw sync      raw gRPC, sync server (a thread per running call); calls in flight are
//                 callback-stub calls whose completions one thread waits for in order,
//                 as a program holding futures does
//   raw callback  raw gRPC, callback server (ServerUnaryReactor) and callback client, each
//                 completion starting the next call: the baseline of the targets
//   raw cb,       the same server and client, but calls in flight waited for in order by
//   waited        one thread, as lp's default side waits for its futures (column and
//                 ratios "cbw"); its other calls are raw callback's, so the rows without
//                 calls in flight show "(as raw callback)" instead of measuring them twice
//   lp            lp Courier through the typed API (LP_COURIER_METHODS, CourierClient<T>);
//                 handlers on the server's handler threads; calls in flight are
//                 lp::Futures waited for in order by one thread
//   lp inline     the same methods registered to run inline (CourierNode::RunInline), and
//   +chained      calls in flight each started from the previous one's Future::OnReady:
//                 lp used as the raw callback side is (column and ratios "lpi"). Since
//                 every call runs on the server thread that took it off gRPC's queue,
//                 run_inline no longer changes the server's speed: the two lp sides
//                 differ by their clients
// So lp/cbw compares lp with raw gRPC used the same way (futures waited for in order on
// the client, a server that takes calls without a thread each): what lp's layers add;
// lp/sync does the same against gRPC's sync server; lp/cb and lpi/cb compare lp with the
// best raw gRPC, the gap issue 13 is to close, and each target is judged for both ways of
// using lp.
//
// Transports: raw gRPC calls its servers over TCP on 127.0.0.1 (the targets' baseline;
// --raw_transport=unix: over a Unix socket). lp's channels call an lp server of the same
// host through the Unix socket it listens on besides its TCP port, as in any lp program
// (docs/courier.md, "Calls between processes of one host"); LP_LOCAL_SOCKETS=0: TCP.
//
// Scenarios, in every placement:
//   sync latency  one caller, blocking calls, a 64-byte string echoed there and back
//   N in flight   N = 1, 16, 64, 256 echoes of 64 bytes always running (calls/s)
// and:
//   transfer      a 1 MiB and a 64 MiB float32 argument (lp: an lp::Tensor moved into the
//                 call; raw: a bytes field); the server returns the element count, so what
//                 is measured is the transfer of the argument (MiB/s; only the calls are
//                 timed, not the preparation of the next argument). Twice: with lp's
//                 same-host path off (CourierChannelOptions::same_host_tensors), so lp's
//                 tensors go through gRPC as raw gRPC's do (one process only), and with it
//                 on, lp's tensors through shared memory (one process and two processes,
//                 unpinned); raw gRPC's rows are the same measurement both times
//   fetch         the same sizes the other way (one process and two processes,
//                 unpinned): a small request, and a float32 tensor back that the server
//                 copies from one it keeps, as an actor fetches a learner's parameters.
//                 Twice: lp's same-host path on (lp: through memory the caller lends,
//                 after the first call), and off (through the socket, as between hosts)
// Next to each figure: CPU time per call, client + server: getrusage(RUSAGE_SELF) of the
// process that runs the client and, when the server has a process of its own, that
// process's, each asked over a pipe (client_process.h, server_process.h). In one process
// that is every thread of the process. Under the echo rows: context switches per call
// (client + server, getrusage), which count the hand-offs from one thread to another that
// a call costs, and calls to malloc per call (client + server, malloc_count.h), which
// count exactly what the noise hides in the CPU.
// Under the transfer rows: page faults per call (client + server, getrusage), since a call
// that touches freshly mapped memory pays tens of microseconds per 4 KiB page here.
//
// Placements (each table states where client and servers ran, as the kernel reports it):
// Every side runs in processes of its own, children of this one (bench_rpc --call=SIDE
// and --serve=SIDE, which die with it), which only starts the measurements and collects
// them. Until 2026-12-07 every side's client ran in this process, and in one-process every
// side's server too: gRPC polls every socket of a process from whichever thread waits in
// any of its queues (epoll1), so gRPC's callback threads (started by raw callback's client)
// and lp's reply thread took part in every other side's calls (docs/performance.md, "Each
// side in processes of its own"; before that, "The one-process placement").
//   one-process         a side's client and server in one process, over sockets on
//                       127.0.0.1, threads unpinned
//   in-process          the same, called through gRPC's in-process transport: what the
//                       nodes of a local_mt program (or of a colocation) do by default
//                       (docs/courier.md, "Calls within one process"); raw gRPC through
//                       grpc::Server::InProcessChannel. The summary prints how much faster
//                       each side is this way than over a socket in one process. Its ratios
//                       are printed, not judged: the targets are for calls over sockets.
//   two-process         a side's server in one process, its client in another, unpinned
//   two-process-pinned  the same with every thread of every process on CPU 0
//
// Each measurement runs for --seconds; rounds rotate which side goes first, to cancel
// drift; one warm-up measurement per side; every figure is the median of the rounds.
// Targets (issue 13), printed with the ratios and summed up at the end: throughput at 16,
// 64 and 256 in flight lp/raw callback >= 1.0; sync latency lp/faster raw <= 1.1;
// transfer lp/faster raw >= 0.9 (1 MiB) and >= 1.0 (64 MiB) through gRPC; the stretch
// target, lp's same-host path >= 2.0x the faster raw side at 64 MiB between two processes,
// for an argument and for a result.
// None of them is a test.
//
// Usage: bench_rpc [--rounds=N] [--seconds=S] [--quick] [--placement=LIST] [--scenarios=LIST]
//   --rounds=N      rounds per figure (default 5)
//   --seconds=S     length of one measurement (default 0.3; at least one call); the
//                   default run takes about 7.5 minutes on 2 cores
//   --quick         --rounds=3 --seconds=0.1 (about 100 s)
//   --placement=    comma-separated subset of one-process,in-process,two-process,
//                   two-process-pinned (default: all four, in that order)
//   --scenarios=    comma-separated subset of echo (latency and in flight), transfer,
//                   fetch (default: all three)
//   --transfer_mib= comma-separated sizes of the transfer scenario in MiB (default 1,64)
//   --fetch_parts=  lp's fetched result as a dict of N tensors of the same total size, as
//                   a learner's parameters by layer (default 1: one tensor)
//   --raw_transport=tcp|unix  how raw gRPC's clients reach its servers (default tcp, the
//                   targets' baseline); unix: a Unix socket, the transport lp's channels
//                   take to a server of the same host, to compare like with like
//   --raw_waited=callback|queue  how raw cb, waited waits for its calls in flight
//                   (default callback: an event its completion callback sets); queue: it
//                   polls the calls' completion queue itself, as gRPC's sync calls wait
// Environment: LP_BENCH_HANDLER_THREADS=N serves the lp side with N handler threads
// (CourierServerOptions::handler_threads; default 16); LP_LOCAL_SOCKETS=0 makes lp's calls
// between the processes of this host go over TCP, as raw gRPC's do by default.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/rpc/client_job.h"
#include "bench/rpc/client_process.h"
#include "bench/rpc/echo_client.h"
#include "bench/rpc/malloc_count.h"
#include "bench/rpc/placement.h"
#include "bench/rpc/raw_grpc_echo.h"
#include "bench/rpc/server_process.h"
#include "src/courier/rpc/local_socket.h"

namespace lp::bench {
namespace {

enum class Placement { kOneProcess, kInProcess, kTwoProcesses, kTwoProcessesPinned };

constexpr std::pair<Placement, std::string_view> kPlacementFlags[] = {
    {Placement::kOneProcess, "one-process"},
    {Placement::kInProcess, "in-process"},
    {Placement::kTwoProcesses, "two-process"},
    {Placement::kTwoProcessesPinned, "two-process-pinned"},
};

std::string_view PlacementFlag(Placement placement) {
  for (const auto& [p, flag] : kPlacementFlags) {
    if (p == placement) return flag;
  }
  return "?";
}

struct Options {
  int rounds = 5;
  absl::Duration slice = absl::Milliseconds(300);
  std::vector<Placement> placements = {Placement::kOneProcess, Placement::kInProcess,
                                       Placement::kTwoProcesses,
                                       Placement::kTwoProcessesPinned};
  bool echo = true;
  bool transfer = true;
  bool fetch = true;
  std::vector<size_t> transfer_mib = {1, 64};
  int fetch_parts = 1;
  // The echo rows with calls in flight; sync latency is always measured.
  std::vector<int> in_flight = {1, 16, 64, 256};
  // Raw gRPC's servers and clients over a Unix socket instead of TCP (the transport lp's
  // channels choose for a server of the same host), to compare like with like.
  bool raw_unix = false;
  // raw cb, waited: its calls in flight through the async stub and a completion queue that
  // the waiting thread polls (SetWaitedThroughQueue).
  bool raw_waited_queue = false;
};

constexpr const char* kUsage =
    "usage: bench_rpc [--rounds=N] [--seconds=S] [--quick] "
    "[--placement=one-process,in-process,two-process,two-process-pinned] "
    "[--scenarios=echo,transfer,fetch] "
    "[--transfer_mib=1,64] [--fetch_parts=N] [--in_flight=1,16,64,256] "
    "[--raw_transport=tcp|unix] [--raw_waited=callback|queue]";

// The names in a comma-separated list.
std::vector<std::string_view> SplitList(std::string_view list) {
  std::vector<std::string_view> names;
  for (std::string_view rest = list; !rest.empty();) {
    const size_t comma = std::min(rest.find(','), rest.size());
    names.push_back(rest.substr(0, comma));
    rest.remove_prefix(std::min(comma + 1, rest.size()));
  }
  return names;
}

[[noreturn]] void Usage(const std::string& problem) {
  std::fprintf(stderr, "bench_rpc: %s\n%s\n", problem.c_str(), kUsage);
  std::exit(2);
}

Options ParseOptions(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto value_of = [&](std::string_view name) -> std::optional<std::string_view> {
      if (arg.substr(0, name.size()) != name) return std::nullopt;
      return arg.substr(name.size());
    };
    if (auto v = value_of("--rounds=")) {
      options.rounds = std::max(1, std::atoi(std::string(*v).c_str()));
    } else if (auto v = value_of("--seconds=")) {
      options.slice = absl::Seconds(std::max(0.01, std::atof(std::string(*v).c_str())));
    } else if (arg == "--quick") {
      options.rounds = 3;
      options.slice = absl::Milliseconds(100);
    } else if (auto v = value_of("--placement=")) {
      options.placements.clear();
      for (std::string_view name : SplitList(*v)) {
        auto known = std::find_if(std::begin(kPlacementFlags), std::end(kPlacementFlags),
                                  [&](const auto& entry) { return entry.second == name; });
        if (known == std::end(kPlacementFlags)) Usage("unknown placement " + std::string(name));
        options.placements.push_back(known->first);
      }
    } else if (auto v = value_of("--scenarios=")) {
      options.echo = options.transfer = options.fetch = false;
      for (std::string_view name : SplitList(*v)) {
        if (name == "echo") {
          options.echo = true;
        } else if (name == "transfer") {
          options.transfer = true;
        } else if (name == "fetch") {
          options.fetch = true;
        } else {
          Usage("unknown scenario " + std::string(name));
        }
      }
    } else if (auto v = value_of("--fetch_parts=")) {
      if (!absl::SimpleAtoi(absl::string_view(v->data(), v->size()), &options.fetch_parts) ||
          options.fetch_parts < 1) {
        Usage("bad --fetch_parts: " + std::string(*v));
      }
    } else if (auto v = value_of("--transfer_mib=")) {
      options.transfer_mib.clear();
      for (std::string_view mib : SplitList(*v)) {
        const int value = std::atoi(std::string(mib).c_str());
        if (value <= 0) Usage("bad size in --transfer_mib: " + std::string(mib));
        options.transfer_mib.push_back(static_cast<size_t>(value));
      }
    } else if (auto v = value_of("--in_flight=")) {
      options.in_flight.clear();
      for (std::string_view count : SplitList(*v)) {
        const int value = std::atoi(std::string(count).c_str());
        if (value <= 0) Usage("bad count in --in_flight: " + std::string(count));
        options.in_flight.push_back(value);
      }
    } else if (auto v = value_of("--raw_transport=")) {
      if (*v != "tcp" && *v != "unix") Usage("bad --raw_transport: " + std::string(*v));
      options.raw_unix = *v == "unix";
    } else if (auto v = value_of("--raw_waited=")) {
      if (*v != "callback" && *v != "queue") Usage("bad --raw_waited: " + std::string(*v));
      options.raw_waited_queue = *v == "queue";
    } else {
      Usage("unknown argument " + std::string(arg));
    }
  }
  return options;
}

// One side under test: its client in a process of its own, with its server (one-process
// and in-process placements) or calling a server in another process of its own
// (two-process placements). Used by one thread.
class Endpoint {
 public:
  // The processes start here and end with the Endpoint.
  Endpoint(Side side, Placement placement, bool raw_waited_queue) : side_(side) {
    if (placement == Placement::kTwoProcesses || placement == Placement::kTwoProcessesPinned) {
      server_child_ = std::make_unique<ServerProcess>(side);
      client_child_ = std::make_unique<ClientProcess>(
          side, ServerOf{.port = server_child_->port()}, raw_waited_queue);
    } else {
      const Transport here =
          placement == Placement::kInProcess ? Transport::kInProcess : Transport::kTcp;
      client_child_ =
          std::make_unique<ClientProcess>(side, ServerOf{.here = here}, raw_waited_queue);
    }
  }

  Side side() const { return side_; }
  // Null when the server runs in the client's process.
  const ServerProcess* server_child() const { return server_child_.get(); }
  const ClientProcess& client_child() const { return *client_child_; }

  // Changes the client's settings.
  void Configure(absl::FunctionRef<void(ClientSettings&)> change) {
    change(settings_);
    client_child_->Apply(settings_);
  }

  // Runs `job` on the client. Returns what the client did and its process used;
  // `server_used` gets what a server in a process of its own used meanwhile, or zeros: a
  // server in the client's process is counted in the client's usage.
  ClientRun Run(const ClientJob& job, ProcessUsage& server_used) {
    const ProcessUsage before = server_child_ ? server_child_->UsageSoFar() : ProcessUsage();
    const ClientRun run = client_child_->Run(job);
    server_used = server_child_ ? server_child_->UsageSoFar() - before : ProcessUsage();
    return run;
  }

 private:
  Side side_;
  ClientSettings settings_;
  std::unique_ptr<ServerProcess> server_child_;
  std::unique_ptr<ClientProcess> client_child_;  // declared last: gone before its server
};

// A figure (µs/call, calls/s or MiB/s) and what it cost per call.
struct Figures {
  double value = 0;
  double client_cpu_us = 0;
  double server_cpu_us = 0;
  double page_faults = 0;  // client + server; shown for transfers
  double client_switches = 0;  // context switches; shown for echoes
  double server_switches = 0;
  double client_mallocs = 0;  // calls to malloc (malloc_count.h); shown for echoes
  double server_mallocs = 0;
  // Not measured: raw callback's figures, since the side makes the very same calls here.
  bool as_raw_callback = false;
  double cpu_us() const { return client_cpu_us + server_cpu_us; }
};

// Runs `job` on `side`'s client; `value` makes the figure of the run.
Figures Measure(Endpoint& side, const ClientJob& job,
                absl::FunctionRef<double(const ClientRun&)> value) {
  ProcessUsage server;
  const ClientRun run = side.Run(job, server);
  const ProcessUsage& client = run.used;
  const double n = static_cast<double>(run.calls);
  return {.value = value(run),
          .client_cpu_us = client.cpu_seconds * 1e6 / n,
          .server_cpu_us = server.cpu_seconds * 1e6 / n,
          .page_faults = (client.page_faults + server.page_faults) / n,
          .client_switches = client.context_switches / n,
          .server_switches = server.context_switches / n,
          .client_mallocs = client.mallocs / n,
          .server_mallocs = server.mallocs / n};
}

// µs per call, blocking, one caller.
Figures TimeLatency(Endpoint& side, absl::Duration slice) {
  return Measure(side, {.kind = ClientJob::Kind::kLatency, .slice = slice},
                 [](const ClientRun& run) {
                   return absl::ToDoubleMicroseconds(run.timed) / static_cast<double>(run.calls);
                 });
}

// Calls per second with `in_flight` calls running.
Figures TimeInFlight(Endpoint& side, absl::Duration slice, int in_flight) {
  return Measure(side,
                 {.kind = ClientJob::Kind::kInFlight, .slice = slice, .in_flight = in_flight},
                 [](const ClientRun& run) {
                   return static_cast<double>(run.calls) / absl::ToDoubleSeconds(run.timed);
                 });
}

// Which way a transfer's tensor goes.
enum class Direction { kArgument, kResult };

// MiB/s of argument or result transfer; only the calls are timed and their CPU counted.
Figures TimeTransfers(Endpoint& side, absl::Duration slice, size_t bytes, Direction direction) {
  const ClientJob::Kind kind =
      direction == Direction::kArgument ? ClientJob::Kind::kTransfer : ClientJob::Kind::kFetch;
  return Measure(side, {.kind = kind, .slice = slice}, [bytes](const ClientRun& run) {
    return static_cast<double>(bytes) * static_cast<double>(run.calls) /
           absl::ToDoubleSeconds(run.timed) / (1 << 20);
  });
}

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

using Results = std::map<Side, Figures>;

// Whether a scenario keeps calls in flight: only then does the raw side that waits for
// them in order differ from raw callback (the same server, the same blocking calls).
enum class InFlight { kNo, kYes };

// Runs `measure` on every side for `rounds` rounds, after one warm-up each; the side that
// goes first rotates from round to round. Returns each side's medians. Without calls in
// flight, raw cb, waited is not measured again: it gets raw callback's figures.
template <typename Measure>
Results Compare(std::vector<Endpoint>& sides, int rounds, InFlight in_flight, Measure measure) {
  auto measured = [in_flight](const Endpoint& side) {
    return in_flight == InFlight::kYes || side.side() != Side::kRawCallbackWaited;
  };
  for (Endpoint& side : sides) {
    if (measured(side)) measure(side);  // the warm-up
  }
  std::map<Side, std::vector<Figures>> samples;
  for (int round = 0; round < rounds; ++round) {
    for (size_t i = 0; i < sides.size(); ++i) {
      Endpoint& side = sides[(round + i) % sides.size()];
      if (measured(side)) samples[side.side()].push_back(measure(side));
    }
  }
  Results medians;
  for (const auto& [side, figures] : samples) {
    // Each column's own median.
    auto median_of = [&figures](double Figures::*column) {
      std::vector<double> values;
      for (const Figures& f : figures) values.push_back(f.*column);
      return Median(values);
    };
    medians[side] = {.value = median_of(&Figures::value),
                     .client_cpu_us = median_of(&Figures::client_cpu_us),
                     .server_cpu_us = median_of(&Figures::server_cpu_us),
                     .page_faults = median_of(&Figures::page_faults),
                     .client_switches = median_of(&Figures::client_switches),
                     .server_switches = median_of(&Figures::server_switches),
                     .client_mallocs = median_of(&Figures::client_mallocs),
                     .server_mallocs = median_of(&Figures::server_mallocs)};
  }
  if (in_flight == InFlight::kNo) {
    medians[Side::kRawCallbackWaited] = medians.at(Side::kRawCallback);
    medians[Side::kRawCallbackWaited].as_raw_callback = true;
  }
  return medians;
}

// What a row is judged by. The ratio is lp over `against`: lp/raw callback for
// throughput, lp over the faster raw side for latency and transfer.
struct Target {
  enum class Against { kNone, kRawCallback, kFasterRaw };
  Against against = Against::kNone;
  bool at_most = false;  // latency: lower is better
  double bound = 0;
};

struct Verdict {
  std::string placement;
  std::string scenario;
  std::string lp;  // which way lp was used
  std::string target;
  double ratio;
  bool met;
};

// The two ways lp is measured (courier_echo.h), each judged against the targets.
constexpr Side kLpSides[] = {Side::kCourier, Side::kCourierInline};

class Report {
 public:
  void Header(const char* unit_note) {
    std::printf("%-24s", "");
    for (Side side : kAllSides) std::printf(" | %-27s", std::string(SideTitle(side)).c_str());
    std::printf(" |\n%-24s", unit_note);
    for (size_t i = 0; i < std::size(kAllSides); ++i) {
      std::printf(" | %9s %17s", "value", "cpu us/call");
    }
    std::printf(" | %7s %7s %10s %7s %9s %7s %9s | %s\n", "lp/sync", "lp/cbw", "cpu lp/cbw",
                "lp/cb", "cpu lp/cb", "lpi/cb", "cpu lpi/cb", "target (lp; lp inline)");
  }

  void Row(const std::string& placement, const std::string& scenario, const Results& r,
           const Target& target) {
    for (Side side : kAllSides) values_[{placement, scenario, side}] = r.at(side).value;
    std::printf("%-24s", scenario.c_str());
    for (Side side : kAllSides) {
      const Figures& f = r.at(side);
      if (f.as_raw_callback) {
        std::printf(" | %27s", kAsRawCallback);
        continue;
      }
      std::printf(" | %9.*f %17s", f.value < 1000 ? 1 : 0, f.value, CpuCell(f).c_str());
    }
    const Figures& sync = r.at(Side::kRawSync);
    const Figures& cb = r.at(Side::kRawCallback);
    const Figures& cbw = r.at(Side::kRawCallbackWaited);
    const Figures& lp = r.at(Side::kCourier);
    const Figures& lpi = r.at(Side::kCourierInline);
    std::printf(" | %7.3f %7.3f %10.3f %7.3f %9.3f %7.3f %9.3f | ", lp.value / sync.value,
                lp.value / cbw.value, lp.cpu_us() / cbw.cpu_us(), lp.value / cb.value,
                lp.cpu_us() / cb.cpu_us(), lpi.value / cb.value, lpi.cpu_us() / cb.cpu_us());
    // The targets were set for calls through sockets; the in-process placement's
    // ratios inform (how lp's own work weighs once the transport costs almost nothing),
    // and are not judged.
    if (target.against == Target::Against::kNone || placement == "in-process") {
      std::printf("-\n");
      return;
    }
    const Figures* base = &cb;
    if (target.against == Target::Against::kFasterRaw) {
      const bool sync_faster = target.at_most ? sync.value < cb.value : sync.value > cb.value;
      base = sync_faster ? &sync : &cb;
    }
    const std::string text = absl::StrFormat("lp/%s %s %.1f", base == &cb ? "cb" : "sync",
                                             target.at_most ? "<=" : ">=", target.bound);
    std::printf("%s:", text.c_str());
    for (Side side : kLpSides) {
      const double ratio = r.at(side).value / base->value;
      const bool met = target.at_most ? ratio <= target.bound : ratio >= target.bound;
      std::printf(" %s", met ? "met" : "not met");
      verdicts_.push_back({placement, scenario, std::string(SideTitle(side)), text, ratio, met});
    }
    std::printf("\n");
  }

  // Page faults per call of each side, under the row of the same results.
  void FaultsRow(const Results& r) {
    std::printf("%-24s", "  page faults per call");
    for (Side side : kAllSides) {
      const Figures& f = r.at(side);
      if (f.as_raw_callback) {
        std::printf(" | %27s", kAsRawCallback);
      } else {
        std::printf(" | %27.1f", f.page_faults);
      }
    }
    std::printf(" |\n");
  }

  // Context switches and calls to malloc per call of each side, under the row of the
  // same results: in one process the total, with the server apart "total=client+server".
  void CostRows(const Results& r) {
    CostRow(r, "  switches per call", &Figures::client_switches, &Figures::server_switches);
    if (MallocsCounted()) {
      CostRow(r, "  mallocs per call", &Figures::client_mallocs, &Figures::server_mallocs);
    }
  }

  void CostRow(const Results& r, const char* label, double Figures::*client,
               double Figures::*server) {
    std::printf("%-24s", label);
    for (Side side : kAllSides) {
      const Figures& f = r.at(side);
      std::string cell;
      if (f.as_raw_callback) {
        cell = kAsRawCallback;
      } else if (f.*server == 0) {
        cell = absl::StrFormat("%.2f", f.*client);
      } else {
        cell = absl::StrFormat("%.2f=%.2f+%.2f", f.*client + f.*server, f.*client, f.*server);
      }
      std::printf(" | %27s", cell.c_str());
    }
    std::printf(" |\n");
  }

  // For every row measured both over a socket in one process (TCP; lp's sides: its Unix
  // socket unless LP_LOCAL_SOCKETS=0) and through the in-process transport: how many times
  // faster each side was in process (latency: the socket's over in process's; rates: in
  // process's over the socket's).
  void InProcessSpeedups() const {
    bool header = false;
    for (const auto& [key, in_process] : values_) {
      const auto& [placement, scenario, side] = key;
      if (placement != "in-process" || side != Side::kRawSync) continue;
      if (!values_.contains({"one-process", scenario, side})) continue;
      if (!header) {
        std::printf("\nIn process over a socket, one process (times faster through gRPC's "
                    "in-process transport)\n%-24s", "scenario");
        for (Side s : kAllSides) std::printf(" %18s", std::string(SideTitle(s)).c_str());
        std::printf("\n");
        header = true;
      }
      std::printf("%-24s", scenario.c_str());
      const bool latency = scenario.find("(us)") != std::string::npos;
      for (Side s : kAllSides) {
        const double tcp = values_.at({"one-process", scenario, s});
        const double in = values_.at({"in-process", scenario, s});
        std::printf(" %18.2f", latency ? tcp / in : in / tcp);
      }
      std::printf("\n");
    }
  }

  void Summary() const {
    InProcessSpeedups();
    if (verdicts_.empty()) return;
    std::printf("\nTargets (issue 13)\n%-20s %-24s %-18s %-16s %7s\n", "placement",
                "scenario", "lp", "target", "ratio");
    std::map<std::string, std::pair<int, int>> met_of;  // lp way -> (met, judged)
    for (const Verdict& v : verdicts_) {
      std::printf("%-20s %-24s %-18s %-16s %7.3f  %s\n", v.placement.c_str(),
                  v.scenario.c_str(), v.lp.c_str(), v.target.c_str(), v.ratio,
                  v.met ? "met" : "not met");
      met_of[v.lp].first += v.met ? 1 : 0;
      ++met_of[v.lp].second;
    }
    for (const auto& [lp, counts] : met_of) {
      std::printf("%s: %d of %d targets met.\n", lp.c_str(), counts.first, counts.second);
    }
  }

 private:
  // The cell of a side not measured in the row (Figures::as_raw_callback).
  static constexpr const char* kAsRawCallback = "(as raw callback)";

  // In one process the total; with the server apart "total=client+server".
  static std::string CpuCell(const Figures& f) {
    if (f.server_cpu_us == 0) return absl::StrFormat("%.1f", f.cpu_us());
    return absl::StrFormat("%.1f=%.1f+%.1f", f.cpu_us(), f.client_cpu_us, f.server_cpu_us);
  }

  std::vector<Verdict> verdicts_;
  // Every figure printed, by placement, scenario and side.
  std::map<std::tuple<std::string, std::string, Side>, double> values_;
};

void PrintPlacement(Placement placement, const std::vector<Endpoint>& sides) {
  std::printf("\n== %s ==\n", std::string(PlacementFlag(placement)).c_str());
  const bool pinned = placement == Placement::kTwoProcessesPinned;
  const char* where = placement == Placement::kOneProcess
                          ? "a side's client and server in one process of its own, called over "
                            "a socket on 127.0.0.1"
                      : placement == Placement::kInProcess
                          ? "a side's client and server in one process of its own, called "
                            "through gRPC's in-process transport (no socket)"
                          : "a side's server in a process of its own, its client in another";
  std::printf("%s; %s (threads as each process reported once it was up)\n", where,
              pinned ? "every thread pinned to CPU 0 (sched_setaffinity)" : "unpinned");
  for (const Endpoint& side : sides) {
    std::printf("%-18s:", std::string(SideTitle(side.side())).c_str());
    if (side.server_child() != nullptr) {
      std::printf(" server pid %d, %s;", side.server_child()->pid(),
                  side.server_child()->placement().c_str());
    }
    std::printf(" client pid %d, %s\n", side.client_child().pid(),
                side.client_child().placement().c_str());
  }
}

// The echo scenarios: sync latency and calls in flight.
void RunEcho(const std::string& name, const Options& options, std::vector<Endpoint>& sides,
             Report& report) {
  const absl::Duration slice = options.slice;
  report.Header("64 B echo");
  for (Endpoint& side : sides) side.Configure([](ClientSettings& c) { c.echo_bytes = 64; });
  const Results latency = Compare(sides, options.rounds, InFlight::kNo,
                                  [&](Endpoint& s) { return TimeLatency(s, slice); });
  report.Row(name, "sync latency (us)", latency,
             {Target::Against::kFasterRaw, /*at_most=*/true, 1.1});
  report.CostRows(latency);
  for (int in_flight : options.in_flight) {
    const Results results = Compare(sides, options.rounds, InFlight::kYes, [&](Endpoint& s) {
      return TimeInFlight(s, slice, in_flight);
    });
    Target target;
    if (in_flight > 1) target = {Target::Against::kRawCallback, /*at_most=*/false, 1.0};
    report.Row(name, absl::StrFormat("%d in flight (calls/s)", in_flight), results, target);
    report.CostRows(results);
  }
  std::printf("\n");
}

// The transfer scenarios: a 1 MiB and a 64 MiB argument. Through gRPC (lp's same-host
// path off), in one process, for issue 13's targets: >= 0.9x the faster raw side at
// 1 MiB, >= 1.0x at 64 MiB. And through lp's same-host path (shared memory), in one
// process and in two, for its stretch target: >= 2x the faster raw side at 64 MiB between
// two processes of one machine; results the same way. Results through gRPC have none.
Target TransferTarget(size_t mib, bool same_host, Placement placement, Direction direction) {
  if (direction == Direction::kResult && !same_host) return {};
  if (same_host) {
    if (mib == 64 && placement == Placement::kTwoProcesses) {
      return {Target::Against::kFasterRaw, /*at_most=*/false, 2.0};
    }
    return {};
  }
  if (mib == 1) return {Target::Against::kFasterRaw, /*at_most=*/false, 0.9};
  if (mib == 64) return {Target::Against::kFasterRaw, /*at_most=*/false, 1.0};
  return {};
}

void RunTransfer(Placement placement, const Options& options, std::vector<Endpoint>& sides,
                 bool same_host, Direction direction, Report& report) {
  const std::string name(PlacementFlag(placement));
  const absl::Duration slice = options.slice;
  const bool result = direction == Direction::kResult;
  report.Header(result ? (same_host ? "result, same-host" : "float32 result")
                       : (same_host ? "float32 arg., same-host" : "float32 argument"));
  for (size_t mib : options.transfer_mib) {
    const size_t bytes = mib << 20;
    for (Endpoint& side : sides) {
      side.Configure([&](ClientSettings& c) {
        c.same_host = same_host;
        c.transfer_bytes = bytes;
        c.fetch_parts = options.fetch_parts;
      });
    }
    const Results results = Compare(sides, options.rounds, InFlight::kNo, [&](Endpoint& s) {
      return TimeTransfers(s, slice, bytes, direction);
    });
    report.Row(name,
               absl::StrFormat(result      ? "%d MiB result (MiB/s)"
                               : same_host ? "%d MiB same-host (MiB/s)"
                                           : "%d MiB (MiB/s)",
                               mib),
               results, TransferTarget(mib, same_host, placement, direction));
    report.FaultsRow(results);
  }
  if (result && options.fetch_parts > 1) {
    std::printf("(lp's result: a dict of %d tensors of the same total size; raw gRPC's one "
                "bytes field)\n", options.fetch_parts);
  }
  if (result) {
    std::printf(same_host ? "(fetch: an 8-byte request, the tensor back; lp's through memory "
                            "the caller lends, raw gRPC's through the socket)\n"
                          : "(fetch: an 8-byte request, the tensor back; lp's same-host path "
                            "off, so both through the socket, as between hosts)\n");
  } else {
    std::printf(same_host ? "(transfer: lp's tensor through shared memory, raw gRPC's through "
                            "the socket; an 8-byte reply)\n"
                          : "(transfer: the argument one way, an 8-byte reply; CPU per call = "
                            "per transfer; lp's same-host path off)\n");
  }
}

void RunPlacement(Placement placement, const Options& options, Report& report) {
  // Pinned before the servers start: they inherit CPU 0 from the thread that forks them.
  std::optional<ThreadsPinnedToCpu0> pinned;
  if (placement == Placement::kTwoProcessesPinned) pinned.emplace();
  std::vector<Endpoint> sides;
  sides.reserve(std::size(kAllSides));
  const bool one_process =
      placement == Placement::kOneProcess || placement == Placement::kInProcess;
  for (Side side : kAllSides) sides.emplace_back(side, placement, options.raw_waited_queue);
  // In process, lp's same-host path is off (there is no copy for it to save): its rows
  // would repeat the others.
  const bool same_host_rows = placement != Placement::kInProcess &&
                              placement != Placement::kTwoProcessesPinned;

  PrintPlacement(placement, sides);
  const std::string name(PlacementFlag(placement));
  if (options.echo) RunEcho(name, options, sides, report);
  if (options.transfer && one_process) {
    RunTransfer(placement, options, sides, /*same_host=*/false, Direction::kArgument, report);
  }
  if (options.transfer && same_host_rows) {
    RunTransfer(placement, options, sides, /*same_host=*/true, Direction::kArgument, report);
  }
  if (options.fetch && same_host_rows) {
    RunTransfer(placement, options, sides, /*same_host=*/true, Direction::kResult, report);
  }
  if (options.fetch && placement != Placement::kTwoProcessesPinned) {
    RunTransfer(placement, options, sides, /*same_host=*/false, Direction::kResult, report);
  }
}

std::string FirstLineWith(const char* path, const char* prefix) {
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(prefix, 0) == 0) return line;
  }
  return "";
}

std::string CpuModel() {
  std::string line = FirstLineWith("/proc/cpuinfo", "model name");
  const size_t colon = line.find(':');
  return colon == std::string::npos ? "unknown CPU" : line.substr(colon + 2);
}

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

int Main(int argc, char** argv) {
  // For every side, servers in child processes too: lp turns Abseil's lock-order checks
  // off when it initializes gRPC (src/courier/rpc/grpc_library.cc); a raw gRPC program on
  // Debian's Abseil can and should do the same, so the baselines get it as well.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  if (argc == 2 && std::strncmp(argv[1], "--serve=", 8) == 0) {
    const std::optional<Side> side = ParseSide(argv[1] + 8);
    if (!side) Usage(std::string("unknown side in ") + argv[1]);
    return ServeUntilStdinCloses(*side);
  }
  if (argc >= 2 && std::strncmp(argv[1], "--call=", 7) == 0) {
    const std::optional<Side> side = ParseSide(argv[1] + 7);
    if (!side) Usage(std::string("unknown side in ") + argv[1]);
    return CallUntilStdinCloses(*side, argc - 2, argv + 2);
  }
  const Options options = ParseOptions(argc, argv);
  // A server child that died must show as an error, not kill us on the next write.
  signal(SIGPIPE, SIG_IGN);

  // The servers in child processes learn it from the environment (RawOverUnixSocket).
  if (options.raw_unix) setenv(kRawUnixEnv, "1", 1);
  std::printf("bench_rpc: lp Courier (typed API) vs raw gRPC unary calls (generated code,\n");
  std::printf("sync server; callback server + callback client), gRPC from the system packages.\n");
  std::printf("Servers listen on 127.0.0.1 (in-process: no socket). Raw gRPC's calls go over %s;\n",
              options.raw_unix ? "a Unix socket (--raw_transport=unix)" : "TCP");
  std::printf("lp's over %s. %u hardware threads (%s);\n",
              rpc::LocalSocketsEnabled()
                  ? "the Unix socket an lp server of this host listens on (LP_LOCAL_SOCKETS=0: TCP)"
                  : "TCP (LP_LOCAL_SOCKETS=0)",
              std::thread::hardware_concurrency(), CpuModel().c_str());
  SetWaitedThroughQueue(options.raw_waited_queue);
  if (options.raw_waited_queue) {
    std::printf("raw cb, waited: calls in flight through the async stub and a completion queue\n"
                "that the waiting thread polls itself (--raw_waited=queue).\n");
  }
  std::printf("load average at start %s.\n", LoadAverage().c_str());
  std::printf("Median of %d rotating rounds of %.2f s per figure. value: us/call, calls/s or\n",
              options.rounds, absl::ToDoubleSeconds(options.slice));
  std::printf("MiB/s as the row says; cpu us/call: client + server CPU time per call.\n");

  const absl::Time start = absl::Now();
  Report report;
  for (Placement placement : options.placements) RunPlacement(placement, options, report);
  report.Summary();
  std::printf("\nTook %.0f s; load average at the end %s.\n",
              absl::ToDoubleSeconds(absl::Now() - start), LoadAverage().c_str());
  return 0;
}

}  // namespace
}  // namespace lp::bench

int main(int argc, char** argv) { return lp::bench::Main(argc, argv); }
