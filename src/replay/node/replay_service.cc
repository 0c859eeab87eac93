#include "src/replay/node/replay_service.h"

#include <iostream>
#include <optional>
#include <random>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "courier/courier.pb.h"
#include "lp/internal/blocking_region.h"
#include "lp/internal/courier_dispatch.h"

namespace lp::internal {
namespace {

// Sample's reply (lp/replay.h, internal::SampleColumns): the items' values as received.
using SampleReply = SampleColumns<AnyValue>;

SampleReply ColumnsOf(std::vector<replay::SampledItem> items) {
  const int64_t size = static_cast<int64_t>(items.size());
  SampleReply reply{Tensor(DType::kUInt64, {size}), Tensor(DType::kDouble, {size}),
                    Tensor(DType::kDouble, {size}), Tensor(DType::kInt64, {size}),
                    Tensor(DType::kInt64, {size}), {}};
  reply.data.reserve(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    replay::SampledItem& item = items[i];
    reply.key.data<uint64_t>()[i] = item.key;
    reply.priority.data<double>()[i] = item.priority;
    reply.probability.data<double>()[i] = item.probability;
    reply.times_sampled.data<int64_t>()[i] = item.times_sampled;
    reply.table_size.data<int64_t>()[i] = item.table_size;
    reply.data.push_back(AnyValue(std::move(item.data)));
  }
  return reply;
}

// The positional arguments of one call: counted, and decoded (moving buffers out of the
// request) one by one, trailing ones optional.
class Arguments {
 public:
  Arguments(courier::CallArguments& call, int required, int most)
      : call_(call), count_(ArgumentCount(call)), required_(required), most_(most) {}

  absl::Status CheckCount(const char* method, const char* signature) const {
    if (count_ >= required_ && count_ <= most_) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat(method, " takes ", signature, "; got ",
                                                   count_, " argument(s)"));
  }
  // Argument `i` (0-based) into `*out`; left as it is when the call has fewer.
  template <typename T>
  absl::Status Get(int i, T* out) {
    if (i >= count_) return absl::OkStatus();
    return Decode(MutableArgument(call_, i), out, ArgumentPath(static_cast<size_t>(i)));
  }
  // Whether argument `i` was sent as a dict.
  bool IsDict(int i) { return i < count_ && MutableArgument(call_, i)->has_dict_value(); }

 private:
  courier::CallArguments& call_;
  const int count_;
  const int required_;
  const int most_;
};

// The deadline of an Insert/Sample that waits `seconds` (none: until allowed).
absl::Time DeadlineAfter(const std::optional<double>& seconds) {
  if (!seconds.has_value()) return absl::InfiniteFuture();
  return absl::Now() + absl::Seconds(std::max(0.0, *seconds));
}

ReplayTableInfo InfoOf(const replay::TableInfo& info) {
  const replay::TableConfig& config = info.config;
  return ReplayTableInfo{
      .name = config.name,
      .max_size = config.max_size,
      .sampler = config.sampler.ToString(),
      .remover = config.remover.ToString(),
      .max_times_sampled = config.max_times_sampled,
      .rate_limiter = config.rate_limiter.ToString(),
      .samples_per_insert = config.rate_limiter.samples_per_insert,
      .min_size_to_sample = config.rate_limiter.min_size_to_sample,
      .min_diff = config.rate_limiter.min_diff,
      .max_diff = config.rate_limiter.max_diff,
      .size = info.size,
      .inserts = info.inserts,
      .samples = info.samples,
      .deletes = info.deletes,
      .blocked_inserts = info.blocked_inserts,
      .blocked_samples = info.blocked_samples,
  };
}

// Registers `name` with a handler that returns its result as a C++ value.
template <typename F>
absl::Status RegisterReturning(CourierServer& server, const char* name, F handler) {
  return server.RegisterMethod(
      name, [handler = std::move(handler)](courier::CallArguments& call,
                                           courier::SerializedObject* result) -> absl::Status {
        auto returned = handler(call);
        if (!returned.ok()) return returned.status();
        Encode(*std::move(returned), result);
        return absl::OkStatus();
      });
}

}  // namespace

absl::StatusOr<std::unique_ptr<ReplayService>> ReplayService::Create(
    const std::vector<replay::TableConfig>& configs, const ReplayNodeOptions& options) {
  std::unique_ptr<ReplayService> service(new ReplayService());
  if (configs.empty()) return absl::InvalidArgumentError("a ReplayNode needs at least one table");
  if (!options.checkpoint_dir.empty()) {
    service->checkpoints_ = std::make_unique<replay::CheckpointDirectory>(
        options.checkpoint_dir, options.checkpoints_to_keep);
  }
  std::optional<replay::LoadedCheckpoint> restored;
  if (service->checkpoints_ != nullptr && options.restore) {
    absl::StatusOr<std::optional<replay::LoadedCheckpoint>> newest =
        service->checkpoints_->Newest();
    if (!newest.ok()) return newest.status();
    restored = *std::move(newest);
  }
  for (const replay::TableConfig& config : configs) {
    if (service->tables_.contains(config.name)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "two tables of the ReplayNode are named '", config.name, "': give each its own name"));
    }
    const replay::TableCheckpoint* saved = nullptr;
    if (restored.has_value()) {
      for (const replay::TableCheckpoint& table : restored->tables) {
        if (table.config().name() == config.name) saved = &table;
      }
    }
    absl::StatusOr<std::unique_ptr<replay::Table>> table =
        saved != nullptr ? replay::Table::Restore(config, *saved) : replay::Table::Create(config);
    if (!table.ok()) {
      return absl::Status(table.status().code(),
                          absl::StrCat(saved != nullptr ? "restoring from " + restored->path + ": "
                                                        : std::string(),
                                       table.status().message()));
    }
    service->tables_.emplace(config.name, *std::move(table));
  }
  if (restored.has_value()) {
    for (const replay::TableCheckpoint& table : restored->tables) {
      if (!service->tables_.contains(table.config().name())) {
        std::cerr << absl::StrCat("replay: checkpoint ", restored->path, " holds table '",
                                  table.config().name(),
                                  "', which this node does not have: ignored\n");
      }
    }
  }
  // Keys the node picks: from a random start, so that a restarted node does not reuse
  // the keys of the items it restored; below 2^63, so that they stay positive in Python.
  std::mt19937_64 random(std::random_device{}());
  service->next_key_ = random() >> 2;
  return service;
}

absl::StatusOr<replay::Table*> ReplayService::Find(const std::string& name) const {
  auto it = tables_.find(name);
  if (it != tables_.end()) return it->second.get();
  std::vector<std::string> names;
  for (const auto& [table_name, table] : tables_) names.push_back("'" + table_name + "'");
  return absl::NotFoundError(absl::StrCat("no table '", name, "'; the node has ",
                                          absl::StrJoin(names, ", ")));
}

absl::Status ReplayService::InsertWaiting(replay::Table& table, const replay::TableItem& item,
                                          absl::Time deadline) {
  absl::Status status = table.Insert(item, absl::InfinitePast());
  if (!absl::IsDeadlineExceeded(status) || deadline <= absl::Now()) return status;
  BlockingRegion waiting;
  return table.Insert(item, deadline);
}

absl::StatusOr<std::vector<replay::SampledItem>> ReplayService::SampleWaiting(
    replay::Table& table, int64_t max_items, absl::Time deadline) {
  absl::StatusOr<std::vector<replay::SampledItem>> items =
      table.Sample(max_items, absl::InfinitePast());
  if (!absl::IsDeadlineExceeded(items.status()) || deadline <= absl::Now()) return items;
  BlockingRegion waiting;
  return table.Sample(max_items, deadline);
}

absl::StatusOr<uint64_t> ReplayService::InsertOne(
    std::shared_ptr<const courier::SerializedObject> data,
    const std::map<std::string, double>& priorities, std::optional<uint64_t> key,
    absl::Time deadline) {
  if (priorities.empty()) {
    return absl::InvalidArgumentError(
        "no table to insert into: give at least one {table: priority}");
  }
  // Every table first, so that a wrong name inserts nowhere.
  std::vector<replay::Table*> tables;
  for (const auto& [name, priority] : priorities) {
    absl::StatusOr<replay::Table*> table = Find(name);
    if (!table.ok()) return table.status();
    tables.push_back(*table);
  }
  const uint64_t chosen = key.has_value() ? *key : next_key_.fetch_add(1);
  auto priority = priorities.begin();
  for (replay::Table* table : tables) {
    replay::TableItem item{chosen, priority->second, data};
    if (absl::Status status = InsertWaiting(*table, item, deadline); !status.ok()) return status;
    ++priority;
  }
  return chosen;
}

namespace {

// InsertBatch's columnar priorities, {table: priorities}: each column a 1-D float64 or
// float32 tensor (a numpy array) or a list of numbers, one per item.
absl::StatusOr<std::map<std::string, std::vector<double>>> PriorityColumns(
    const std::map<std::string, AnyValue>& columns, size_t items) {
  if (columns.empty()) {
    return absl::InvalidArgumentError(
        "InsertBatch: no table to insert into: give {table: [priority per item]}");
  }
  std::map<std::string, std::vector<double>> by_table;
  for (const auto& [table, column] : columns) {
    std::vector<double>& priorities = by_table[table];
    if (absl::StatusOr<Tensor> tensor = column.As<Tensor>(); tensor.ok()) {
      if (tensor->shape().size() == 1 && tensor->dtype() == DType::kDouble) {
        priorities.assign(tensor->span<double>().begin(), tensor->span<double>().end());
      } else if (tensor->shape().size() == 1 && tensor->dtype() == DType::kFloat) {
        priorities.assign(tensor->span<float>().begin(), tensor->span<float>().end());
      } else {
        return absl::InvalidArgumentError(absl::StrCat(
            "InsertBatch: the priorities of table '", table, "' are a ",
            DTypeName(tensor->dtype()), " tensor of ", tensor->shape().size(),
            " dimension(s); give a 1-D float64 or float32 array, one priority per item"));
      }
    } else if (absl::StatusOr<std::vector<double>> list =
                   column.As<std::vector<double>>(absl::StrCat("priorities of '", table, "'"));
               list.ok()) {
      priorities = *std::move(list);
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "InsertBatch: ", list.status().message(),
          "; give a 1-D float64 array or a list of numbers, one priority per item"));
    }
    if (priorities.size() != items) {
      return absl::InvalidArgumentError(absl::StrCat("InsertBatch: ", items, " item(s) but ",
                                                     priorities.size(),
                                                     " priorities for table '", table,
                                                     "': give one per item"));
    }
  }
  return by_table;
}

// Columnar priorities as one {table: priority} map per item.
std::vector<std::map<std::string, double>> RowsOf(
    const std::map<std::string, std::vector<double>>& by_table, size_t items) {
  std::vector<std::map<std::string, double>> rows(items);
  for (const auto& [table, priorities] : by_table) {
    for (size_t i = 0; i < items; ++i) rows[i].emplace(table, priorities[i]);
  }
  return rows;
}

// An InsertBatch error for item `i`: what it was, and that the items before it stay.
absl::Status ItemError(size_t i, const absl::Status& status) {
  return absl::Status(status.code(), absl::StrCat("item ", i, " (the ", i,
                                                  " before it were inserted): ",
                                                  status.message()));
}

}  // namespace

absl::StatusOr<std::vector<uint64_t>> ReplayService::InsertEach(
    std::vector<AnyValue>& data, const std::vector<std::map<std::string, double>>& rows,
    const std::optional<std::vector<uint64_t>>& keys, absl::Time deadline) {
  std::vector<uint64_t> inserted;
  inserted.reserve(data.size());
  for (size_t i = 0; i < data.size(); ++i) {
    absl::StatusOr<uint64_t> key = InsertOne(
        data[i].shared(), rows[i],
        keys.has_value() ? std::optional<uint64_t>((*keys)[i]) : std::nullopt, deadline);
    if (!key.ok()) return ItemError(i, key.status());
    inserted.push_back(*key);
  }
  return inserted;
}

absl::StatusOr<std::vector<uint64_t>> ReplayService::InsertIntoOneTable(
    std::vector<AnyValue>& data, const std::string& table_name,
    const std::vector<double>& priorities, const std::optional<std::vector<uint64_t>>& keys,
    absl::Time deadline) {
  absl::StatusOr<replay::Table*> table = Find(table_name);
  if (!table.ok()) return ItemError(0, table.status());
  const uint64_t first_key = keys.has_value() ? 0 : next_key_.fetch_add(data.size());
  std::vector<uint64_t> inserted;
  inserted.reserve(data.size());
  std::vector<replay::TableItem> items(data.size());
  for (size_t i = 0; i < data.size(); ++i) {
    const uint64_t key = keys.has_value() ? (*keys)[i] : first_key + i;
    items[i] = replay::TableItem{key, priorities[i], data[i].shared()};
    inserted.push_back(key);
  }
  // Runs of items under one lock each (Table::InsertWhileAllowed); an item the limiter
  // makes wait goes alone, waiting as Insert does.
  size_t done = 0;
  while (done < items.size()) {
    size_t run = 0;
    absl::Status status =
        (*table)->InsertWhileAllowed(absl::MakeSpan(items).subspan(done), &run);
    done += run;
    if (!status.ok()) return ItemError(done, status);
    if (done == items.size()) break;
    if (status = InsertWaiting(**table, items[done], deadline); !status.ok()) {
      return ItemError(done, status);
    }
    ++done;
  }
  return inserted;
}

absl::StatusOr<std::string> ReplayService::Checkpoint() {
  if (checkpoints_ == nullptr) {
    return absl::FailedPreconditionError(
        "this replay node has no checkpoint directory (ReplayNodeOptions::checkpoint_dir)");
  }
  std::vector<replay::TableCheckpoint> saved(tables_.size());
  size_t i = 0;
  for (const auto& [name, table] : tables_) {
    if (absl::Status status = table->Save(&saved[i++]); !status.ok()) return status;
  }
  return checkpoints_->Write(saved);
}

void ReplayService::Close(const absl::Status& why) {
  for (const auto& [name, table] : tables_) table->Close(why);
}

std::vector<std::string> ReplayService::MethodNames() {
  return {"Insert", "InsertBatch", "Sample", "UpdatePriorities",
          "Delete", "Info",        "Reset",  "Checkpoint"};
}

absl::Status ReplayService::Register(CourierServer& server) {
  std::vector<absl::Status> results;
  // Insert(data, {table: priority}, key=None, timeout_seconds=None) -> key
  results.push_back(RegisterReturning(server, "Insert", [this](courier::CallArguments& call)
                                                            -> absl::StatusOr<uint64_t> {
    Arguments args(call, 2, 4);
    if (absl::Status s = args.CheckCount("Insert", "(data, {table: priority}, key=None, "
                                                   "timeout_seconds=None)");
        !s.ok()) {
      return s;
    }
    AnyValue data;
    std::map<std::string, double> priorities;
    std::optional<uint64_t> key;
    std::optional<double> timeout;
    for (absl::Status s : {args.Get(0, &data), args.Get(1, &priorities), args.Get(2, &key),
                           args.Get(3, &timeout)}) {
      if (!s.ok()) return s;
    }
    return InsertOne(data.shared(), priorities, key, DeadlineAfter(timeout));
  }));

  // InsertBatch([data], [{table: priority}], keys=None, timeout_seconds=None) -> [key]
  results.push_back(RegisterReturning(
      server, "InsertBatch",
      [this](courier::CallArguments& call) -> absl::StatusOr<std::vector<uint64_t>> {
        Arguments args(call, 2, 4);
        if (absl::Status s = args.CheckCount("InsertBatch", "([data], [{table: priority}], "
                                                            "keys=None, timeout_seconds=None)");
            !s.ok()) {
          return s;
        }
        std::vector<AnyValue> data;
        std::vector<std::map<std::string, double>> rows;
        std::map<std::string, AnyValue> columns;
        std::optional<std::vector<uint64_t>> keys;
        std::optional<double> timeout;
        const bool columnar = args.IsDict(1);
        for (absl::Status s : {args.Get(0, &data),
                               columnar ? args.Get(1, &columns) : args.Get(1, &rows),
                               args.Get(2, &keys), args.Get(3, &timeout)}) {
          if (!s.ok()) return s;
        }
        if (keys.has_value() && keys->size() != data.size()) {
          return absl::InvalidArgumentError(absl::StrCat("InsertBatch: ", data.size(),
                                                         " item(s) but ", keys->size(),
                                                         " key(s): give one key per item"));
        }
        const absl::Time deadline = DeadlineAfter(timeout);
        if (columnar) {
          absl::StatusOr<std::map<std::string, std::vector<double>>> by_table =
              PriorityColumns(columns, data.size());
          if (!by_table.ok()) return by_table.status();
          if (by_table->size() == 1) {
            const auto& [table, priorities] = *by_table->begin();
            return InsertIntoOneTable(data, table, priorities, keys, deadline);
          }
          rows = RowsOf(*by_table, data.size());
        }
        if (rows.size() != data.size()) {
          return absl::InvalidArgumentError(
              absl::StrCat("InsertBatch: ", data.size(), " item(s) but ", rows.size(),
                           " priority map(s): give one {table: priority} per item"));
        }
        if (std::optional<std::pair<std::string, std::vector<double>>> column =
                SingleTableColumn(rows)) {
          return InsertIntoOneTable(data, column->first, column->second, keys, deadline);
        }
        return InsertEach(data, rows, keys, deadline);
      }));

  // Sample(table, max_items=1, timeout_seconds=None) -> {key: uint64[n], priority:
  // float64[n], probability: float64[n], times_sampled: int64[n], table_size: int64[n],
  // data: [value] * n}
  results.push_back(RegisterReturning(
      server, "Sample",
      [this](courier::CallArguments& call) -> absl::StatusOr<SampleReply> {
        Arguments args(call, 1, 3);
        if (absl::Status s =
                args.CheckCount("Sample", "(table, max_items=1, timeout_seconds=None)");
            !s.ok()) {
          return s;
        }
        std::string name;
        int64_t max_items = 1;
        std::optional<double> timeout;
        for (absl::Status s : {args.Get(0, &name), args.Get(1, &max_items), args.Get(2, &timeout)}) {
          if (!s.ok()) return s;
        }
        if (max_items < 1) {
          return absl::InvalidArgumentError(
              absl::StrCat("max_items is ", max_items, "; sample at least 1"));
        }
        absl::StatusOr<replay::Table*> table = Find(name);
        if (!table.ok()) return table.status();
        absl::StatusOr<std::vector<replay::SampledItem>> items =
            SampleWaiting(**table, max_items, DeadlineAfter(timeout));
        if (!items.ok()) return items.status();
        return ColumnsOf(*std::move(items));
      }));

  // UpdatePriorities(table, {key: priority}) -> number of unknown keys
  results.push_back(RegisterReturning(
      server, "UpdatePriorities", [this](courier::CallArguments& call) -> absl::StatusOr<int64_t> {
        Arguments args(call, 2, 2);
        if (absl::Status s = args.CheckCount("UpdatePriorities", "(table, {key: priority})");
            !s.ok()) {
          return s;
        }
        std::string name;
        std::map<uint64_t, double> priorities;
        for (absl::Status s : {args.Get(0, &name), args.Get(1, &priorities)}) {
          if (!s.ok()) return s;
        }
        absl::StatusOr<replay::Table*> table = Find(name);
        if (!table.ok()) return table.status();
        return (*table)->UpdatePriorities({priorities.begin(), priorities.end()});
      }));

  // Delete(table, [key]) -> number deleted
  results.push_back(RegisterReturning(
      server, "Delete", [this](courier::CallArguments& call) -> absl::StatusOr<int64_t> {
        Arguments args(call, 2, 2);
        if (absl::Status s = args.CheckCount("Delete", "(table, [key])"); !s.ok()) return s;
        std::string name;
        std::vector<uint64_t> keys;
        for (absl::Status s : {args.Get(0, &name), args.Get(1, &keys)}) {
          if (!s.ok()) return s;
        }
        absl::StatusOr<replay::Table*> table = Find(name);
        if (!table.ok()) return table.status();
        return (*table)->Delete(keys);
      }));

  // Info(table=None) -> {table: info} (every table, or the one named)
  results.push_back(RegisterReturning(
      server, "Info",
      [this](courier::CallArguments& call)
          -> absl::StatusOr<std::map<std::string, ReplayTableInfo>> {
        Arguments args(call, 0, 1);
        if (absl::Status s = args.CheckCount("Info", "(table=None)"); !s.ok()) return s;
        std::optional<std::string> name;
        if (absl::Status s = args.Get(0, &name); !s.ok()) return s;
        std::map<std::string, ReplayTableInfo> infos;
        if (name.has_value()) {
          absl::StatusOr<replay::Table*> table = Find(*name);
          if (!table.ok()) return table.status();
          infos[*name] = InfoOf((*table)->Info());
        } else {
          for (const auto& [table_name, table] : tables_) infos[table_name] = InfoOf(table->Info());
        }
        return infos;
      }));

  // Reset(table) -> None
  results.push_back(RegisterReturning(
      server, "Reset", [this](courier::CallArguments& call) -> absl::StatusOr<std::monostate> {
        Arguments args(call, 1, 1);
        if (absl::Status s = args.CheckCount("Reset", "(table)"); !s.ok()) return s;
        std::string name;
        if (absl::Status s = args.Get(0, &name); !s.ok()) return s;
        absl::StatusOr<replay::Table*> table = Find(name);
        if (!table.ok()) return table.status();
        if (absl::Status s = (*table)->Reset(); !s.ok()) return s;
        return std::monostate();
      }));

  // Checkpoint() -> path
  results.push_back(RegisterReturning(
      server, "Checkpoint", [this](courier::CallArguments& call) -> absl::StatusOr<std::string> {
        Arguments args(call, 0, 0);
        if (absl::Status s = args.CheckCount("Checkpoint", "()"); !s.ok()) return s;
        return Checkpoint();
      }));

  for (const absl::Status& status : results) {
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

}  // namespace lp::internal
