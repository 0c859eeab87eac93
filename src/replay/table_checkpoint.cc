// Table::Save and Table::Restore: one table to and from its TableCheckpoint.
#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "src/replay/config_proto.h"
#include "src/replay/table.h"

namespace lp::replay {

absl::Status Table::Save(TableCheckpoint* out) const {
  struct Saved {
    uint64_t order;
    uint64_t key;
    double priority;
    int64_t times_sampled;
    std::shared_ptr<const courier::SerializedObject> data;
  };
  std::vector<Saved> saved;
  {
    // Under the lock only what is cheap to take: the data is shared and immutable, so it
    // is copied into the proto after the lock is released, without holding up callers.
    std::lock_guard lock(mu_);
    saved.reserve(items_.size());
    for (const auto& [key, item] : items_) {
      saved.push_back(Saved{item.order, key, item.priority, item.times_sampled, item.data});
    }
    out->Clear();
    out->set_inserts(limiter_.inserts());
    out->set_samples(limiter_.samples());
    out->set_deletes(limiter_.deletes());
  }
  *out->mutable_config() = ToProto(config_);
  std::sort(saved.begin(), saved.end(),
            [](const Saved& a, const Saved& b) { return a.order < b.order; });
  out->mutable_items()->Reserve(static_cast<int>(saved.size()));
  for (const Saved& item : saved) {
    TableItemProto& proto = *out->add_items();
    proto.set_key(item.key);
    proto.set_priority(item.priority);
    proto.set_times_sampled(item.times_sampled);
    *proto.mutable_data() = *item.data;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Table>> Table::Restore(TableConfig config,
                                                      const TableCheckpoint& checkpoint) {
  if (config.name != checkpoint.config().name()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "replay table '", config.name, "': the checkpoint is of table '",
        checkpoint.config().name(), "'; restore each table from its own checkpoint"));
  }
  absl::StatusOr<std::unique_ptr<Table>> created = Create(std::move(config));
  if (!created.ok()) return created.status();
  Table& table = **created;
  std::lock_guard lock(table.mu_);
  for (const TableItemProto& item : checkpoint.items()) {
    if (absl::Status status = table.CheckPriority(item.priority()); !status.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("checkpoint: ", status.message(), " (key ", item.key(), ")"));
    }
    if (table.items_.contains(item.key())) {
      return absl::InvalidArgumentError(absl::StrCat(
          "checkpoint of replay table '", table.name(), "': key ", item.key(),
          " appears twice; the checkpoint is corrupt"));
    }
    table.InsertLocked(item.key(), item.priority(),
                       std::make_shared<const courier::SerializedObject>(item.data()));
    table.items_.at(item.key()).times_sampled = item.times_sampled();
  }
  // A smaller max_size than the checkpoint's: the remover picks what goes among all the
  // items (not only among the first max_size, as inserting them one by one would).
  while (static_cast<int64_t>(table.items_.size()) > table.config_.max_size) {
    table.RemoveLocked(table.remover_->Select(table.random_).key);
  }
  table.limiter_.SetCounts(checkpoint.inserts(), checkpoint.samples(), checkpoint.deletes());
  return created;
}

}  // namespace lp::replay
