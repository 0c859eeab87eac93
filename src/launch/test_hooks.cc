#include "src/launch/test_hooks.h"

#include <mutex>
#include <set>

#include "src/launch/launcher.h"

namespace lp::internal {
namespace {

constinit std::mutex g_reporter_mu;
TestFailureReporter* g_reporter = nullptr;  // guarded by g_reporter_mu

// Held while a launch is being stopped from the test's end, so that the launch cannot be
// destroyed (it unregisters first) while we use it.
constinit std::mutex g_launches_mu;
std::set<Launcher*>* g_launches = nullptr;  // guarded by g_launches_mu

}  // namespace

void SetTestFailureReporter(TestFailureReporter reporter) {
  std::lock_guard lock(g_reporter_mu);
  delete g_reporter;
  g_reporter = reporter ? new TestFailureReporter(std::move(reporter)) : nullptr;
}

bool HasTestFailureReporter() {
  std::lock_guard lock(g_reporter_mu);
  return g_reporter != nullptr;
}

void ReportTestFailure(const std::string& message) {
  std::lock_guard lock(g_reporter_mu);
  if (g_reporter != nullptr) (*g_reporter)(message);
}

namespace {
constinit std::mutex g_adjuster_mu;
TestWorkerArgvAdjuster* g_adjuster = nullptr;  // guarded by g_adjuster_mu
}  // namespace

void SetTestWorkerArgvAdjuster(TestWorkerArgvAdjuster adjuster) {
  std::lock_guard lock(g_adjuster_mu);
  delete g_adjuster;
  g_adjuster = adjuster ? new TestWorkerArgvAdjuster(std::move(adjuster)) : nullptr;
}

std::vector<std::string> AdjustTestWorkerArgv(std::vector<std::string> argv) {
  std::lock_guard lock(g_adjuster_mu);
  return g_adjuster == nullptr ? argv : (*g_adjuster)(std::move(argv));
}

void RegisterTestLaunch(Launcher* launcher) {
  std::lock_guard lock(g_launches_mu);
  if (g_launches == nullptr) g_launches = new std::set<Launcher*>();
  g_launches->insert(launcher);
}

void UnregisterTestLaunch(Launcher* launcher) {
  std::lock_guard lock(g_launches_mu);
  if (g_launches != nullptr) g_launches->erase(launcher);
}

int StopAllTestLaunches() {
  std::lock_guard lock(g_launches_mu);
  if (g_launches == nullptr) return 0;
  for (Launcher* launcher : *g_launches) launcher->Stop();
  for (Launcher* launcher : *g_launches) (void)launcher->Wait();
  const int count = static_cast<int>(g_launches->size());
  g_launches->clear();
  return count;
}

}  // namespace lp::internal
