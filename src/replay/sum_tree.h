// SumTree: non-negative weights by slot, with the total and "which slot holds the point u
// of [0, total)" in O(log n): what makes prioritized sampling of a 10^6-item table as fast
// as of a small one (docs/performance.md, issue 15).
#ifndef LP_SRC_REPLAY_SUM_TREE_H_
#define LP_SRC_REPLAY_SUM_TREE_H_

#include <cstdint>
#include <vector>

namespace lp::replay {

// Not thread-safe.
class SumTree {
 public:
  SumTree() : nodes_(2 * kInitialCapacity, 0.0), capacity_(kInitialCapacity) {}

  // Sets slot `slot`'s weight (≥ 0, finite); slots never set weigh 0. Grows as needed.
  void Set(int64_t slot, double weight);
  double Get(int64_t slot) const;
  double Total() const { return nodes_[1]; }

  // The slot whose interval [sum of the weights before it, + its weight) holds `point`.
  // Precondition: 0 <= point and Total() > 0. Never a slot of weight 0, also when
  // rounding puts `point` at or past Total().
  int64_t Find(double point) const;

  // Every weight 0 again, and the memory of a large tree released.
  void Clear();

 private:
  static constexpr int64_t kInitialCapacity = 1024;

  void Grow(int64_t min_capacity);

  // A binary heap layout: node i has children 2i and 2i+1, node 1 is the root, the leaf
  // of slot s is node capacity_ + s. An inner node holds the sum of its children,
  // recomputed from them on every change (never adjusted by a difference), so that
  // rounding errors do not accumulate over millions of updates.
  std::vector<double> nodes_;
  int64_t capacity_;
};

}  // namespace lp::replay

#endif  // LP_SRC_REPLAY_SUM_TREE_H_
