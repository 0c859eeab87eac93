#ifndef LP_BATCH_H_
#define LP_BATCH_H_

// Batched Courier methods: many callers, one invocation.
//
//   class Model {
//    public:
//     // One call per caller; the server collects them and runs them together.
//     std::vector<float> Infer(lp::Batch<std::vector<float>> inputs);        // one argument
//     std::vector<int> Scale(const lp::Batch<int, double>& calls);          // (int, double)
//   };
//   LP_COURIER_METHODS(Model, Infer, Scale);
//
//   lp::CourierNode<Model> node;
//   node.SetBatching(&Model::Infer, lp::BatchingOptions{.batch_size = 32});
//   ...
//   float y = client.Call(&Model::Infer, std::vector<float>{1, 2});   // per call, as usual
//
// A method is batched when it takes a single lp::Batch<A...> parameter (by value, const&
// or &&) and returns std::vector<R> — one result per call, in the order of the batch — or
// void. Clients call it with the per-call arguments (A...) and receive their own R; the
// batching is invisible to them. The server collects calls until `batch_size` are waiting
// or `timeout` has passed since the first of them, then invokes the method once with all
// of them (see BatchingOptions and docs/user_guide.md, "Batched methods").
//
// An exception thrown by the method, or a result count different from the batch size,
// fails every call of that batch with the same error.

#include <cstddef>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/time/time.h"

namespace lp {
namespace internal {

// What one call of a Batch<A...> is: A itself for one argument, else std::tuple<A...>.
template <typename... A>
struct BatchEntry {
  using type = std::tuple<A...>;
};
template <typename A>
struct BatchEntry<A> {
  using type = A;
};

}  // namespace internal

// How a CourierNode collects the calls of one batched method
// (CourierNode<T>::SetBatching; a batched method without it uses these defaults).
struct BatchingOptions {
  // A batch runs as soon as this many calls are waiting.
  int batch_size = 16;
  // How many batches of this method may run at the same time.
  int max_parallelism = 1;
  // A batch that is not full runs this long after its first call arrived (with whatever
  // arrived meanwhile). Zero runs whatever is waiting as soon as a batch may run. Must be
  // finite: a server's shutdown waits for the calls of a batch.
  absl::Duration timeout = absl::Milliseconds(10);
  // Present a batch that runs before it is full as a full one: its first call is repeated
  // up to batch_size (for methods that need a fixed shape, e.g. a compiled model). The
  // results of the repeated entries are dropped.
  bool pad_batch = false;
};

// The calls of one batch, in arrival order: `calls[i]` holds the arguments of call i — the
// argument itself when the method takes one (Batch<A>: a std::vector<A>), a std::tuple of
// them otherwise (Batch<A, B>: a std::vector<std::tuple<A, B>>). The method may move out
// of it.
template <typename... A>
class Batch {
  static_assert((std::is_same_v<A, std::remove_cvref_t<A>> && ...),
                "lp::Batch<A...>: the argument types are plain values (no const, no &)");

 public:
  using value_type = typename internal::BatchEntry<A...>::type;
  using Arguments = std::tuple<A...>;  // the parameters of one call
  using iterator = typename std::vector<value_type>::iterator;
  using const_iterator = typename std::vector<value_type>::const_iterator;

  Batch() = default;
  explicit Batch(std::vector<value_type> calls) : calls(std::move(calls)) {}

  std::size_t size() const { return calls.size(); }
  bool empty() const { return calls.empty(); }
  value_type& operator[](std::size_t i) { return calls[i]; }
  const value_type& operator[](std::size_t i) const { return calls[i]; }
  iterator begin() { return calls.begin(); }
  iterator end() { return calls.end(); }
  const_iterator begin() const { return calls.begin(); }
  const_iterator end() const { return calls.end(); }

  std::vector<value_type> calls;
};

}  // namespace lp

#endif  // LP_BATCH_H_
