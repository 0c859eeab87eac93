// KeySlots: keys in a dense array, a removed key's slot taken by the last key, so that
// adding, removing and drawing a key at random are O(1). The uniform selector draws from
// it; the prioritized one keeps its sum tree's leaves in the same slots.
#ifndef LP_SRC_REPLAY_KEY_SLOTS_H_
#define LP_SRC_REPLAY_KEY_SLOTS_H_

#include <cstdint>
#include <random>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace lp::replay {

// Not thread-safe.
class KeySlots {
 public:
  // `key` must be new; returns its slot (the new last one).
  int64_t Add(uint64_t key) {
    const int64_t slot = size();
    slot_of_[key] = slot;
    keys_.push_back(key);
    return slot;
  }

  // What Remove did: `key`'s slot was `hole`; the key of slot `last` moved into it (when
  // hole != last), and slot `last` is now past the end.
  struct Removal {
    int64_t hole;
    int64_t last;
  };
  // `key` must be held.
  Removal Remove(uint64_t key) {
    auto it = slot_of_.find(key);
    const Removal removal{it->second, size() - 1};
    slot_of_.erase(it);
    const uint64_t moved = keys_.back();
    keys_.pop_back();
    if (removal.hole != removal.last) {
      keys_[removal.hole] = moved;
      slot_of_[moved] = removal.hole;
    }
    return removal;
  }

  int64_t SlotOf(uint64_t key) const { return slot_of_.at(key); }
  uint64_t KeyAt(int64_t slot) const { return keys_[slot]; }
  int64_t size() const { return static_cast<int64_t>(keys_.size()); }

  // A slot drawn uniformly. Precondition: size() > 0.
  int64_t RandomSlot(std::mt19937_64& random) const {
    return std::uniform_int_distribution<int64_t>(0, size() - 1)(random);
  }

  void Clear() {
    keys_.clear();
    slot_of_.clear();
  }

 private:
  std::vector<uint64_t> keys_;
  absl::flat_hash_map<uint64_t, int64_t> slot_of_;
};

}  // namespace lp::replay

#endif  // LP_SRC_REPLAY_KEY_SLOTS_H_
