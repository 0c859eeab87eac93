// Uniform: every key equally likely. Keys live in a dense array (a deleted key's place
// taken by the last one), so insert, delete and select are O(1).
#include <cstdint>
#include <memory>
#include <random>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "src/replay/selector.h"

namespace lp::replay {
namespace {

class UniformSelector final : public ItemSelector {
 public:
  void Insert(uint64_t key, double) override {
    index_[key] = keys_.size();
    keys_.push_back(key);
  }

  void Update(uint64_t, double) override {}

  void Delete(uint64_t key) override {
    auto it = index_.find(key);
    const size_t hole = it->second;
    index_.erase(it);
    const uint64_t last = keys_.back();
    keys_.pop_back();
    if (hole < keys_.size()) {
      keys_[hole] = last;
      index_[last] = hole;
    }
  }

  void Clear() override {
    keys_.clear();
    index_.clear();
  }

  int64_t size() const override { return static_cast<int64_t>(keys_.size()); }

  Pick Select(std::mt19937_64& random) override {
    std::uniform_int_distribution<size_t> slot(0, keys_.size() - 1);
    return Pick{keys_[slot(random)], 1.0 / static_cast<double>(keys_.size())};
  }

 private:
  std::vector<uint64_t> keys_;
  absl::flat_hash_map<uint64_t, size_t> index_;  // key -> its place in keys_
};

}  // namespace

std::unique_ptr<ItemSelector> MakeUniformSelector() {
  return std::make_unique<UniformSelector>();
}

}  // namespace lp::replay
