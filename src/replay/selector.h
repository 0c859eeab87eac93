// ItemSelector: the strategy a table's sampler and remover follow (lp::replay::Selector),
// as an index over the table's keys. The table owns the items; a selector knows only keys
// and priorities, so that one table can have two (sampler and remover) of any kinds.
#ifndef LP_SRC_REPLAY_SELECTOR_H_
#define LP_SRC_REPLAY_SELECTOR_H_

#include <cstdint>
#include <memory>
#include <random>

#include "lp/replay_config.h"

namespace lp::replay {

// Not thread-safe: the table calls it under its mutex.
class ItemSelector {
 public:
  struct Pick {
    uint64_t key = 0;
    double probability = 1.0;  // the probability `key` was picked with
  };

  virtual ~ItemSelector() = default;

  // `key` is new to the selector (Insert) or known to it (Update, Delete). The table
  // checks both; a selector may assume them.
  virtual void Insert(uint64_t key, double priority) = 0;
  virtual void Update(uint64_t key, double priority) = 0;
  virtual void Delete(uint64_t key) = 0;
  virtual void Clear() = 0;
  virtual int64_t size() const = 0;

  // One key. Precondition: size() > 0. Selectors that do not draw ignore `random`.
  virtual Pick Select(std::mt19937_64& random) = 0;
};

// The selector `selector` describes; it must be valid (Selector::Validate).
std::unique_ptr<ItemSelector> MakeItemSelector(const Selector& selector);

// One per kind, each in its own file.
std::unique_ptr<ItemSelector> MakeUniformSelector();
std::unique_ptr<ItemSelector> MakePrioritizedSelector(double priority_exponent);
std::unique_ptr<ItemSelector> MakeFifoSelector();
std::unique_ptr<ItemSelector> MakeLifoSelector();
std::unique_ptr<ItemSelector> MakeMinHeapSelector();
std::unique_ptr<ItemSelector> MakeMaxHeapSelector();

}  // namespace lp::replay

#endif  // LP_SRC_REPLAY_SELECTOR_H_
