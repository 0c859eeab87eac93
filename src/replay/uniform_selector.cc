// Uniform: every key equally likely; insert, delete and select are O(1) (KeySlots).
#include <cstdint>
#include <memory>
#include <random>

#include "src/replay/key_slots.h"
#include "src/replay/selector.h"

namespace lp::replay {
namespace {

class UniformSelector final : public ItemSelector {
 public:
  void Insert(uint64_t key, double) override { keys_.Add(key); }
  void Update(uint64_t, double) override {}
  void Delete(uint64_t key) override { keys_.Remove(key); }
  void Clear() override { keys_.Clear(); }
  int64_t size() const override { return keys_.size(); }

  Pick Select(std::mt19937_64& random) override {
    return Pick{keys_.KeyAt(keys_.RandomSlot(random)), 1.0 / static_cast<double>(size())};
  }

 private:
  KeySlots keys_;
};

}  // namespace

std::unique_ptr<ItemSelector> MakeUniformSelector() {
  return std::make_unique<UniformSelector>();
}

}  // namespace lp::replay
