// MinHeap and MaxHeap: the lowest or the highest priority, ties going to the key least
// recently inserted or updated. An ordered set rather than a binary heap, because a
// table updates and deletes arbitrary keys: each is O(log n), select O(1).
#include <cstdint>
#include <memory>
#include <random>
#include <set>
#include <tuple>

#include "absl/container/flat_hash_map.h"
#include "src/replay/selector.h"

namespace lp::replay {
namespace {

class HeapSelector final : public ItemSelector {
 public:
  explicit HeapSelector(bool highest_first) : highest_first_(highest_first) {}

  void Insert(uint64_t key, double priority) override {
    const Entry entry{highest_first_ ? -priority : priority, next_stamp_++, key};
    heap_.insert(entry);
    index_[key] = entry;
  }

  void Update(uint64_t key, double priority) override {
    Delete(key);
    Insert(key, priority);
  }

  void Delete(uint64_t key) override {
    auto it = index_.find(key);
    heap_.erase(it->second);
    index_.erase(it);
  }

  void Clear() override {
    heap_.clear();
    index_.clear();
  }

  int64_t size() const override { return static_cast<int64_t>(heap_.size()); }

  Pick Select(std::mt19937_64&) override { return Pick{std::get<2>(*heap_.begin()), 1.0}; }

 private:
  // (priority as ordered: negated for a max-heap, the insert/update stamp, the key).
  using Entry = std::tuple<double, uint64_t, uint64_t>;

  const bool highest_first_;
  uint64_t next_stamp_ = 0;
  std::set<Entry> heap_;
  absl::flat_hash_map<uint64_t, Entry> index_;
};

}  // namespace

std::unique_ptr<ItemSelector> MakeMinHeapSelector() {
  return std::make_unique<HeapSelector>(/*highest_first=*/false);
}

std::unique_ptr<ItemSelector> MakeMaxHeapSelector() {
  return std::make_unique<HeapSelector>(/*highest_first=*/true);
}

}  // namespace lp::replay
