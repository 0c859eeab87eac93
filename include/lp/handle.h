#ifndef LP_HANDLE_H_
#define LP_HANDLE_H_

#include <concepts>
#include <memory>

#include "lp/context.h"
#include "lp/internal/node_impl.h"

namespace lp {

// A handle names a node of a program before it runs: Program::AddNode returns one. Given
// to another node's constructor arguments, it becomes a client of that node (see
// lp/dereference.h) in the receiving node's own thread or process.
//
// A node kind with a client defines a handle class that derives from HandleBase and has
//   using ClientType = ...;
//   ClientType Dereference() const;   // calls RuntimeOrThrow() first
// which is all the dereferencing machinery needs (the DereferenceableHandle concept).
//
// Thread safety: handles are immutable values; copy and use them from any thread.
class HandleBase {
 public:
  explicit HandleBase(std::shared_ptr<internal::NodeRecord> record) : record_(std::move(record)) {}

  // The node this handle names.
  const NodeId& node() const { return record_->id(); }
  const std::string& program_name() const { return record_->program_name(); }

 protected:
  // The launched program's runtime; throws lp::NotLaunchedError before lp::Launch.
  std::shared_ptr<internal::Runtime> RuntimeOrThrow() const { return record_->RuntimeOrThrow(); }
  const std::shared_ptr<internal::NodeRecord>& record() const { return record_; }

 private:
  std::shared_ptr<internal::NodeRecord> record_;
};

// The handle of a node kind without a client (FunctionNode, ClassNode): it only names the
// node. Passed to another node, it arrives unchanged.
class NodeHandle : public HandleBase {
 public:
  using HandleBase::HandleBase;
};

template <typename H>
concept DereferenceableHandle = std::derived_from<H, HandleBase> && requires(const H& handle) {
  typename H::ClientType;
  { handle.Dereference() } -> std::convertible_to<typename H::ClientType>;
};

}  // namespace lp

#endif  // LP_HANDLE_H_
