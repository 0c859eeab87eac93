#include "src/launch/program_outcome.h"

#include "absl/strings/str_cat.h"

namespace lp::internal {

bool ProgramOutcome::RecordNodeEnd(const NodeId& node, const NodeOutcome& outcome,
                                   bool stopping) {
  if (!recorded_.insert(node.ToString()).second) return false;
  switch (outcome.kind) {
    case NodeOutcome::Kind::kReturned:
    case NodeOutcome::Kind::kStopped:
      return false;
    case NodeOutcome::Kind::kCallFailed:
      if (stopping) return false;
      if (!consequence_.has_value()) consequence_ = Failure{node, outcome.message};
      return true;
    case NodeOutcome::Kind::kFailed:
      if (!root_.has_value()) root_ = Failure{node, outcome.message};
      return true;
  }
  return false;
}

void ProgramOutcome::RecordLaunchError(absl::Status error) {
  if (launch_error_.ok()) launch_error_ = std::move(error);
}

void ProgramOutcome::RecordStragglers(absl::Status stragglers) {
  if (stragglers_.ok()) stragglers_ = std::move(stragglers);
}

absl::Status ProgramOutcome::Final(const Describe& describe) const {
  if (!launch_error_.ok()) return launch_error_;
  const std::optional<Failure>& failure = root_.has_value() ? root_ : consequence_;
  if (failure.has_value()) return absl::AbortedError(describe(failure->node, failure->cause));
  return stragglers_;
}

}  // namespace lp::internal
