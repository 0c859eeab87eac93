#include "bench/rpc/placement.h"

#include <dirent.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <string>

#include "bench/rpc/malloc_count.h"

namespace lp::bench {
namespace {

double Seconds(const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec * 1e-6; }

// Calls `visit(tid)` for every thread listed in /proc/self/task.
template <typename Visit>
void ForEachThread(Visit visit) {
  DIR* tasks = opendir("/proc/self/task");
  if (tasks == nullptr) {
    std::perror("bench_rpc: /proc/self/task");
    std::abort();
  }
  while (const dirent* entry = readdir(tasks)) {
    const pid_t tid = static_cast<pid_t>(std::atoi(entry->d_name));
    if (tid > 0) visit(tid);
  }
  closedir(tasks);
}

void SetAffinityOfAllThreads(const cpu_set_t& cpus) {
  ForEachThread([&](pid_t tid) {
    // A thread may end between the listing and the call: ESRCH is not an error here.
    if (sched_setaffinity(tid, sizeof(cpus), &cpus) != 0 && errno != ESRCH) {
      std::perror("bench_rpc: sched_setaffinity");
      std::abort();
    }
  });
}

// The CPUs thread `tid` may run on, e.g. "0-1" or "0".
std::string AllowedCpus(pid_t tid) {
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  if (sched_getaffinity(tid, sizeof(cpus), &cpus) != 0) return "unknown";
  // Ranges of consecutive CPUs: "0-1,4".
  std::string text;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (!CPU_ISSET(cpu, &cpus)) continue;
    int last = cpu;
    while (last + 1 < CPU_SETSIZE && CPU_ISSET(last + 1, &cpus)) ++last;
    if (!text.empty()) text += ',';
    text += std::to_string(cpu);
    if (last > cpu) text += '-' + std::to_string(last);
    cpu = last;
  }
  return text;
}

}  // namespace

ProcessUsage ProcessUsageSoFar() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return {.cpu_seconds = Seconds(usage.ru_utime) + Seconds(usage.ru_stime),
          .page_faults = usage.ru_minflt + usage.ru_majflt,
          .context_switches = usage.ru_nvcsw + usage.ru_nivcsw,
          .mallocs = static_cast<long>(MallocsSoFar())};
}

ProcessUsage operator+(const ProcessUsage& a, const ProcessUsage& b) {
  return {.cpu_seconds = a.cpu_seconds + b.cpu_seconds,
          .page_faults = a.page_faults + b.page_faults,
          .context_switches = a.context_switches + b.context_switches,
          .mallocs = a.mallocs + b.mallocs};
}

ProcessUsage operator-(const ProcessUsage& after, const ProcessUsage& before) {
  return {.cpu_seconds = after.cpu_seconds - before.cpu_seconds,
          .page_faults = after.page_faults - before.page_faults,
          .context_switches = after.context_switches - before.context_switches,
          .mallocs = after.mallocs - before.mallocs};
}

std::string FormatUsage(const ProcessUsage& usage) {
  char text[128];
  std::snprintf(text, sizeof(text), "%.6f %ld %ld %ld", usage.cpu_seconds, usage.page_faults,
                usage.context_switches, usage.mallocs);
  return text;
}

std::optional<ProcessUsage> ParseUsage(const std::string& text) {
  ProcessUsage usage;
  if (std::sscanf(text.c_str(), "%lf %ld %ld %ld", &usage.cpu_seconds, &usage.page_faults,
                  &usage.context_switches, &usage.mallocs) != 4) {
    return std::nullopt;
  }
  return usage;
}

std::string ThreadPlacement() {
  std::map<std::string, int> threads_by_cpus;
  int threads = 0;
  ForEachThread([&](pid_t tid) {
    ++threads_by_cpus[AllowedCpus(tid)];
    ++threads;
  });
  std::string text;
  for (const auto& [cpus, count] : threads_by_cpus) {
    if (!text.empty()) text += ", ";
    text += "CPUs " + cpus + " (";
    text += threads_by_cpus.size() == 1 ? "all " + std::to_string(threads) : std::to_string(count);
    text += " threads)";
  }
  return text;
}

ThreadsPinnedToCpu0::ThreadsPinnedToCpu0() {
  CPU_ZERO(&former_);
  sched_getaffinity(0, sizeof(former_), &former_);
  cpu_set_t cpu0;
  CPU_ZERO(&cpu0);
  CPU_SET(0, &cpu0);
  for (int pass = 0; pass < 2; ++pass) SetAffinityOfAllThreads(cpu0);
}

ThreadsPinnedToCpu0::~ThreadsPinnedToCpu0() {
  for (int pass = 0; pass < 2; ++pass) SetAffinityOfAllThreads(former_);
}

}  // namespace lp::bench
