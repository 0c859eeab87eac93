// Prioritized: key i with probability p_i^e / sum_j p_j^e. Keys live in a dense array as
// in the uniform selector; a sum tree over the same slots holds p^e, so insert, update,
// delete and select are O(log n).
#include <cmath>
#include <cstdint>
#include <memory>
#include <random>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "src/replay/selector.h"
#include "src/replay/sum_tree.h"

namespace lp::replay {
namespace {

class PrioritizedSelector final : public ItemSelector {
 public:
  explicit PrioritizedSelector(double priority_exponent) : exponent_(priority_exponent) {}

  void Insert(uint64_t key, double priority) override {
    const int64_t slot = static_cast<int64_t>(keys_.size());
    index_[key] = slot;
    keys_.push_back(key);
    weights_.Set(slot, Weight(priority));
  }

  void Update(uint64_t key, double priority) override {
    weights_.Set(index_.at(key), Weight(priority));
  }

  void Delete(uint64_t key) override {
    auto it = index_.find(key);
    const int64_t hole = it->second;
    index_.erase(it);
    const int64_t last_slot = static_cast<int64_t>(keys_.size()) - 1;
    const uint64_t last = keys_.back();
    keys_.pop_back();
    if (hole < last_slot) {
      keys_[hole] = last;
      index_[last] = hole;
      weights_.Set(hole, weights_.Get(last_slot));
    }
    weights_.Set(last_slot, 0.0);
  }

  void Clear() override {
    keys_.clear();
    index_.clear();
    weights_.Clear();
  }

  int64_t size() const override { return static_cast<int64_t>(keys_.size()); }

  Pick Select(std::mt19937_64& random) override {
    const double total = weights_.Total();
    if (!(total > 0.0)) {
      // Every priority is 0 (with a positive exponent): no key is likelier than another,
      // so draw uniformly rather than fail, as Reverb does.
      std::uniform_int_distribution<size_t> slot(0, keys_.size() - 1);
      return Pick{keys_[slot(random)], 1.0 / static_cast<double>(keys_.size())};
    }
    const double point = std::uniform_real_distribution<double>(0.0, total)(random);
    const int64_t slot = weights_.Find(point);
    return Pick{keys_[slot], weights_.Get(slot) / total};
  }

 private:
  // p^e; 0^0 is 1, so exponent 0 is uniform also over zero priorities.
  double Weight(double priority) const {
    if (exponent_ == 1.0) return priority;
    return std::pow(priority, exponent_);
  }

  const double exponent_;
  std::vector<uint64_t> keys_;
  absl::flat_hash_map<uint64_t, int64_t> index_;  // key -> its slot in keys_ and weights_
  SumTree weights_;
};

}  // namespace

std::unique_ptr<ItemSelector> MakePrioritizedSelector(double priority_exponent) {
  return std::make_unique<PrioritizedSelector>(priority_exponent);
}

}  // namespace lp::replay
