// FIFO and LIFO: the oldest or the newest inserted key. A list in insertion order with an
// index into it, so that deleting any key (sampled elsewhere, Delete) is O(1) too. An
// update does not move a key.
#include <cstdint>
#include <list>
#include <memory>
#include <random>

#include "absl/container/flat_hash_map.h"
#include "src/replay/selector.h"

namespace lp::replay {
namespace {

class OrderSelector final : public ItemSelector {
 public:
  explicit OrderSelector(bool newest_first) : newest_first_(newest_first) {}

  void Insert(uint64_t key, double) override {
    order_.push_back(key);
    index_[key] = std::prev(order_.end());
  }

  void Update(uint64_t, double) override {}

  void Delete(uint64_t key) override {
    auto it = index_.find(key);
    order_.erase(it->second);
    index_.erase(it);
  }

  void Clear() override {
    order_.clear();
    index_.clear();
  }

  int64_t size() const override { return static_cast<int64_t>(order_.size()); }

  Pick Select(std::mt19937_64&) override {
    return Pick{newest_first_ ? order_.back() : order_.front(), 1.0};
  }

 private:
  const bool newest_first_;
  std::list<uint64_t> order_;  // oldest first
  absl::flat_hash_map<uint64_t, std::list<uint64_t>::iterator> index_;
};

}  // namespace

std::unique_ptr<ItemSelector> MakeFifoSelector() {
  return std::make_unique<OrderSelector>(/*newest_first=*/false);
}

std::unique_ptr<ItemSelector> MakeLifoSelector() {
  return std::make_unique<OrderSelector>(/*newest_first=*/true);
}

}  // namespace lp::replay
