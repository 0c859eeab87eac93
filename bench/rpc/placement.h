// Where bench_rpc's threads run, and how much CPU they used.
#ifndef LP_BENCH_RPC_PLACEMENT_H_
#define LP_BENCH_RPC_PLACEMENT_H_

#include <sched.h>

#include <optional>
#include <string>

namespace lp::bench {

// What every thread of this process has used so far (getrusage RUSAGE_SELF): the
// client's, and in one-process mode the server's too.
struct ProcessUsage {
  double cpu_seconds = 0;  // user + system
  // Minor + major. On this VM each costs tens of microseconds, so a call that touches
  // freshly mapped memory shows here before anywhere else.
  long page_faults = 0;
  // Voluntary + involuntary: a thread that sleeps until another wakes it counts one.
  // What a hand-off from one thread to another costs per call shows here.
  long context_switches = 0;
  // Calls to malloc (malloc_count.h): what a call allocates, exactly, on a noisy machine.
  long mallocs = 0;
};
ProcessUsage ProcessUsageSoFar();
ProcessUsage operator+(const ProcessUsage& a, const ProcessUsage& b);
ProcessUsage operator-(const ProcessUsage& after, const ProcessUsage& before);
// As a child process reports it to bench_rpc ("CPU_SECONDS PAGE_FAULTS SWITCHES MALLOCS"),
// and back; nullopt if `text` is not that.
std::string FormatUsage(const ProcessUsage& usage);
std::optional<ProcessUsage> ParseUsage(const std::string& text);

// Where the threads of this process may run, as the kernel has it now:
// "CPUs 0 (all 12 threads)", or "CPUs 0-1 (10 threads), CPUs 0 (2 threads)".
std::string ThreadPlacement();

// While it lives, every thread of this process may only run on CPU 0; threads started
// meanwhile inherit that from the thread that starts them, and so do child processes.
// Affinity is per thread (sched_setaffinity), so each thread listed in /proc/self/task
// is pinned, twice over, to catch threads started during the first pass. Destruction
// gives every thread the calling thread's former CPUs back.
//
// Thread safety: construct and destroy on one thread; other threads may run meanwhile.
class ThreadsPinnedToCpu0 {
 public:
  ThreadsPinnedToCpu0();
  ~ThreadsPinnedToCpu0();
  ThreadsPinnedToCpu0(const ThreadsPinnedToCpu0&) = delete;
  ThreadsPinnedToCpu0& operator=(const ThreadsPinnedToCpu0&) = delete;

 private:
  cpu_set_t former_;
};

}  // namespace lp::bench

#endif  // LP_BENCH_RPC_PLACEMENT_H_
