#include <cxxabi.h>

#include <cstdlib>
#include <memory>
#include <mutex>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "lp/errors.h"
#include "lp/internal/node_impl.h"

namespace lp {

std::string NodeId::ToString() const { return absl::StrCat(group, "/", index); }

namespace internal {

void RuntimeSlot::Attach(std::shared_ptr<Runtime> runtime) {
  std::lock_guard lock(mu_);
  runtime_ = std::move(runtime);
}

std::shared_ptr<Runtime> RuntimeSlot::Get() const {
  std::lock_guard lock(mu_);
  return runtime_;
}

std::shared_ptr<Runtime> NodeRecord::RuntimeOrThrow() const {
  // (No slot: the record was added to a program after it was moved from.)
  std::shared_ptr<Runtime> runtime = runtime_ == nullptr ? nullptr : runtime_->Get();
  if (runtime == nullptr) {
    throw NotLaunchedError(absl::StrCat(
        "the handle of node ", id_.ToString(), " was dereferenced, but program '",
        program_name_,
        "' has not been launched. Handles become clients inside running nodes: pass the "
        "handle to a node's constructor arguments, or call lp::Launch first"));
  }
  return runtime;
}

std::string DemangledTypeName(const char* mangled) {
  // Remembered: demangling takes microseconds, and every worker asks for the kind of every
  // node of the program (ProgramFingerprint), the same few names a thousand times in a
  // program of a thousand nodes. Forked workers inherit what the fork server learnt.
  static std::mutex mu;
  static auto* known = new absl::flat_hash_map<std::string, std::string>();  // guarded by mu
  std::lock_guard lock(mu);
  if (auto it = known->find(absl::string_view(mangled)); it != known->end()) return it->second;
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> demangled(
      abi::__cxa_demangle(mangled, nullptr, nullptr, &status), std::free);
  std::string name = status == 0 && demangled != nullptr ? std::string(demangled.get())
                                                         : std::string(mangled);
  known->emplace(mangled, name);
  return name;
}

}  // namespace internal
}  // namespace lp
