#include "src/coordinator/node_registry.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "lp/internal/deadline_wait.h"
#include "src/coordinator/fingerprint.h"

namespace lp::internal {

NodeRegistry::NodeRegistry(std::string program_name, std::string fingerprint,
                           std::vector<NodeId> nodes)
    : program_name_(std::move(program_name)),
      fingerprint_(std::move(fingerprint)),
      nodes_(nodes.begin(), nodes.end()) {}

absl::Status NodeRegistry::CheckKnown(const NodeId& node) const {
  if (nodes_.contains(node)) return absl::OkStatus();
  return absl::NotFoundError(absl::StrCat("node ", node.ToString(), " is not a node of program '",
                                          program_name_, "' (it has ", nodes_.size(),
                                          " nodes); was the worker started for another program?"));
}

absl::Status NodeRegistry::Register(NodeRegistration registration,
                                    std::string_view fingerprint) {
  if (fingerprint != fingerprint_) {
    return absl::FailedPreconditionError(
        absl::StrCat("node ", registration.node.ToString(), " of program '", program_name_,
                     "' cannot run: ", DescribeFingerprintMismatch(fingerprint_, fingerprint)));
  }
  if (absl::Status known = CheckKnown(registration.node); !known.ok()) return known;
  std::lock_guard lock(mu_);
  NodeId node = registration.node;
  registrations_.insert_or_assign(std::move(node), std::move(registration));
  registered_.notify_all();
  return absl::OkStatus();
}

absl::Status NodeRegistry::RecordExit(ExitReport report) {
  if (absl::Status known = CheckKnown(report.node); !known.ok()) return known;
  std::lock_guard lock(mu_);
  exit_reports_.push_back(std::move(report));
  return absl::OkStatus();
}

std::optional<NodeRegistration> NodeRegistry::Registration(const NodeId& node) const {
  std::lock_guard lock(mu_);
  auto it = registrations_.find(node);
  if (it == registrations_.end()) return std::nullopt;
  return it->second;
}

std::vector<NodeRegistration> NodeRegistry::Registrations() const {
  std::lock_guard lock(mu_);
  std::vector<NodeRegistration> out;
  out.reserve(registrations_.size());
  for (const auto& [node, registration] : registrations_) out.push_back(registration);
  return out;
}

bool NodeRegistry::AwaitAllRegistered(absl::Time deadline) const {
  std::unique_lock lock(mu_);
  auto all = [this] { return registrations_.size() == nodes_.size(); };
  return WaitUntil(registered_, lock, deadline, all);
}

std::optional<ExitReport> NodeRegistry::ExitReportOf(const NodeId& node) const {
  std::lock_guard lock(mu_);
  for (auto it = exit_reports_.rbegin(); it != exit_reports_.rend(); ++it) {
    if (it->node == node) return *it;
  }
  return std::nullopt;
}

std::vector<ExitReport> NodeRegistry::ExitReports() const {
  std::lock_guard lock(mu_);
  return exit_reports_;
}

}  // namespace lp::internal
