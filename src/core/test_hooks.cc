#include "src/core/test_hooks.h"

#include <set>

#include "absl/base/const_init.h"
#include "absl/synchronization/mutex.h"
#include "src/core/launcher.h"

namespace lp::internal {
namespace {

ABSL_CONST_INIT absl::Mutex g_reporter_mu(absl::kConstInit);
TestFailureReporter* g_reporter ABSL_GUARDED_BY(g_reporter_mu) = nullptr;

// Held while a launch is being stopped from the test's end, so that the launch cannot be
// destroyed (it unregisters first) while we use it.
ABSL_CONST_INIT absl::Mutex g_launches_mu(absl::kConstInit);
std::set<Launcher*>* g_launches ABSL_GUARDED_BY(g_launches_mu) = nullptr;

}  // namespace

void SetTestFailureReporter(TestFailureReporter reporter) {
  absl::MutexLock lock(&g_reporter_mu);
  delete g_reporter;
  g_reporter = reporter ? new TestFailureReporter(std::move(reporter)) : nullptr;
}

bool HasTestFailureReporter() {
  absl::MutexLock lock(&g_reporter_mu);
  return g_reporter != nullptr;
}

void ReportTestFailure(const std::string& message) {
  absl::MutexLock lock(&g_reporter_mu);
  if (g_reporter != nullptr) (*g_reporter)(message);
}

void RegisterTestLaunch(Launcher* launcher) {
  absl::MutexLock lock(&g_launches_mu);
  if (g_launches == nullptr) g_launches = new std::set<Launcher*>();
  g_launches->insert(launcher);
}

void UnregisterTestLaunch(Launcher* launcher) {
  absl::MutexLock lock(&g_launches_mu);
  if (g_launches != nullptr) g_launches->erase(launcher);
}

int StopAllTestLaunches() {
  absl::MutexLock lock(&g_launches_mu);
  if (g_launches == nullptr) return 0;
  for (Launcher* launcher : *g_launches) launcher->Stop();
  for (Launcher* launcher : *g_launches) (void)launcher->Wait();
  const int count = static_cast<int>(g_launches->size());
  g_launches->clear();
  return count;
}

}  // namespace lp::internal
