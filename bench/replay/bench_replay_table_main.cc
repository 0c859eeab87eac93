// bench_replay_table: what one operation on a prioritized replay table costs as the table
// grows, against a uniform table of the same size (issue 15: prioritized sampling must
// stay O(log n), a 10^6-item table fast).
//
// For each size n in 10^3, 10^5, 10^6: a table of max_size n filled with n items (random
// priorities, one shared 1 KiB datum, FIFO remover, MinSize(1) so nothing waits), then
// single-threaded loops of
//   Sample(1)                  one draw (a sum-tree descent for prioritized)
//   Insert of a new key        into the full table: the FIFO remover evicts one item
//   UpdatePriorities(1 key)    a random key (a sum-tree path for prioritized)
// timed with steady_clock, ns per operation, the best of 3 loops. The uniform table is the baseline: same
// hash map, same locking, O(1) selection.
// Printed: ns/op for both, prioritized/uniform at each size, and each size's ns/op over
// the 10^3 one for both kinds, next to log2(n)/log2(10^3) (what O(log n) alone would give)
// and n/10^3 (a linear scan). Past the caches both kinds slow down alike (random hash-map
// accesses); the prioritized/uniform ratio staying flat is the O(log n) evidence.
//
// Usage: bench_replay_table [--ops=N] (operations per loop, default 100000)
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "courier/courier.pb.h"
#include "src/replay/table.h"

namespace {

using Clock = std::chrono::steady_clock;
using lp::replay::Selector;
using lp::replay::Table;
using lp::replay::TableConfig;
using lp::replay::TableItem;

struct Costs {
  double sample_ns = 0;
  double insert_ns = 0;
  double update_ns = 0;
};

// The best of kRounds loops of `ops` operations: the machine is shared, and the least
// disturbed loop is the closest to the operation's own cost.
constexpr int kRounds = 3;

template <typename Op>
double NsPerOp(int64_t ops, Op op) {
  double best = 0;
  for (int round = 0; round < kRounds; ++round) {
    const auto start = Clock::now();
    for (int64_t i = 0; i < ops; ++i) op(round * ops + i);
    const double ns = std::chrono::duration<double, std::nano>(Clock::now() - start).count() /
                      static_cast<double>(ops);
    if (round == 0 || ns < best) best = ns;
  }
  return best;
}

void Check(const absl::Status& status) {
  if (!status.ok()) {
    std::fprintf(stderr, "bench_replay_table: %s\n", status.ToString().c_str());
    std::exit(1);
  }
}

Costs Measure(const Selector& sampler, int64_t size, int64_t ops) {
  TableConfig config;
  config.name = "bench";
  config.max_size = size;
  config.sampler = sampler;
  config.seed = 1;
  auto table = Table::Create(config);
  Check(table.status());
  auto data = std::make_shared<courier::SerializedObject>();
  data->set_string_value(std::string(1024, 'x'));
  std::mt19937_64 random(2);
  std::uniform_real_distribution<double> priority(0.0, 10.0);
  const absl::Time now = absl::InfinitePast();  // nothing waits (MinSize(1))
  uint64_t next_key = 0;
  for (; next_key < static_cast<uint64_t>(size); ++next_key) {
    Check((*table)->Insert(TableItem{next_key, priority(random), data}, now));
  }
  // Keys to update, drawn before timing; the table holds [next_key - size, next_key).
  std::vector<std::pair<uint64_t, double>> update(1);
  std::vector<uint64_t> update_keys(static_cast<size_t>(kRounds * ops));
  std::vector<double> update_priorities(static_cast<size_t>(kRounds * ops));
  Costs costs;
  costs.sample_ns = NsPerOp(ops, [&](int64_t) { Check((*table)->Sample(1, now).status()); });
  const uint64_t first_insert = next_key;
  costs.insert_ns = NsPerOp(ops, [&](int64_t i) {
    Check((*table)->Insert(TableItem{first_insert + static_cast<uint64_t>(i), 1.0, data}, now));
  });
  next_key = first_insert + static_cast<uint64_t>(kRounds * ops);
  std::uniform_int_distribution<uint64_t> held(next_key - static_cast<uint64_t>(size),
                                               next_key - 1);
  for (int64_t i = 0; i < kRounds * ops; ++i) {
    update_keys[i] = held(random);
    update_priorities[i] = priority(random);
  }
  costs.update_ns = NsPerOp(ops, [&](int64_t i) {
    update[0] = {update_keys[i], update_priorities[i]};
    Check((*table)->UpdatePriorities(update).status());
  });
  return costs;
}

int64_t Flag(int argc, char** argv, const char* name, int64_t fallback) {
  const std::string prefix = std::string("--") + name + "=";
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], prefix.c_str(), prefix.size()) == 0) {
      return std::atoll(argv[i] + prefix.size());
    }
  }
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t ops = Flag(argc, argv, "ops", 100000);
  double load[3] = {0, 0, 0};
  getloadavg(load, 3);
  std::printf(
      "bench_replay_table: ns per operation, one thread, best of 3 loops of %lld ops "
      "(load average %.2f %.2f %.2f)\n",
      static_cast<long long>(ops), load[0], load[1], load[2]);
  std::printf("%9s  %-7s %13s %13s %13s\n", "items", "", "Sample(1)", "Insert", "Update(1)");
  const std::vector<int64_t> sizes = {1000, 100000, 1000000};
  std::vector<Costs> prioritized;
  std::vector<Costs> uniform;
  for (int64_t size : sizes) {
    const Costs p = Measure(Selector::Prioritized(0.6), size, ops);
    const Costs u = Measure(Selector::Uniform(), size, ops);
    prioritized.push_back(p);
    uniform.push_back(u);
    std::printf("%9lld  %-7s %13.0f %13.0f %13.0f\n", static_cast<long long>(size), "prio",
                p.sample_ns, p.insert_ns, p.update_ns);
    std::printf("%9s  %-7s %13.0f %13.0f %13.0f\n", "", "uniform", u.sample_ns, u.insert_ns,
                u.update_ns);
    std::printf("%9s  %-7s %12.2fx %12.2fx %12.2fx\n", "", "p/u", p.sample_ns / u.sample_ns,
                p.insert_ns / u.insert_ns, p.update_ns / u.update_ns);
  }
  // Both kinds slow down as the table outgrows the caches (every operation touches a
  // random item of a hash map); what the sum tree adds is the prioritized growth beyond
  // the uniform one.
  std::printf("\ngrowth against 10^3 items, prioritized (uniform); O(log n) alone would "
              "give the log column, O(n) the n column:\n");
  std::printf("%9s %16s %16s %16s %7s %7s\n", "items", "Sample", "Insert", "Update", "log",
              "n");
  auto growth = [](const std::vector<Costs>& costs, size_t i, double Costs::*field) {
    return costs[i].*field / costs[0].*field;
  };
  for (size_t i = 0; i < sizes.size(); ++i) {
    std::printf("%9lld", static_cast<long long>(sizes[i]));
    for (double Costs::*field : {&Costs::sample_ns, &Costs::insert_ns, &Costs::update_ns}) {
      std::printf(" %6.2fx (%5.2fx)", growth(prioritized, i, field), growth(uniform, i, field));
    }
    std::printf(" %6.2fx %6.0fx\n", std::log2(static_cast<double>(sizes[i])) / std::log2(1000.0),
                static_cast<double>(sizes[i]) / 1000.0);
  }
  return 0;
}
