#include <mutex>

#include "absl/strings/str_cat.h"
#include "lp/context.h"
#include "lp/errors.h"
#include "src/core/current_runtime.h"

namespace lp {
namespace internal {
namespace {

thread_local std::shared_ptr<Runtime> t_runtime;
thread_local const NodeContext* t_context = nullptr;

// std::mutex has a constexpr constructor: usable during static initialization and exit.
constinit std::mutex g_latest_mu;
// Guarded by g_latest_mu. Deliberately leaked: threads a node started may still ask for
// it while the process exits.
std::shared_ptr<Runtime>* g_latest = nullptr;

}  // namespace

void SetLatestRuntime(std::shared_ptr<Runtime> runtime) {
  std::lock_guard lock(g_latest_mu);
  if (g_latest == nullptr) g_latest = new std::shared_ptr<Runtime>();
  *g_latest = std::move(runtime);
}

std::shared_ptr<Runtime> CurrentRuntime() {
  if (t_runtime != nullptr) return t_runtime;
  std::lock_guard lock(g_latest_mu);
  return g_latest == nullptr ? nullptr : *g_latest;
}

std::shared_ptr<Runtime> CurrentRuntimeOrThrow(const char* what) {
  std::shared_ptr<Runtime> runtime = CurrentRuntime();
  if (runtime == nullptr) {
    throw NotLaunchedError(absl::StrCat(what, " was called, but no program has been launched "
                                              "in this process; call lp::Launch first"));
  }
  return runtime;
}

ScopedNodeThread::ScopedNodeThread(std::shared_ptr<Runtime> runtime, const NodeContext* context)
    : previous_runtime_(std::move(t_runtime)),
      previous_context_(t_context),
      label_(context != nullptr ? context->node.ToString() : metrics::kNoNodeLabel) {
  t_runtime = std::move(runtime);
  t_context = context;
}

ScopedNodeThread::~ScopedNodeThread() {
  t_runtime = std::move(previous_runtime_);
  t_context = previous_context_;
}

}  // namespace internal

const NodeContext* CurrentNode() { return internal::t_context; }

std::string LaunchId() {
  std::shared_ptr<internal::Runtime> runtime = internal::CurrentRuntime();
  return runtime == nullptr ? std::string() : runtime->launch.id;
}

absl::Time LaunchStartTime() {
  std::shared_ptr<internal::Runtime> runtime = internal::CurrentRuntime();
  return runtime == nullptr ? absl::InfinitePast() : runtime->launch.start;
}

}  // namespace lp
