#ifndef LP_INTERNAL_BATCHED_DISPATCH_H_
#define LP_INTERNAL_BATCHED_DISPATCH_H_

// The server half of batched Courier methods (lp/batch.h): the typed glue around the
// untyped engine (lp/internal/batcher.h).
//
// Each call is decoded on its own (a malformed call fails alone, before joining a batch) and
// then waits for its batch holding no thread; the method runs once per batch, and each
// call's result is encoded where the batch ran (see Batcher). The server takes a small call
// at once, outside the bound of its handler threads (MethodRegistry::ServedOnArrival); a
// batch that call makes ready is handed to a handler thread (internal::Handoff).

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "lp/batch.h"
#include "lp/courier_methods.h"
#include "lp/serialize.h"
#include "lp/internal/batcher.h"
#include "lp/internal/courier_handler.h"
#include "lp/internal/handoff.h"

namespace lp::internal {

// The batching of a CourierNode's methods: the options set per method name, and how many
// calls the server takes at once (CourierServerOptions::max_concurrent_handlers) to check
// them against. A batched method without an entry uses BatchingOptions{}.
struct CourierBatching {
  std::map<std::string, BatchingOptions> options;
  int max_calls = 0;
};

// Whether every element type of a std::tuple can be decoded.
template <typename Tuple>
struct BatchArgumentsDecodable;
template <typename... A>
struct BatchArgumentsDecodable<std::tuple<A...>> : std::bool_constant<(Decodable<A> && ...)> {};

// The element I of one call's arguments: the argument itself for a one-argument batch.
template <std::size_t I, std::size_t Arity, typename Entry>
auto& BatchArgument(Entry& entry) {
  if constexpr (Arity == 1) {
    return entry;
  } else {
    return std::get<I>(entry);
  }
}

// The handler of the batched method `pointer` of `object`, or why `options` cannot work.
template <typename T, typename M>
absl::StatusOr<DeferredCourierHandler> MakeBatchedCourierHandler(T* object, const char* name,
                                                                 M pointer,
                                                                 const BatchingOptions& options,
                                                                 int max_calls) {
  using Traits = MethodTraits<M>;
  using BatchType = typename Traits::BatchType;
  using Entry = typename BatchType::value_type;
  using R = typename Traits::Return;
  constexpr std::size_t kArity = Traits::kArity;
  static_assert(BatchArgumentsDecodable<typename Traits::DecodedArgs>::value,
                "LP_COURIER_METHODS: an argument type of this batched method is not "
                "deserializable; see lp/serialize.h for the supported types");
  static_assert(std::is_void_v<R> || Encodable<R>,
                "LP_COURIER_METHODS: the result type of this batched method is not "
                "serializable; see lp/serialize.h for the supported types");

  if (absl::Status status = CheckBatchingOptions(name, options, max_calls);
      !status.ok()) {
    return status;
  }

  // One call: its arguments in, its result out.
  struct Record : BatchedCall {
    Entry arguments{};
    std::optional<std::conditional_t<std::is_void_v<R>, std::monostate, R>> result;
  };

  auto run = [object, pointer](const std::vector<BatchedCall*>& calls,
                               std::size_t num_calls) -> absl::Status {
    BatchType batch;
    batch.calls.reserve(calls.size());
    for (std::size_t i = 0; i < num_calls; ++i) {
      batch.calls.push_back(std::move(static_cast<Record*>(calls[i])->arguments));
    }
    // Padding repeats the first call (see Batcher::BatchFunction).
    while (batch.calls.size() < calls.size()) batch.calls.push_back(batch.calls.front());

    if constexpr (std::is_void_v<R>) {
      (object->*pointer)(std::move(batch));
      for (std::size_t i = 0; i < num_calls; ++i) {
        static_cast<Record*>(calls[i])->result.emplace();
      }
    } else {
      typename Traits::BatchReturn results = (object->*pointer)(std::move(batch));
      if (results.size() != calls.size()) {
        return absl::InternalError(absl::StrCat(
            "the batched method returned ", results.size(), " results for a batch of ",
            calls.size(), " calls; it must return one per call (every call of the batch fails)"));
      }
      for (std::size_t i = 0; i < num_calls; ++i) {
        static_cast<Record*>(calls[i])->result.emplace(std::move(results[i]));
      }
    }
    return absl::OkStatus();
  };
  auto batcher = std::make_shared<Batcher>(options, std::move(run), name);

  return DeferredCourierHandler([batcher, name](courier::CallArguments& call,
                                                courier::SerializedObject* result,
                                                CallDone& done) -> absl::Status {
    if (ArgumentCount(call) != static_cast<int>(kArity)) {
      return absl::InvalidArgumentError(absl::StrCat("method '", name, "' takes ", kArity,
                                                     " argument(s), got ", ArgumentCount(call)));
    }
    auto record = std::make_unique<Record>();
    absl::Status decoded = [&]<std::size_t... I>(std::index_sequence<I...>) {
      absl::Status status;
      (void)((status = Decode(MutableArgument(call, static_cast<int>(I)),
                              &BatchArgument<I, kArity>(record->arguments),
                              absl::StrCat("arg ", I + 1)),
              status.ok()) &&
             ...);
      return status;
    }
    (std::make_index_sequence<kArity>());
    if (!decoded.ok()) return decoded;

    // Taken: the record waits in the batch, owned by the call's end, which comes once the
    // batch has run.
    Record* waiting = record.get();
    const bool ready = batcher->Enqueue(
        waiting, [record = std::move(record), result,
                  done = std::move(done)](absl::Status status) mutable {
          if (status.ok() && !record->result.has_value()) {
            status = absl::InternalError("the batch ran but gave this call no result");
          }
          if (status.ok()) Encode(*std::move(record->result), result);
          std::move(done)(std::move(status));
        });
    if (ready) {
      // Where a call is only taken, the batch (user code) goes to a handler thread; if the
      // server takes no more work, the batcher's timer thread runs it.
      if (Handoff* handoff = current_handoff) {
        if (!handoff->Post([batcher] { batcher->RunReady(); })) batcher->RunReadyOnTimerThread();
      } else {
        batcher->RunReady();
      }
    }
    return absl::OkStatus();
  });
}

}  // namespace lp::internal

#endif  // LP_INTERNAL_BATCHED_DISPATCH_H_
