#include "src/replay/table.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"

namespace lp::replay {
namespace {

// The most SampledItems Sample reserves room for up front.
constexpr int64_t kMaxReserve = 1024;

}  // namespace

absl::StatusOr<std::unique_ptr<Table>> Table::Create(TableConfig config) {
  if (absl::Status status = config.Validate(); !status.ok()) return status;
  return std::unique_ptr<Table>(new Table(std::move(config)));
}

Table::Table(TableConfig config)
    : config_(std::move(config)),
      sampler_(MakeItemSelector(config_.sampler)),
      remover_(MakeItemSelector(config_.remover)),
      limiter_(config_.rate_limiter),
      random_(config_.seed.has_value() ? *config_.seed : std::random_device{}()) {}

Table::~Table() = default;

absl::Status Table::CheckPriority(double priority) const {
  if (!std::isfinite(priority) || priority < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "replay table '", config_.name, "': priority ", priority,
        " is not a finite number >= 0"));
  }
  for (const Selector* selector : {&config_.sampler, &config_.remover}) {
    if (selector->kind == Selector::Kind::kPrioritized &&
        !std::isfinite(std::pow(priority, selector->priority_exponent))) {
      return absl::InvalidArgumentError(absl::StrCat(
          "replay table '", config_.name, "': priority ", priority, " to the power ",
          selector->priority_exponent, " overflows; use smaller priorities"));
    }
  }
  return absl::OkStatus();
}

template <typename Allowed>
absl::Status Table::AwaitLocked(std::unique_lock<std::mutex>& lock,
                                std::condition_variable& cv, int64_t* blocked,
                                absl::Time deadline, const char* what, Allowed allowed) {
  bool timed_out = false;
  if (!is_closed_ && !allowed()) {
    ++*blocked;
    // Every change that can make `allowed` true (or closes the table) notifies `cv` under
    // mu_ (NotifyWaitersLocked, Close), and we hold mu_ from each check to each wait, so
    // no wake-up is lost. The deadline is turned into a steady-clock wait, immune to
    // changes of the wall clock.
    while (!is_closed_ && !allowed()) {
      if (deadline == absl::InfiniteFuture()) {
        cv.wait(lock);
        continue;
      }
      const absl::Duration left = deadline - absl::Now();
      if (left <= absl::ZeroDuration()) {
        timed_out = true;
        break;
      }
      cv.wait_for(lock, absl::ToChronoNanoseconds(left));
    }
    --*blocked;
  }
  if (is_closed_) return closed_;
  if (timed_out) {
    return absl::DeadlineExceededError(absl::StrCat(
        "replay table '", config_.name, "': ", what, " (",
        limiter_.DescribeState(static_cast<int64_t>(items_.size())), ")"));
  }
  return absl::OkStatus();
}

void Table::NotifyWaitersLocked() {
  const int64_t size = static_cast<int64_t>(items_.size());
  if (blocked_inserts_ > 0 && limiter_.CanInsert(size)) can_insert_.notify_all();
  if (blocked_samples_ > 0 && limiter_.CanSample(size)) can_sample_.notify_all();
}

absl::Status Table::CheckItem(const TableItem& item) const {
  if (item.data == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("replay table '", config_.name, "': an item without data"));
  }
  return CheckPriority(item.priority);
}

absl::Status Table::Insert(TableItem item, absl::Time deadline) {
  if (absl::Status status = CheckItem(item); !status.ok()) return status;
  Released released;  // destroyed after `lock`: see Released
  std::unique_lock lock(mu_);
  if (is_closed_) return closed_;
  if (!items_.contains(item.key)) {
    absl::Status allowed = AwaitLocked(
        lock, can_insert_, &blocked_inserts_, deadline,
        "Insert waited until its deadline for the rate limiter, which lets it proceed "
        "after more samples",
        [this] { return limiter_.CanInsert(static_cast<int64_t>(items_.size())); });
    if (!allowed.ok()) return allowed;
  }
  InsertAllowedLocked(std::move(item), &released);
  NotifyWaitersLocked();
  return absl::OkStatus();
}

absl::Status Table::InsertWhileAllowed(absl::Span<TableItem> items, size_t* inserted) {
  *inserted = 0;
  // Checked before locking, so that a bad item is refused where Insert would refuse it.
  size_t valid = 0;
  absl::Status invalid;
  for (; valid < items.size(); ++valid) {
    invalid = CheckItem(items[valid]);
    if (!invalid.ok()) break;
  }
  Released released;  // destroyed after `lock`: see Released
  released.reserve(valid);
  std::unique_lock lock(mu_);
  if (is_closed_) return closed_;
  for (; *inserted < valid; ++*inserted) {
    TableItem& item = items[*inserted];
    // A key the table holds is an update, which the limiter does not gate.
    if (!items_.contains(item.key) &&
        !limiter_.CanInsert(static_cast<int64_t>(items_.size()))) {
      break;
    }
    InsertAllowedLocked(std::move(item), &released);
  }
  if (*inserted > 0) NotifyWaitersLocked();
  return *inserted == valid ? invalid : absl::OkStatus();
}

void Table::InsertAllowedLocked(TableItem item, Released* released) {
  // An existing key (another caller may have inserted it while this one waited) is an
  // update in place.
  if (auto it = items_.find(item.key); it != items_.end()) {
    it->second.priority = item.priority;
    released->push_back(std::exchange(it->second.data, std::move(item.data)));
    sampler_->Update(item.key, item.priority);
    remover_->Update(item.key, item.priority);
    return;
  }
  if (static_cast<int64_t>(items_.size()) >= config_.max_size) {
    released->push_back(RemoveLocked(remover_->Select(random_).key));
    limiter_.RecordDelete();
  }
  InsertLocked(item.key, item.priority, std::move(item.data));
  limiter_.RecordInsert();
}

void Table::InsertLocked(uint64_t key, double priority, ItemData data) {
  items_[key] = StoredItem{priority, 0, next_order_++, std::move(data)};
  sampler_->Insert(key, priority);
  remover_->Insert(key, priority);
}

ItemData Table::RemoveLocked(uint64_t key) {
  auto it = items_.find(key);
  ItemData data = std::move(it->second.data);
  items_.erase(it);
  sampler_->Delete(key);
  remover_->Delete(key);
  return data;
}

absl::StatusOr<std::vector<SampledItem>> Table::Sample(int64_t max_items,
                                                        absl::Time deadline) {
  if (max_items < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "replay table '", config_.name, "': Sample of ", max_items, " items; ask for >= 1"));
  }
  std::unique_lock lock(mu_);
  if (is_closed_) return closed_;
  auto can_sample = [this] { return limiter_.CanSample(static_cast<int64_t>(items_.size())); };
  absl::Status allowed = AwaitLocked(
      lock, can_sample_, &blocked_samples_, deadline,
      "Sample waited until its deadline for the rate limiter, which lets it proceed after "
      "more inserts (and once the table holds min_size_to_sample items)",
      can_sample);
  if (!allowed.ok()) return allowed;
  std::vector<SampledItem> sampled;
  // Not max_items: a caller may ask for far more than the limiter will hand out.
  sampled.reserve(static_cast<size_t>(std::min<int64_t>(max_items, kMaxReserve)));
  do {
    sampled.push_back(SampleOneLocked());
  } while (static_cast<int64_t>(sampled.size()) < max_items && can_sample());
  NotifyWaitersLocked();
  return sampled;
}

SampledItem Table::SampleOneLocked() {
  const ItemSelector::Pick pick = sampler_->Select(random_);
  StoredItem& item = items_.at(pick.key);
  ++item.times_sampled;
  limiter_.RecordSample();
  SampledItem sampled{pick.key,         item.priority,
                      item.times_sampled, pick.probability,
                      static_cast<int64_t>(items_.size()), item.data};
  if (config_.max_times_sampled > 0 && item.times_sampled >= config_.max_times_sampled) {
    RemoveLocked(pick.key);
    limiter_.RecordDelete();
  }
  return sampled;
}

absl::StatusOr<int64_t> Table::UpdatePriorities(
    const std::vector<std::pair<uint64_t, double>>& priorities) {
  for (const auto& [key, priority] : priorities) {
    if (absl::Status status = CheckPriority(priority); !status.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(status.message(), " (key ", key, "); no priority was updated"));
    }
  }
  std::lock_guard lock(mu_);
  if (is_closed_) return closed_;
  int64_t unknown = 0;
  for (const auto& [key, priority] : priorities) {
    auto it = items_.find(key);
    if (it == items_.end()) {
      ++unknown;
      continue;
    }
    it->second.priority = priority;
    sampler_->Update(key, priority);
    remover_->Update(key, priority);
  }
  return unknown;
}

absl::StatusOr<int64_t> Table::Delete(const std::vector<uint64_t>& keys) {
  Released released;  // destroyed after `lock`: see Released
  std::lock_guard lock(mu_);
  if (is_closed_) return closed_;
  int64_t deleted = 0;
  for (uint64_t key : keys) {
    if (!items_.contains(key)) continue;
    released.push_back(RemoveLocked(key));
    limiter_.RecordDelete();
    ++deleted;
  }
  NotifyWaitersLocked();
  return deleted;
}

absl::Status Table::Reset() {
  absl::flat_hash_map<uint64_t, StoredItem> released;  // destroyed after `lock`
  std::lock_guard lock(mu_);
  if (is_closed_) return closed_;
  released.swap(items_);
  sampler_->Clear();
  remover_->Clear();
  limiter_.Reset();
  NotifyWaitersLocked();
  return absl::OkStatus();
}

TableInfo Table::Info() const {
  std::lock_guard lock(mu_);
  TableInfo info;
  info.config = config_;
  info.size = static_cast<int64_t>(items_.size());
  info.inserts = limiter_.inserts();
  info.samples = limiter_.samples();
  info.deletes = limiter_.deletes();
  info.blocked_inserts = blocked_inserts_;
  info.blocked_samples = blocked_samples_;
  info.closed = is_closed_;
  return info;
}

void Table::Close(absl::Status why) {
  std::lock_guard lock(mu_);
  if (is_closed_) return;
  is_closed_ = true;
  closed_ = why.ok() ? absl::CancelledError(absl::StrCat("replay table '", config_.name,
                                                          "' was closed"))
                     : std::move(why);
  can_insert_.notify_all();
  can_sample_.notify_all();
}

}  // namespace lp::replay
