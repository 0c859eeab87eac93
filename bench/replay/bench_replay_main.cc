// bench_replay: the replay node's Insert and Sample against Courier calls that move the
// same payload, side by side in one run (issue 15: the table should cost little next to
// the RPC, target >= 0.8x the echo).
//
// One program under local_mt in this process: a ReplayNode and a CourierNode<Baseline>,
// called over TCP on 127.0.0.1 by 1, 4 or 16 client threads (copies of one client, so
// one connection, as the nodes of a program share one), each making blocking calls in a
// loop. Items are float32 lp::Tensors of 1 KiB (256 floats) or 1 MiB; a call carries 1
// or 64 of them. Figures are items per second (calls/s x batch).
//
//   insert   ReplayClient::Insert (batch 1) / InsertBatch (64) into a uniform table,
//            filled to its max_size before (10^4 items of 1 KiB, 64 of 1 MiB), so that
//            each insert evicts the oldest item (MinSize(1): inserts never wait)
//   sample   ReplayClient::Sample<lp::Tensor>(table, batch) from a table prefilled with
//            the items (uniform, never removed)
//   echo     Baseline::Echo: the items there and back (the target's baseline)
//   one-way  Baseline::Consume (items in, their count back) next to insert;
//            Baseline::Produce (a count in, copies of stored items back) next to sample:
//            the same transfer as the replay call, a stricter baseline
//
// Each figure is the median of --rounds measurements of --seconds; the sides alternate
// which goes first. Printed per row: both figures, replay/echo, replay/one-way, and
// whether replay/echo >= 0.8. Not a test; run on a quiet machine and print `uptime`.
//
// Usage: bench_replay [--rounds=N] [--seconds=S] [--quick] [--clients=1,4,16]
//                     [--max_mib_in_flight=M]  (skips rows needing more payload in flight)
//                     [--only=TEXT]  (rows whose "op/item/batch", e.g. "insert/1KiB/64",
//                                     contains TEXT)

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "lp/lp.h"
#include "lp/replay.h"

namespace lp::bench {
namespace {

class Baseline {
 public:
  explicit Baseline(int64_t item_floats_1k, int64_t item_floats_1m)
      : small_(std::vector<float>(static_cast<size_t>(item_floats_1k), 1.0f)),
        large_(std::vector<float>(static_cast<size_t>(item_floats_1m), 1.0f)) {}

  std::vector<Tensor> Echo(std::vector<Tensor> items) { return items; }
  int64_t Consume(std::vector<Tensor> items) { return static_cast<int64_t>(items.size()); }
  // `count` copies of the stored item of `floats` floats, as Sample copies stored items.
  std::vector<Tensor> Produce(int64_t count, int64_t floats) {
    const Tensor& item = floats == small_.NumElements() ? small_ : large_;
    return std::vector<Tensor>(static_cast<size_t>(count), item);
  }

 private:
  const Tensor small_;
  const Tensor large_;
};
LP_COURIER_METHODS(Baseline, Echo, Consume, Produce);

struct Options {
  int rounds = 3;
  absl::Duration slice = absl::Milliseconds(500);
  std::vector<int> clients = {1, 4, 16};
  int64_t max_mib_in_flight = 1024;
  std::string only;  // rows whose "op/item/batch" (e.g. "insert/1KiB/64") contains this
};

Options ParseOptions(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto value = [&](std::string_view name) -> std::string {
      return arg.substr(0, name.size()) == name ? std::string(arg.substr(name.size())) : "";
    };
    double seconds = 0;
    if (arg == "--quick") {
      options.rounds = 1;
      options.slice = absl::Milliseconds(200);
    } else if (!value("--rounds=").empty()) {
      options.rounds = std::max(1, std::atoi(value("--rounds=").c_str()));
    } else if (absl::SimpleAtod(value("--seconds="), &seconds)) {
      options.slice = absl::Seconds(seconds);
    } else if (!value("--clients=").empty()) {
      options.clients.clear();
      const std::vector<std::string> counts = absl::StrSplit(value("--clients="), ',');
      for (const std::string& n : counts) options.clients.push_back(std::atoi(n.c_str()));
    } else if (!value("--only=").empty()) {
      options.only = value("--only=");
    } else if (!value("--max_mib_in_flight=").empty()) {
      options.max_mib_in_flight = std::atoll(value("--max_mib_in_flight=").c_str());
    } else {
      std::fprintf(stderr, "bench_replay: unknown argument %s (see the file comment)\n", argv[i]);
      std::exit(2);
    }
  }
  return options;
}

// Runs `call` (one call of `batch` items) in a loop on `clients` threads for `slice`;
// items per second.
double Measure(int clients, int batch, absl::Duration slice, const std::function<void()>& call) {
  std::atomic<bool> go{false}, done{false};
  std::atomic<int64_t> calls{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < clients; ++i) {
    threads.emplace_back([&] {
      while (!go.load()) std::this_thread::yield();
      int64_t mine = 0;
      try {
        while (!done.load(std::memory_order_relaxed)) {
          call();
          ++mine;
        }
      } catch (const ProgramStoppedError&) {
        // Interrupted (Ctrl-C): the figure is wrong anyway, the process ends below.
      }
      calls += mine;
    });
  }
  const absl::Time start = absl::Now();
  go = true;
  absl::SleepFor(slice);
  done = true;
  for (std::thread& thread : threads) thread.join();
  // Calls that ended after the slice are counted over the time they took.
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  return static_cast<double>(calls.load()) * batch / seconds;
}

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

struct Row {
  const char* op;
  int64_t floats;
  int batch;
};

}  // namespace

int Main(int argc, char** argv) {
  const Options options = ParseOptions(argc, argv);
  constexpr int64_t kSmall = 256;        // 1 KiB of float32
  constexpr int64_t kLarge = 256 * 1024;  // 1 MiB
  auto table = [](const std::string& name, int64_t max_size) {
    return replay::TableConfig{.name = name, .max_size = max_size, .seed = 1};
  };

  Program program("bench_replay");
  ReplayHandle replay_handle = program.AddNode(
      ReplayNode({table("insert_1k", 10000), table("insert_1m", 64), table("sample_1k", 1000),
                  table("sample_1m", 64)}),
      "replay");
  CourierHandle<Baseline> baseline_handle =
      program.AddNode(CourierNode<Baseline>(kSmall, kLarge), "baseline");
  Controller controller = Launch(std::move(program), {.launch_type = LaunchType::kLocalMt});
  const ReplayClient replay = replay_handle.Dereference();
  const CourierClient<Baseline> baseline = baseline_handle.Dereference();

  const Tensor small(std::vector<float>(kSmall, 1.0f));
  const Tensor large(std::vector<float>(kLarge, 1.0f));
  // Every table full before measuring: inserts then run in the steady state, each
  // evicting the oldest item, rather than growing the heap page by page (a table's first
  // fill pays a page fault per 4 KiB of data it keeps, which the echo never does).
  for (int i = 0; i < 10000; ++i) replay.Insert(small, {{"insert_1k", 1.0}});
  for (int i = 0; i < 1000; ++i) replay.Insert(small, {{"sample_1k", 1.0}});
  for (int i = 0; i < 64; ++i) replay.Insert(large, {{"insert_1m", 1.0}, {"sample_1m", 1.0}});

  std::printf("bench_replay: %d round(s) of %.2f s per figure; items/s (calls/s x batch)\n",
              options.rounds, absl::ToDoubleSeconds(options.slice));
  std::printf("%-7s %-5s %5s %7s %12s %12s %12s %9s %9s  %s\n", "op", "item", "batch", "clients",
              "replay", "echo", "one-way", "r/echo", "r/1-way", ">=0.8x echo");
  int met = 0, rows = 0;
  for (const Row& row : {Row{"insert", kSmall, 1}, Row{"insert", kSmall, 64},
                         Row{"insert", kLarge, 1}, Row{"insert", kLarge, 64},
                         Row{"sample", kSmall, 1}, Row{"sample", kSmall, 64},
                         Row{"sample", kLarge, 1}, Row{"sample", kLarge, 64}}) {
    const bool is_small = row.floats == kSmall;
    const std::string row_name =
        absl::StrFormat("%s/%s/%d", row.op, is_small ? "1KiB" : "1MiB", row.batch);
    if (row_name.find(options.only) == std::string::npos) continue;
    const Tensor& item = is_small ? small : large;
    const std::string tag = is_small ? "1k" : "1m";
    const std::string insert_table = "insert_" + tag, sample_table = "sample_" + tag;
    const std::vector<Tensor> items(static_cast<size_t>(row.batch), item);
    const std::vector<std::map<std::string, double>> priorities(
        static_cast<size_t>(row.batch), {{insert_table, 1.0}});
    const bool insert = std::string_view(row.op) == "insert";

    std::function<void()> replay_call, echo_call, one_way_call;
    if (insert && row.batch == 1) {
      replay_call = [&] { replay.Insert(item, {{insert_table, 1.0}}); };
    } else if (insert) {
      replay_call = [&] { replay.InsertBatch(items, priorities); };
    } else {
      replay_call = [&] { replay.Sample<Tensor>(sample_table, row.batch); };
    }
    echo_call = [&] { baseline.Call(&Baseline::Echo, items); };
    if (insert) {
      one_way_call = [&] { baseline.Call(&Baseline::Consume, items); };
    } else {
      one_way_call = [&, count = int64_t{row.batch}] {
        baseline.Call(&Baseline::Produce, count, row.floats);
      };
    }

    for (int clients : options.clients) {
      const int64_t mib_in_flight = int64_t{clients} * row.batch * (is_small ? 0 : 1);
      if (mib_in_flight > options.max_mib_in_flight) {
        std::printf("%-7s %-5s %5d %7d   skipped: %lld MiB in flight > --max_mib_in_flight\n",
                    row.op, is_small ? "1KiB" : "1MiB", row.batch, clients,
                    static_cast<long long>(mib_in_flight));
        continue;
      }
      std::vector<double> r, e, o;
      for (int round = 0; round < options.rounds; ++round) {
        // Rotate which side goes first, to cancel drift.
        std::vector<std::pair<std::vector<double>*, std::function<void()>*>> sides = {
            {&r, &replay_call}, {&e, &echo_call}, {&o, &one_way_call}};
        std::rotate(sides.begin(), sides.begin() + round % 3, sides.end());
        for (auto& [figures, call] : sides) {
          figures->push_back(Measure(clients, row.batch, options.slice, *call));
        }
      }
      const double replay_rate = Median(r), echo_rate = Median(e), one_way_rate = Median(o);
      const bool ok = replay_rate >= 0.8 * echo_rate;
      met += ok;
      ++rows;
      std::printf("%-7s %-5s %5d %7d %12.0f %12.0f %12.0f %9.2f %9.2f  %s\n", row.op,
                  is_small ? "1KiB" : "1MiB", row.batch, clients, replay_rate, echo_rate,
                  one_way_rate, replay_rate / echo_rate, replay_rate / one_way_rate,
                  ok ? "yes" : "NO");
      std::fflush(stdout);
    }
  }
  std::printf("target replay >= 0.8x echo: met in %d of %d rows\n", met, rows);
  controller.Stop();
  const absl::Status outcome = controller.Wait();
  return outcome.ok() ? 0 : 1;
}

}  // namespace lp::bench

int main(int argc, char** argv) { return lp::bench::Main(argc, argv); }
