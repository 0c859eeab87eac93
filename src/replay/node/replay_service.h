// ReplayService: the replay node's tables behind plain Courier methods (docs/replay.md has
// their argument and result shapes), its checkpoints, and its close at the program's stop.
#ifndef LP_SRC_REPLAY_NODE_REPLAY_SERVICE_H_
#define LP_SRC_REPLAY_NODE_REPLAY_SERVICE_H_

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lp/courier_server.h"
#include "lp/replay.h"
#include "src/replay/node/checkpoint_directory.h"
#include "src/replay/table.h"

namespace lp::internal {

// Thread safety: the table map is fixed at construction; the tables are thread-safe; the
// methods run on many handler threads at once.
class ReplayService {
 public:
  // The tables of `configs`, filled from the newest checkpoint of options.checkpoint_dir
  // when options.restore says so. InvalidArgument for an invalid config or a repeated
  // name; a checkpoint that cannot be read fails too (rather than silently starting
  // empty); one whose tables the configs do not name has those tables ignored (a line on
  // stderr says so).
  static absl::StatusOr<std::unique_ptr<ReplayService>> Create(
      const std::vector<replay::TableConfig>& configs, const ReplayNodeOptions& options);

  // Registers Insert, InsertBatch, Sample, UpdatePriorities, Delete, Info, Reset and
  // Checkpoint. The service must outlive the server's calls.
  absl::Status Register(CourierServer& server);

  // Writes a checkpoint of every table; its path. FailedPrecondition without a directory.
  absl::StatusOr<std::string> Checkpoint();

  // Every table's waiting calls and later calls fail with `why` (see Table::Close).
  void Close(const absl::Status& why);

  // The method names Register serves, in the order docs/replay.md lists them.
  static std::vector<std::string> MethodNames();

 private:
  ReplayService() = default;

  // The table named `name`, or NotFound listing the tables.
  absl::StatusOr<replay::Table*> Find(const std::string& name) const;

  // Table::Insert / Sample with `deadline`: tried without waiting first, then, only if the
  // limiter makes the call wait, waited for inside a BlockingRegion so that the server's
  // pool starts another handler thread meanwhile (a learner's Sample must find a thread
  // while every actor's Insert waits).
  static absl::Status InsertWaiting(replay::Table& table, const replay::TableItem& item,
                                    absl::Time deadline);
  static absl::StatusOr<std::vector<replay::SampledItem>> SampleWaiting(replay::Table& table,
                                                                        int64_t max_items,
                                                                        absl::Time deadline);
  // Inserts `data` under `key` (a new one when absent) into each table of `priorities`.
  absl::StatusOr<uint64_t> InsertOne(std::shared_ptr<const courier::SerializedObject> data,
                                     const std::map<std::string, double>& priorities,
                                     std::optional<uint64_t> key, absl::Time deadline);
  // InsertBatch, item by item: item i into each table of rows[i], under (*keys)[i] (a new
  // key when absent). The items' values are shared, not copied. An error names the item
  // it stopped at; the items before it stay.
  absl::StatusOr<std::vector<uint64_t>> InsertEach(
      std::vector<AnyValue>& data, const std::vector<std::map<std::string, double>>& rows,
      const std::optional<std::vector<uint64_t>>& keys, absl::Time deadline);
  // InsertBatch when every item goes into one table (the usual batch): the same, with
  // priorities[i] for item i, under one lock per run of items the limiter allows.
  absl::StatusOr<std::vector<uint64_t>> InsertIntoOneTable(
      std::vector<AnyValue>& data, const std::string& table,
      const std::vector<double>& priorities, const std::optional<std::vector<uint64_t>>& keys,
      absl::Time deadline);

  std::map<std::string, std::unique_ptr<replay::Table>> tables_;
  std::unique_ptr<replay::CheckpointDirectory> checkpoints_;  // null: no directory
  std::atomic<uint64_t> next_key_{0};  // keys for inserts that name none
};

}  // namespace lp::internal

#endif  // LP_SRC_REPLAY_NODE_REPLAY_SERVICE_H_
