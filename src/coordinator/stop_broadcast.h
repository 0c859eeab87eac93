#ifndef LP_SRC_COORDINATOR_STOP_BROADCAST_H_
#define LP_SRC_COORDINATOR_STOP_BROADCAST_H_

// The coordinator's side of a program's start and termination: the open WatchStop
// streams, the start they wait for, and the program-wide stop event.
//
// Every worker keeps one stream open, from the moment it is ready to run its node. Once
// the workers of every node the launch waits for are ready, the start is pushed down all
// streams; a stop is pushed down all of them at once, so workers learn of it in
// milliseconds without polling. A watcher, like a ResolveWaiter, holds no thread while it
// waits.

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/time/time.h"
#include "lp/context.h"
#include "lp/event.h"

namespace lp::internal {

// One open WatchStop stream. Exactly one of its methods is called, once, by whoever took
// it out of the broadcast (or on Watch() when the outcome is already known), outside the
// broadcast's lock.
class StopWatcher {
 public:
  virtual ~StopWatcher() = default;
  // Every awaited worker is ready: the node may run. Called at most once, under the
  // broadcast's lock: must not block, nor call the broadcast. (No node runs before it, so
  // in practice no NodesEnded comes first.)
  virtual void Started() = 0;
  // Nodes ended while the program goes on. Called under the broadcast's lock, any number
  // of times before one of the two below: must not block, nor call the broadcast.
  virtual void NodesEnded(const std::vector<NodeId>& nodes, const std::string& how) = 0;
  // The coordinator collects the program's metrics: ask the worker to report its
  // process's under `collection`. Called under the broadcast's lock, like NodesEnded.
  virtual void MetricsRequested(std::uint64_t collection) = 0;
  // The program stops: tell the worker and end the stream cleanly.
  virtual void ProgramStopped(const std::string& reason) = 0;
  // The coordinator goes away without a stop: end the stream with an error.
  virtual void CoordinatorClosing() = 0;
};

// Thread safety: every method may be called from any thread.
class StopBroadcast {
 public:
  // The start waits for a watcher of each of `start_after`; none: it comes with the first
  // watcher.
  explicit StopBroadcast(std::vector<NodeId> start_after = {});

  // Starts the stop: remembers `reason` and tells every watcher. True for the call that
  // started it; later calls change nothing.
  bool Stop(std::string reason);

  // Tells every watcher, and every later one, that `nodes` ended (`how`). Does nothing
  // once the program stops or the coordinator closes.
  void NodesEnded(std::vector<NodeId> nodes, std::string how);

  // Asks every watcher to report its process's metrics under `collection`; returns how
  // many were asked (none once the program stops).
  int RequestMetrics(std::uint64_t collection);

  // Parks `watcher`, the stream of `node`'s worker, until the stop, or tells it at once
  // when the outcome is already known. If `node` was the last the start waited for, every
  // watcher is told Started(); a watcher that comes after the start is told at once, and
  // then of the nodes that ended before it came.
  void Watch(StopWatcher* watcher, const NodeId& node);

  // Takes `watcher` out. True if it was parked, in which case the caller now owns ending
  // its stream; false if someone else already took it out.
  bool Forget(StopWatcher* watcher);

  // The coordinator shuts down without a stop: every watcher, and every later one, is told
  // CoordinatorClosing(). Does nothing after Stop().
  void Close();

  bool stopping() const { return stopped_.HasBeenNotified(); }
  // Whether the start was sent (every awaited worker was ready).
  bool started() const;
  const Event& stop_event() const { return stopped_; }
  // The reason given to the Stop() that started the stop; empty before.
  std::string reason() const;

  int watchers() const;
  // Waits until exactly `count` streams are open; false if `deadline` passed first.
  bool AwaitWatchers(int count, absl::Time deadline) const;

 private:
  enum class State { kRunning, kStopped, kClosed };

  Event stopped_;
  mutable std::mutex mu_;
  // Notified under mu_ whenever watchers_ changes (what AwaitWatchers watches).
  mutable std::condition_variable watchers_changed_;
  // Guarded by mu_:
  State state_ = State::kRunning;
  absl::flat_hash_set<NodeId> awaited_;  // the start waits for a watcher of each
  bool started_ = false;
  std::string reason_;
  absl::flat_hash_set<StopWatcher*> watchers_;
  std::vector<std::pair<std::vector<NodeId>, std::string>> ended_;  // NodesEnded so far
};

}  // namespace lp::internal

#endif  // LP_SRC_COORDINATOR_STOP_BROADCAST_H_
