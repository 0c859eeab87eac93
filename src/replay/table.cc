#include "src/replay/table.h"

#include <memory>
#include <utility>

namespace lp::replay {

absl::StatusOr<std::unique_ptr<Table>> Table::Create(TableConfig config) {
  if (absl::Status status = config.Validate(); !status.ok()) return status;
  return std::unique_ptr<Table>(new Table(std::move(config)));
}

Table::Table(TableConfig config)
    : config_(std::move(config)),
      sampler_(MakeItemSelector(config_.sampler)),
      remover_(MakeItemSelector(config_.remover)),
      limiter_(config_.rate_limiter),
      random_(config_.seed.value_or(std::random_device{}())) {}

Table::~Table() = default;

absl::Status Table::Insert(TableItem, absl::Time) { return absl::UnimplementedError("stub"); }

absl::StatusOr<std::vector<SampledItem>> Table::Sample(int64_t, absl::Time) {
  return absl::UnimplementedError("stub");
}

absl::StatusOr<int64_t> Table::UpdatePriorities(
    const std::vector<std::pair<uint64_t, double>>&) {
  return absl::UnimplementedError("stub");
}

absl::StatusOr<int64_t> Table::Delete(const std::vector<uint64_t>&) {
  return absl::UnimplementedError("stub");
}

absl::Status Table::Reset() { return absl::UnimplementedError("stub"); }

TableInfo Table::Info() const { return TableInfo{config_}; }

void Table::Close(absl::Status) {}

}  // namespace lp::replay
