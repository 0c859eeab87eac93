// The replay node: replay tables with Reverb's model (lp/replay_config.h), served over
// Courier, and its typed client. docs/replay.md describes the model, the Courier methods
// other languages call, checkpoints and what happens at the program's stop.
//
//   lp::replay::TableConfig table{.name = "experience", .max_size = 100000,
//                                 .sampler = lp::replay::Selector::Prioritized(0.6),
//                                 .rate_limiter = lp::replay::RateLimiterConfig::
//                                     SampleToInsertRatio(4, 1000, 400)};
//   lp::ReplayHandle replay = program.AddNode(
//       lp::ReplayNode({table}, {.checkpoint_dir = "/tmp/replay"}), "replay");
//   program.AddNode(lp::FunctionNode(Act, replay), "actor");   // Act(lp::ReplayClient)
//
//   // in a node:
//   replay.Insert(lp::Tensor(observation), {{"experience", 1.0}});
//   for (auto& item : replay.Sample<lp::Tensor>("experience", 64)) { ... item.data ... }
//   replay.UpdatePriorities("experience", {{key, 0.5}});
#ifndef LP_REPLAY_H_
#define LP_REPLAY_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "lp/any_value.h"
#include "lp/courier_client.h"
#include "lp/courier_server_options.h"
#include "lp/future.h"
#include "lp/handle.h"
#include "lp/node.h"
#include "lp/rpc_error.h"
#include "lp/replay_config.h"
#include "lp/serialize.h"
#include "lp/tensor.h"

namespace lp {

// How a ReplayNode keeps its tables across restarts.
struct ReplayNodeOptions {
  // Where checkpoints are written ("" = nowhere: Checkpoint() fails, nothing is restored).
  // Each checkpoint is one file, checkpoint-<number>.replay, written under a temporary
  // name and renamed once complete, so a node killed mid-write leaves the previous one.
  std::string checkpoint_dir;
  // Also write one every period while the node runs (0 = only when asked).
  absl::Duration checkpoint_period = absl::ZeroDuration();
  // At start, fill the tables from the newest complete checkpoint in checkpoint_dir.
  bool restore = true;
  // How many checkpoints stay in the directory (the newest); older ones are deleted.
  int checkpoints_to_keep = 2;
  // The node's Courier server (handler threads, message limits, secret).
  CourierServerOptions server;
};

// One sampled item as ReplayClient::Sample returns it: `data` decoded as T.
template <typename T>
struct ReplaySample {
  uint64_t key = 0;
  double priority = 0;
  // The probability the sampler drew it with: 1/size (uniform), p^e / sum p^e
  // (prioritized), 1 (FIFO, LIFO, heaps).
  double probability = 0;
  int64_t times_sampled = 0;  // including this sample
  int64_t table_size = 0;     // when it was drawn
  T data{};
};

namespace internal {

// The wire form of Sample's result: one column per field, the numbers as 1-D tensors of
// the batch's length (numpy arrays in Python, as Reverb's sample info), the values as a
// list. Columns rather than a dict per item: a batch of small items then costs about what
// the items themselves do (docs/replay.md, "Figures").
template <typename T>
struct SampleColumns {
  Tensor key;            // uint64
  Tensor priority;       // float64
  Tensor probability;    // float64
  Tensor times_sampled;  // int64
  Tensor table_size;     // int64
  std::vector<T> data;
};
template <typename T>
constexpr auto LpSerializableFields(const SampleColumns<T>*) {
  using S = SampleColumns<T>;
  return MakeStructFields("SampleColumns", MakeField("key", &S::key),
                          MakeField("priority", &S::priority),
                          MakeField("probability", &S::probability),
                          MakeField("times_sampled", &S::times_sampled),
                          MakeField("table_size", &S::table_size), MakeField("data", &S::data));
}

// OK when the five tensors are 1-D of `size` elements with the dtypes above; otherwise
// INVALID_ARGUMENT saying which is not.
absl::Status CheckSampleColumns(const Tensor& key, const Tensor& priority,
                                const Tensor& probability, const Tensor& times_sampled,
                                const Tensor& table_size, size_t size);

// When every map of InsertBatch's priorities names the same one table (the usual batch):
// that table and the priorities as a column, one per item; nullopt otherwise. The client
// sends such a column as one tensor, {table: float64[n]}, where the maps are a dict per
// item, which cost as much to send and decode as small items themselves; the node inserts
// such a batch under one lock per run of items.
std::optional<std::pair<std::string, std::vector<double>>> SingleTableColumn(
    const std::vector<std::map<std::string, double>>& priorities);

template <typename T>
absl::StatusOr<std::vector<ReplaySample<T>>> SamplesOf(SampleColumns<T> columns) {
  const size_t size = columns.data.size();
  if (absl::Status status =
          CheckSampleColumns(columns.key, columns.priority, columns.probability,
                             columns.times_sampled, columns.table_size, size);
      !status.ok()) {
    return status;
  }
  const uint64_t* keys = std::as_const(columns.key).template data<uint64_t>();
  const double* priorities = std::as_const(columns.priority).template data<double>();
  const double* probabilities = std::as_const(columns.probability).template data<double>();
  const int64_t* times = std::as_const(columns.times_sampled).template data<int64_t>();
  const int64_t* sizes = std::as_const(columns.table_size).template data<int64_t>();
  std::vector<ReplaySample<T>> samples(size);
  for (size_t i = 0; i < size; ++i) {
    samples[i] = ReplaySample<T>{keys[i],  priorities[i], probabilities[i],
                                 times[i], sizes[i],      std::move(columns.data[i])};
  }
  return samples;
}

}  // namespace internal

// One table's state, as Info returns it (a dict on the wire).
struct ReplayTableInfo {
  std::string name;
  int64_t max_size = 0;
  std::string sampler;  // Selector::ToString(): "Prioritized(0.6)"
  std::string remover;
  int64_t max_times_sampled = 0;
  std::string rate_limiter;  // RateLimiterConfig::ToString()
  double samples_per_insert = 0;
  int64_t min_size_to_sample = 0;
  double min_diff = 0;
  double max_diff = 0;
  int64_t size = 0;
  // Since the table was created, restored or Reset.
  int64_t inserts = 0;
  int64_t samples = 0;
  int64_t deletes = 0;  // every item that left: Delete, eviction, max_times_sampled
  int64_t blocked_inserts = 0;  // callers waiting in Insert now
  int64_t blocked_samples = 0;  // callers waiting in Sample now
};
LP_SERIALIZABLE(ReplayTableInfo, name, max_size, sampler, remover, max_times_sampled,
                rate_limiter, samples_per_insert, min_size_to_sample, min_diff, max_diff, size,
                inserts, samples, deletes, blocked_inserts, blocked_samples);

namespace internal {
class ReplayService;  // src/replay/node/replay_service.h: what the node serves
}  // namespace internal

// The client of a ReplayNode: what a ReplayHandle becomes inside a node (or in the test
// that launched the program). Calls block; the Async* forms return lp::Futures.
//
// Insert and Sample wait as the table's rate limiter says: without a timeout, until they
// may proceed or the program stops; WithTimeout(t) bounds the wait (the node gives up
// after t with DEADLINE_EXCEEDED naming the table and what the limiter waits for; the
// call's own deadline is 2 s later, so that this message arrives). When the program
// stops, calls waiting in the node and later calls throw lp::ProgramStoppedError.
// Other failures throw lp::RpcError: INVALID_ARGUMENT (a bad priority, a value that is not
// a T), NOT_FOUND (no such table), ...
//
// Thread safety: immutable; copies share one connection; any number of threads may call
// through one client at once.
class ReplayClient {
 public:
  ReplayClient(std::shared_ptr<CourierChannel> channel, std::string target_name);

  // Inserts `value` into each table of `priorities` (table name -> priority) under `key`
  // (one the node picks when not given; an existing key's data and priority are
  // replaced). Returns the key. An rvalue's buffers are moved into the request.
  template <typename T>
  uint64_t Insert(T&& value, const std::map<std::string, double>& priorities,
                  std::optional<uint64_t> key = std::nullopt) const {
    // Sent as its own type: the node receives any value as an AnyValue, so no
    // intermediate copy is made here.
    return CallWaiting<uint64_t>("Insert", std::forward<T>(value), priorities, key,
                                 WaitSeconds());
  }
  template <typename T>
  Future<uint64_t> AsyncInsert(T&& value, const std::map<std::string, double>& priorities,
                               std::optional<uint64_t> key = std::nullopt) const {
    return waiting_.Async<uint64_t>("Insert", std::forward<T>(value), priorities, key,
                                    WaitSeconds());
  }

  // Inserts values[i] with priorities[i] (one map per value); returns their keys.
  template <typename T>
  std::vector<uint64_t> InsertBatch(
      std::vector<T> values, const std::vector<std::map<std::string, double>>& priorities) const {
    if (std::optional<std::pair<std::string, std::vector<double>>> column =
            internal::SingleTableColumn(priorities)) {
      return InsertBatch(std::move(values), column->first, column->second);
    }
    return CallWaiting<std::vector<uint64_t>>("InsertBatch", std::move(values), priorities,
                                              std::optional<std::vector<uint64_t>>(),
                                              WaitSeconds());
  }
  // Inserts values[i] into `table` with priorities[i]; returns their keys.
  template <typename T>
  std::vector<uint64_t> InsertBatch(std::vector<T> values, const std::string& table,
                                    const std::vector<double>& priorities) const {
    return CallWaiting<std::vector<uint64_t>>(
        "InsertBatch", std::move(values),
        std::map<std::string, Tensor>{{table, Tensor(priorities)}},
        std::optional<std::vector<uint64_t>>(), WaitSeconds());
  }

  // Waits until the table's limiter allows a sample, then draws up to `max_items` (with
  // replacement, as many as the limiter allows without waiting again: Reverb's flexible
  // batch), each decoded as T. An item that is not a T fails the call (INVALID_ARGUMENT
  // naming it); Sample<lp::AnyValue> takes anything.
  template <typename T>
  std::vector<ReplaySample<T>> Sample(const std::string& table, int64_t max_items) const {
    absl::StatusOr<std::vector<ReplaySample<T>>> samples = internal::SamplesOf(
        CallWaiting<internal::SampleColumns<T>>("Sample", table, max_items, WaitSeconds()));
    if (!samples.ok()) ThrowRpcError(samples.status(), "Sample");
    return *std::move(samples);
  }
  template <typename T>
  Future<std::vector<ReplaySample<T>>> AsyncSample(const std::string& table,
                                                   int64_t max_items) const {
    return Then<std::vector<ReplaySample<T>>>(
        "Sample",
        waiting_.Async<internal::SampleColumns<T>>("Sample", table, max_items, WaitSeconds()),
        [](internal::SampleColumns<T> columns) { return internal::SamplesOf(std::move(columns)); });
  }

  // Sets priorities (key -> priority) in `table`; keys it does not hold are ignored.
  // Returns how many were unknown.
  int64_t UpdatePriorities(const std::string& table,
                           const std::map<uint64_t, double>& priorities) const;
  Future<int64_t> AsyncUpdatePriorities(const std::string& table,
                                        const std::map<uint64_t, double>& priorities) const;
  // Removes `keys` from `table`; returns how many it held.
  int64_t Delete(const std::string& table, const std::vector<uint64_t>& keys) const;
  // One table's state; NOT_FOUND for an unknown name.
  ReplayTableInfo Info(const std::string& table) const;
  // Every table's, by name.
  std::map<std::string, ReplayTableInfo> Info() const;
  // Removes every item of `table` and zeroes its counters.
  void Reset(const std::string& table) const;
  // Writes a checkpoint of every table now; returns its path. FAILED_PRECONDITION when
  // the node has no checkpoint_dir.
  std::string Checkpoint() const;

  // A client whose Insert and Sample wait at most `timeout` in the node (then
  // DEADLINE_EXCEEDED), and whose other calls fail after `timeout`.
  ReplayClient WithTimeout(absl::Duration timeout) const;

  // The untyped client, to call the methods by name (docs/replay.md lists them).
  const CourierClient<internal::ReplayService>& courier() const { return client_; }
  // Where the node serves ("127.0.0.1:40123"), waiting until it is known.
  std::string Address() const { return client_.Address(); }

 private:
  // (The node's reply that its program is stopping arrives as lp::ProgramStoppedError
  // through Courier itself: see rpc::ToGrpcStatus.)
  template <typename R, typename... A>
  R Call(const char* method, A&&... args) const {
    return client_.Call<R>(method, std::forward<A>(args)...);
  }
  // Insert and Sample: with the deadline 2 s past the node's wait.
  template <typename R, typename... A>
  R CallWaiting(const char* method, A&&... args) const {
    return waiting_.Call<R>(method, std::forward<A>(args)...);
  }
  // A future of convert(the value of `future`), with its error.
  template <typename R, typename S, typename Convert>
  static Future<R> Then(const char* method, Future<S> future, Convert convert) {
    Promise<R> promise(method);
    Future<R> converted = promise.GetFuture();
    future.OnReady([promise = std::move(promise), convert = std::move(convert)](
                       typename Future<S>::Result result) mutable {
      if (!result.ok()) {
        promise.Set(result.status());
      } else {
        promise.Set(convert(*std::move(result)));
      }
    });
    return converted;
  }

  // The node's wait in Insert/Sample, in seconds: none (until allowed) without a timeout.
  std::optional<double> WaitSeconds() const;

  CourierClient<internal::ReplayService> client_;   // deadline: timeout_
  CourierClient<internal::ReplayService> waiting_;  // deadline: timeout_ + 2 s
  std::optional<absl::Duration> timeout_;
};

// The handle of a ReplayNode; a ReplayClient in another node's arguments.
class ReplayHandle : public HandleBase {
 public:
  using HandleBase::HandleBase;
  using ClientType = ReplayClient;
  // Its methods are plain Courier methods: a PythonNode may take it (lp/python_node.h).
  static constexpr bool kServesCourier = true;
  ClientType Dereference() const;
};

namespace internal {
class ReplayNodeImpl;
}  // namespace internal

// A node serving replay tables over Courier (Launchpad's ReverbNode). It works in every
// launch type and inside colocations. At start it restores the tables from the newest
// checkpoint in options.checkpoint_dir (when there is one and options.restore); it serves
// until the program stops; then every table is closed, so that calls waiting in Insert or
// Sample end at once with lp::ProgramStoppedError, and the node ends cleanly.
// An invalid table config (or two tables of one name) fails the node when it starts, with
// the config's message.
class ReplayNode : public Node {
 public:
  using HandleType = ReplayHandle;

  explicit ReplayNode(std::vector<replay::TableConfig> tables, ReplayNodeOptions options = {});

  HandleType CreateHandle(std::shared_ptr<internal::NodeRecord> record) const {
    return HandleType(std::move(record));
  }
};

}  // namespace lp

#endif  // LP_REPLAY_H_
