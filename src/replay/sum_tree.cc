#include "src/replay/sum_tree.h"

#include <cstdint>
#include <utility>
#include <vector>

namespace lp::replay {

void SumTree::Set(int64_t slot, double weight) {
  if (slot >= capacity_) Grow(slot + 1);
  int64_t node = capacity_ + slot;
  nodes_[node] = weight;
  for (node /= 2; node >= 1; node /= 2) {
    nodes_[node] = nodes_[2 * node] + nodes_[2 * node + 1];
  }
}

double SumTree::Get(int64_t slot) const {
  return slot < capacity_ ? nodes_[capacity_ + slot] : 0.0;
}

int64_t SumTree::Find(double point) const {
  int64_t node = 1;
  while (node < capacity_) {
    const double left = nodes_[2 * node];
    const double right = nodes_[2 * node + 1];
    // Going right needs weight there; going left with point >= left happens only when
    // rounding put point past this subtree's sum, and then left > 0 since the node's sum
    // is (we only descend into subtrees with a positive sum).
    if (point < left || right <= 0.0) {
      node = 2 * node;
    } else {
      point -= left;
      node = 2 * node + 1;
    }
  }
  return node - capacity_;
}

void SumTree::Clear() {
  std::vector<double>(2 * kInitialCapacity, 0.0).swap(nodes_);
  capacity_ = kInitialCapacity;
}

void SumTree::Grow(int64_t min_capacity) {
  int64_t capacity = capacity_;
  while (capacity < min_capacity) capacity *= 2;
  std::vector<double> nodes(2 * capacity, 0.0);
  for (int64_t slot = 0; slot < capacity_; ++slot) {
    nodes[capacity + slot] = nodes_[capacity_ + slot];
  }
  for (int64_t node = capacity - 1; node >= 1; --node) {
    nodes[node] = nodes[2 * node] + nodes[2 * node + 1];
  }
  nodes_ = std::move(nodes);
  capacity_ = capacity;
}

}  // namespace lp::replay
