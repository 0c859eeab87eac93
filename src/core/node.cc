#include <cxxabi.h>

#include <cstdlib>
#include <memory>

#include "absl/strings/str_cat.h"
#include "lp/errors.h"
#include "lp/internal/node_impl.h"

namespace lp {

std::string NodeId::ToString() const { return absl::StrCat(group, "/", index); }

namespace internal {

void NodeRecord::Attach(std::shared_ptr<Runtime> runtime) {
  std::lock_guard lock(mu_);
  runtime_ = std::move(runtime);
}

std::shared_ptr<Runtime> NodeRecord::RuntimeOrThrow() const {
  std::lock_guard lock(mu_);
  if (runtime_ == nullptr) {
    throw NotLaunchedError(absl::StrCat(
        "the handle of node ", id_.ToString(), " was dereferenced, but program '",
        program_name_,
        "' has not been launched. Handles become clients inside running nodes: pass the "
        "handle to a node's constructor arguments, or call lp::Launch first"));
  }
  return runtime_;
}

std::string DemangledTypeName(const char* mangled) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> demangled(
      abi::__cxa_demangle(mangled, nullptr, nullptr, &status), std::free);
  return status == 0 && demangled != nullptr ? std::string(demangled.get())
                                             : std::string(mangled);
}

}  // namespace internal
}  // namespace lp
