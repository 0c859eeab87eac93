#include <memory>

#include "src/replay/table.h"

namespace lp::replay {

absl::StatusOr<std::unique_ptr<Table>> Table::Restore(TableConfig, const TableCheckpoint&) {
  return absl::UnimplementedError("stub");
}

absl::Status Table::Save(TableCheckpoint*) const { return absl::UnimplementedError("stub"); }

}  // namespace lp::replay
