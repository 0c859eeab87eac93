#include "lp/program.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "lp/errors.h"

namespace lp {

GroupScope::~GroupScope() { program_->current_group_.reset(); }

Program::Program(std::string name)
    : name_(std::move(name)), runtime_(std::make_shared<internal::RuntimeSlot>()) {}
Program::Program(Program&&) noexcept = default;
Program& Program::operator=(Program&&) noexcept = default;
Program::~Program() = default;

GroupScope Program::Group(std::string_view label) {
  if (label.empty()) {
    throw ProgramError(absl::StrCat("program '", name_, "': a group label must not be empty"));
  }
  if (current_group_.has_value()) {
    throw ProgramError(absl::StrCat("program '", name_, "': cannot open group '", std::string(label),
                                    "' inside group '", *current_group_,
                                    "'; groups do not nest: close the outer one first"));
  }
  current_group_ = std::string(label);
  return GroupScope(this);
}

const Program::GroupNodes* Program::FindGroup(std::string_view label) const {
  for (const GroupNodes& group : groups_) {
    if (group.label == label) return &group;
  }
  return nullptr;
}

int Program::NumNodes() const {
  int count = 0;
  for (const GroupNodes& group : groups_) count += static_cast<int>(group.nodes.size());
  return count;
}

std::shared_ptr<internal::NodeRecord> Program::RecordOf(const internal::NodeImpl& node) const {
  if (node.record() == nullptr || node.record()->program_name() != name_) {
    throw ProgramError(absl::StrCat("program '", name_, "': HandleOf() was given a ",
                                    node.TypeName(),
                                    " that was not added to this program (directly or inside a "
                                    "colocation)"));
  }
  return node.record();
}

std::shared_ptr<internal::NodeRecord> Program::AddNodeImpl(
    std::shared_ptr<internal::NodeImpl> node, std::string_view label) {
  if (current_group_.has_value()) {
    if (!label.empty() && label != *current_group_) {
      throw ProgramError(absl::StrCat("program '", name_, "': node label '", std::string(label),
                                      "' differs from the enclosing group '", *current_group_,
                                      "'; leave the label out inside a group"));
    }
    label = *current_group_;
  }
  if (label.empty()) {
    throw ProgramError(absl::StrCat("program '", name_, "': a ", node->TypeName(),
                                    " was added without a label outside any group; give it "
                                    "a label or add it inside program.Group(\"...\")"));
  }
  if (node->record() != nullptr) {
    throw ProgramError(absl::StrCat("program '", name_, "': node ",
                                    node->record()->id().ToString(),
                                    " was added again (as '", std::string(label),
                                    "'); a node can be added to a program only once"));
  }
  GroupNodes* group = nullptr;
  for (GroupNodes& existing : groups_) {
    if (existing.label == label) group = &existing;
  }
  if (group == nullptr) group = &groups_.emplace_back(GroupNodes{std::string(label), {}});
  NodeId id{std::string(label), static_cast<int>(group->nodes.size())};
  auto record = std::make_shared<internal::NodeRecord>(name_, std::move(id), runtime_);
  node->set_record(record);
  group->nodes.push_back(std::move(node));
  return record;
}

}  // namespace lp
