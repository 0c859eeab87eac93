// The selectors behind a table's sampler and remover, and the sum tree under the
// prioritized one. Distributions are checked with fixed seeds, so every run draws the same
// numbers: a check passes or fails the same way every time.
#include "src/replay/selector.h"

#include <cmath>
#include <cstdint>
#include <map>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "src/replay/sum_tree.h"

namespace lp::replay {
namespace {

// Pearson's chi-square of `counts` (key -> times drawn) against `expected` (key ->
// probability), over `draws` draws.
double ChiSquare(const std::map<uint64_t, int64_t>& counts,
                 const std::map<uint64_t, double>& expected, int64_t draws) {
  double chi_square = 0;
  for (const auto& [key, probability] : expected) {
    const double want = probability * static_cast<double>(draws);
    const auto it = counts.find(key);
    const double got = it == counts.end() ? 0.0 : static_cast<double>(it->second);
    chi_square += (got - want) * (got - want) / want;
  }
  return chi_square;
}

// The 99.9% quantile of chi-square with `dof` degrees of freedom, for the few we use.
double ChiSquareBound(int dof) {
  switch (dof) {
    case 3:
      return 16.27;
    case 4:
      return 18.47;
    case 9:
      return 27.88;
    default:
      return 0;
  }
}

std::map<uint64_t, int64_t> Draw(ItemSelector& selector, std::mt19937_64& random,
                                 int64_t draws) {
  std::map<uint64_t, int64_t> counts;
  for (int64_t i = 0; i < draws; ++i) ++counts[selector.Select(random).key];
  return counts;
}

TEST(SumTreeTest, TotalFollowsSetsAndFindWalksTheIntervals) {
  SumTree tree;
  tree.Set(0, 1.0);
  tree.Set(1, 0.0);
  tree.Set(2, 3.0);
  EXPECT_DOUBLE_EQ(tree.Total(), 4.0);
  EXPECT_EQ(tree.Find(0.0), 0);
  EXPECT_EQ(tree.Find(0.999), 0);
  EXPECT_EQ(tree.Find(1.0), 2);  // slot 1 weighs nothing: never found
  EXPECT_EQ(tree.Find(3.999), 2);
  tree.Set(2, 0.5);
  EXPECT_DOUBLE_EQ(tree.Total(), 1.5);
}

TEST(SumTreeTest, PointAtOrPastTheTotalFindsTheLastWeightedSlot) {
  SumTree tree;
  tree.Set(3, 2.0);
  tree.Set(7, 1.0);
  EXPECT_EQ(tree.Find(3.0), 7);
  EXPECT_EQ(tree.Find(3.5), 7);  // rounding may put a drawn point there
  tree.Set(7, 0.0);
  EXPECT_EQ(tree.Find(5.0), 3);
}

TEST(SumTreeTest, GrowsPastItsInitialCapacityKeepingWeights) {
  SumTree tree;
  for (int64_t slot = 0; slot < 5000; ++slot) tree.Set(slot, 1.0);
  EXPECT_DOUBLE_EQ(tree.Total(), 5000.0);
  EXPECT_EQ(tree.Find(4321.5), 4321);
  tree.Clear();
  EXPECT_EQ(tree.Total(), 0.0);
}

TEST(UniformSelectorTest, DrawsEveryKeyEquallyWithProbabilityOneOverSize) {
  auto selector = MakeItemSelector(Selector::Uniform());
  std::map<uint64_t, double> expected;
  for (uint64_t key = 100; key < 110; ++key) {
    selector->Insert(key, static_cast<double>(key));  // priorities do not matter
    expected[key] = 0.1;
  }
  std::mt19937_64 random(1);
  EXPECT_DOUBLE_EQ(selector->Select(random).probability, 0.1);
  const int64_t draws = 100000;
  EXPECT_LT(ChiSquare(Draw(*selector, random, draws), expected, draws), ChiSquareBound(9));
}

TEST(UniformSelectorTest, DeletedKeysAreNeverDrawn) {
  auto selector = MakeItemSelector(Selector::Uniform());
  for (uint64_t key = 0; key < 6; ++key) selector->Insert(key, 1.0);
  selector->Delete(0);  // the first place, filled by the last key
  selector->Delete(3);
  EXPECT_EQ(selector->size(), 4);
  std::mt19937_64 random(2);
  const auto counts = Draw(*selector, random, 4000);
  EXPECT_EQ(counts.size(), 4u);
  EXPECT_FALSE(counts.contains(0));
  EXPECT_FALSE(counts.contains(3));
  EXPECT_DOUBLE_EQ(selector->Select(random).probability, 0.25);
}

TEST(PrioritizedSelectorTest, DrawsInProportionToPriority) {
  auto selector = MakeItemSelector(Selector::Prioritized(1.0));
  std::map<uint64_t, double> expected;
  for (uint64_t key = 1; key <= 10; ++key) {
    selector->Insert(key, static_cast<double>(key));
    expected[key] = static_cast<double>(key) / 55.0;
  }
  std::mt19937_64 random(3);
  const int64_t draws = 200000;
  const auto counts = Draw(*selector, random, draws);
  EXPECT_LT(ChiSquare(counts, expected, draws), ChiSquareBound(9));
  // The same counts are far from uniform: the check above can tell the two apart.
  std::map<uint64_t, double> uniform;
  for (uint64_t key = 1; key <= 10; ++key) uniform[key] = 0.1;
  EXPECT_GT(ChiSquare(counts, uniform, draws), 100 * ChiSquareBound(9));
}

TEST(PrioritizedSelectorTest, ReportsPriorityToTheExponentOverTheSum) {
  // priorities 1, 4, 9, 16 with exponent 0.5: weights 1, 2, 3, 4 of 10.
  auto selector = MakeItemSelector(Selector::Prioritized(0.5));
  std::map<uint64_t, double> expected;
  for (uint64_t key = 1; key <= 4; ++key) {
    selector->Insert(key, static_cast<double>(key * key));
    expected[key] = static_cast<double>(key) / 10.0;
  }
  std::mt19937_64 random(4);
  for (int i = 0; i < 100; ++i) {
    const ItemSelector::Pick pick = selector->Select(random);
    EXPECT_NEAR(pick.probability, expected[pick.key], 1e-12) << "key " << pick.key;
  }
  const int64_t draws = 100000;
  EXPECT_LT(ChiSquare(Draw(*selector, random, draws), expected, draws), ChiSquareBound(3));
}

TEST(PrioritizedSelectorTest, ExponentZeroIsUniformEvenOverZeroPriorities) {
  auto selector = MakeItemSelector(Selector::Prioritized(0.0));
  std::map<uint64_t, double> expected;
  for (uint64_t key = 0; key < 5; ++key) {
    selector->Insert(key, key == 0 ? 0.0 : std::pow(10.0, static_cast<double>(key)));
    expected[key] = 0.2;
  }
  std::mt19937_64 random(5);
  EXPECT_DOUBLE_EQ(selector->Select(random).probability, 0.2);
  const int64_t draws = 100000;
  EXPECT_LT(ChiSquare(Draw(*selector, random, draws), expected, draws), ChiSquareBound(4));
}

TEST(PrioritizedSelectorTest, AllZeroPrioritiesDrawUniformly) {
  auto selector = MakeItemSelector(Selector::Prioritized(1.0));
  std::map<uint64_t, double> expected;
  for (uint64_t key = 0; key < 4; ++key) {
    selector->Insert(key, 0.0);
    expected[key] = 0.25;
  }
  std::mt19937_64 random(6);
  EXPECT_DOUBLE_EQ(selector->Select(random).probability, 0.25);
  const int64_t draws = 40000;
  EXPECT_LT(ChiSquare(Draw(*selector, random, draws), expected, draws), ChiSquareBound(3));
}

TEST(PrioritizedSelectorTest, ZeroPriorityKeyIsNeverDrawnBesidePositiveOnes) {
  auto selector = MakeItemSelector(Selector::Prioritized(1.0));
  selector->Insert(1, 0.0);
  selector->Insert(2, 1e-300);
  selector->Insert(3, 0.0);
  std::mt19937_64 random(7);
  const auto counts = Draw(*selector, random, 10000);
  EXPECT_EQ(counts.size(), 1u);
  EXPECT_EQ(counts.begin()->first, 2u);
}

TEST(PrioritizedSelectorTest, UpdatesAndDeletesChangeTheDistribution) {
  auto selector = MakeItemSelector(Selector::Prioritized(1.0));
  for (uint64_t key = 0; key < 2000; ++key) selector->Insert(key, 1.0);
  // Delete all but keys 10, 20 and 1999 (the last slot, moved around by the deletes).
  for (uint64_t key = 0; key < 1999; ++key) {
    if (key != 10 && key != 20) selector->Delete(key);
  }
  selector->Update(10, 6.0);
  selector->Update(20, 3.0);
  std::map<uint64_t, double> expected{{10, 0.6}, {20, 0.3}, {1999, 0.1}};
  std::mt19937_64 random(8);
  for (int i = 0; i < 50; ++i) {
    const ItemSelector::Pick pick = selector->Select(random);
    EXPECT_NEAR(pick.probability, expected[pick.key], 1e-12);
  }
  const int64_t draws = 50000;
  const auto counts = Draw(*selector, random, draws);
  EXPECT_EQ(counts.size(), 3u);
  // 2 degrees of freedom: 99.9% quantile 13.82.
  EXPECT_LT(ChiSquare(counts, expected, draws), 13.82);
}

TEST(FifoSelectorTest, PicksTheOldestRemainingKeyWithProbabilityOne) {
  auto selector = MakeItemSelector(Selector::Fifo());
  std::mt19937_64 random(9);
  for (uint64_t key : {5, 3, 9, 1}) selector->Insert(key, 1.0);
  EXPECT_EQ(selector->Select(random).key, 5u);
  EXPECT_EQ(selector->Select(random).probability, 1.0);
  selector->Update(5, 100.0);  // an update does not move a key
  EXPECT_EQ(selector->Select(random).key, 5u);
  selector->Delete(5);
  EXPECT_EQ(selector->Select(random).key, 3u);
  selector->Delete(9);  // from the middle
  selector->Delete(3);
  EXPECT_EQ(selector->Select(random).key, 1u);
}

TEST(LifoSelectorTest, PicksTheNewestRemainingKey) {
  auto selector = MakeItemSelector(Selector::Lifo());
  std::mt19937_64 random(10);
  for (uint64_t key : {5, 3, 9, 1}) selector->Insert(key, 1.0);
  EXPECT_EQ(selector->Select(random).key, 1u);
  selector->Delete(1);
  EXPECT_EQ(selector->Select(random).key, 9u);
  selector->Delete(3);
  EXPECT_EQ(selector->Select(random).key, 9u);
  selector->Delete(9);
  EXPECT_EQ(selector->Select(random).key, 5u);
  EXPECT_EQ(selector->Select(random).probability, 1.0);
}

TEST(MinHeapSelectorTest, PicksTheLowestPriorityOldestFirstOnTies) {
  auto selector = MakeItemSelector(Selector::MinHeap());
  std::mt19937_64 random(11);
  selector->Insert(1, 5.0);
  selector->Insert(2, 2.0);
  selector->Insert(3, 7.0);
  selector->Insert(4, 2.0);
  EXPECT_EQ(selector->Select(random).key, 2u);  // tie with 4: 2 is older
  selector->Update(2, 3.0);
  EXPECT_EQ(selector->Select(random).key, 4u);
  selector->Update(4, 3.0);  // tie with 2 again: 2 was updated less recently
  EXPECT_EQ(selector->Select(random).key, 2u);
  selector->Delete(2);
  selector->Delete(4);
  EXPECT_EQ(selector->Select(random).key, 1u);
  EXPECT_EQ(selector->Select(random).probability, 1.0);
}

TEST(MaxHeapSelectorTest, PicksTheHighestPriorityOldestFirstOnTies) {
  auto selector = MakeItemSelector(Selector::MaxHeap());
  std::mt19937_64 random(12);
  selector->Insert(1, 5.0);
  selector->Insert(2, 9.0);
  selector->Insert(3, 9.0);
  selector->Insert(4, 0.0);
  EXPECT_EQ(selector->Select(random).key, 2u);
  selector->Delete(2);
  EXPECT_EQ(selector->Select(random).key, 3u);
  selector->Update(4, 10.0);
  EXPECT_EQ(selector->Select(random).key, 4u);
  selector->Clear();
  EXPECT_EQ(selector->size(), 0);
  selector->Insert(7, 1.0);
  EXPECT_EQ(selector->Select(random).key, 7u);
}

}  // namespace
}  // namespace lp::replay
