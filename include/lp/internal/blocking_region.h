// BlockingRegion: a thread of a bounded pool says it waits on something outside the pool.
#ifndef LP_INTERNAL_BLOCKING_REGION_H_
#define LP_INTERNAL_BLOCKING_REGION_H_

namespace lp::internal {

// Told when a thread of its pool starts and stops waiting on another node (a synchronous
// Courier call, a Future, a batch that other calls must fill). A Courier server's pool of
// handler threads is one: without this, nodes whose handlers call each other
// synchronously, with more calls in flight than handler threads, would deadlock — every
// thread waiting for a reply that only a queued call could produce. Told, the pool starts
// a thread in the waiting one's place (see rpc::HandlerExecutor).
//
// Thread safety: OnBlock and OnUnblock are called on the waiting thread, concurrently with
// the pool's other threads; implementations synchronize.
class BlockingObserver {
 public:
  virtual void OnBlock() = 0;    // the calling thread is about to wait
  virtual void OnUnblock() = 0;  // it has stopped waiting
 protected:
  ~BlockingObserver() = default;
};

// The observer of the pool the current thread belongs to; null outside pools. Set by the
// pool on each of its threads.
inline thread_local BlockingObserver* current_blocking_observer = nullptr;

// Marks a wait: its scope tells the current thread's pool, if any, that the thread waits.
// Nested regions tell it once. Cheap outside pools (one thread-local read).
class BlockingRegion {
 public:
  BlockingRegion() : observer_(current_blocking_observer) {
    if (observer_ == nullptr) return;
    current_blocking_observer = nullptr;  // a wait inside this one is not told again
    observer_->OnBlock();
  }
  ~BlockingRegion() {
    if (observer_ == nullptr) return;
    observer_->OnUnblock();
    current_blocking_observer = observer_;
  }
  BlockingRegion(const BlockingRegion&) = delete;
  BlockingRegion& operator=(const BlockingRegion&) = delete;

 private:
  BlockingObserver* const observer_;
};

}  // namespace lp::internal

#endif  // LP_INTERNAL_BLOCKING_REGION_H_
