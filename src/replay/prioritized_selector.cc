// Prioritized: key i with probability p_i^e / sum_j p_j^e. A sum tree over the slots of
// KeySlots holds p^e, so insert, update, delete and select are O(log n).
#include <cmath>
#include <cstdint>
#include <memory>
#include <random>

#include "src/replay/key_slots.h"
#include "src/replay/selector.h"
#include "src/replay/sum_tree.h"

namespace lp::replay {
namespace {

class PrioritizedSelector final : public ItemSelector {
 public:
  explicit PrioritizedSelector(double priority_exponent) : exponent_(priority_exponent) {}

  void Insert(uint64_t key, double priority) override {
    weights_.Set(keys_.Add(key), Weight(priority));
  }

  void Update(uint64_t key, double priority) override {
    weights_.Set(keys_.SlotOf(key), Weight(priority));
  }

  void Delete(uint64_t key) override {
    const KeySlots::Removal removal = keys_.Remove(key);
    if (removal.hole != removal.last) weights_.Set(removal.hole, weights_.Get(removal.last));
    weights_.Set(removal.last, 0.0);
  }

  void Clear() override {
    keys_.Clear();
    weights_.Clear();
  }

  int64_t size() const override { return keys_.size(); }

  Pick Select(std::mt19937_64& random) override {
    const double total = weights_.Total();
    if (!(total > 0.0)) {
      // Every priority is 0 (with a positive exponent): no key is likelier than another,
      // so draw uniformly rather than fail, as Reverb does.
      return Pick{keys_.KeyAt(keys_.RandomSlot(random)), 1.0 / static_cast<double>(size())};
    }
    const double point = std::uniform_real_distribution<double>(0.0, total)(random);
    const int64_t slot = weights_.Find(point);
    return Pick{keys_.KeyAt(slot), weights_.Get(slot) / total};
  }

 private:
  // p^e; 0^0 is 1, so exponent 0 is uniform also over zero priorities.
  double Weight(double priority) const {
    if (exponent_ == 1.0) return priority;
    return std::pow(priority, exponent_);
  }

  const double exponent_;
  KeySlots keys_;
  SumTree weights_;  // slot -> p^e, the slots of keys_
};

}  // namespace

std::unique_ptr<ItemSelector> MakePrioritizedSelector(double priority_exponent) {
  return std::make_unique<PrioritizedSelector>(priority_exponent);
}

}  // namespace lp::replay
