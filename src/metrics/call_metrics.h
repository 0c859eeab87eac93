#ifndef LP_SRC_METRICS_CALL_METRICS_H_
#define LP_SRC_METRICS_CALL_METRICS_H_

// The metrics of one kind of Courier call — served by one node's method, or made by one
// node to one target's method — resolved once, so that recording a call takes no lock
// of the registry and hashes no label.

#include <array>
#include <atomic>
#include <cstddef>

#include "absl/status/status.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "prometheus/labels.h"

namespace lp::metrics {

// The prometheus families one direction (served or made) records into.
struct CallFamilies {
  prometheus::Family<prometheus::Counter>* calls;  // labelled ... + code
  prometheus::Family<prometheus::Histogram>* latency;
  prometheus::Family<prometheus::Counter>* bytes_received;
  prometheus::Family<prometheus::Counter>* bytes_sent;
};

// Thread safety: Record may be called from any thread at once. Owned by CourierMetrics,
// which never frees one: callers keep plain pointers for the life of the process.
class CallMetrics {
 public:
  // `labels`: the call's labels but `code` (node, method and, for calls made, target).
  CallMetrics(const CallFamilies& families, prometheus::Labels labels);
  CallMetrics(const CallMetrics&) = delete;
  CallMetrics& operator=(const CallMetrics&) = delete;

  // One call ended with `code` after `seconds`, having received and sent these many bytes
  // (a request and its reply, from whichever side this is).
  void Record(absl::StatusCode code, double seconds, std::size_t received, std::size_t sent);

 private:
  static constexpr int kCodes = 17;  // gRPC's (and absl's) codes 0..16

  // The counter of calls that ended with `code`, added to its family on first use (most
  // methods only ever see OK).
  prometheus::Counter& CallsWith(absl::StatusCode code);

  prometheus::Family<prometheus::Counter>* const calls_;
  const prometheus::Labels labels_;
  std::array<std::atomic<prometheus::Counter*>, kCodes + 1> by_code_{};  // last: unknown codes
  prometheus::Histogram& latency_;
  prometheus::Counter& bytes_received_;
  prometheus::Counter& bytes_sent_;
};

}  // namespace lp::metrics

#endif  // LP_SRC_METRICS_CALL_METRICS_H_
