// Storage of a few hundred KiB to a few MiB that a tensor gives up is kept for the next
// tensor of about its size (src/courier/serialization/tensor_bytes.h): checked by storage
// identity, and by what the reused storage holds.
#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "lp/tensor.h"
#include "src/courier/serialization/tensor_bytes.h"

namespace lp {
namespace {

using internal::RecyclingNow;

// 1 MiB of float32: a size that is recycled.
constexpr int64_t kMebibyteElements = int64_t{1} << 18;

class RecycledStorageTest : public ::testing::Test {
 protected:
  // The cache is the process's: start each test from an empty one.
  void SetUp() override { internal::FreeRecycledBytes(); }
  void TearDown() override {
    internal::SetRecycledBytesLimit(internal::kMaxRecycledBytes);
    internal::FreeRecycledBytes();
  }
};

// A tensor of `elements` float32 whose every element is `value`.
Tensor Filled(int64_t elements, float value) {
  Tensor tensor(DType::kFloat, {elements});
  for (float& element : tensor.span<float>()) element = value;
  return tensor;
}

TEST_F(RecycledStorageTest, ANewTensorReusesTheStorageOfOneDestroyedAndIsZeros) {
  const void* storage = nullptr;
  {
    Tensor old = Filled(kMebibyteElements, 7.0f);
    storage = old.bytes().data();
  }
  EXPECT_EQ(RecyclingNow().buffers, 1);
  const uint64_t reused = RecyclingNow().reused;
  Tensor next(DType::kFloat, {kMebibyteElements});
  EXPECT_EQ(next.bytes().data(), storage);
  EXPECT_EQ(RecyclingNow().reused, reused + 1);
  EXPECT_EQ(RecyclingNow().buffers, 0);
  for (float element : next.span<float>()) ASSERT_EQ(element, 0.0f);
}

TEST_F(RecycledStorageTest, ACopyReusesStorageAndIsEqual) {
  const Tensor original = Filled(kMebibyteElements, 2.5f);
  const void* storage = nullptr;
  {
    Tensor old = Filled(kMebibyteElements, 7.0f);
    storage = old.bytes().data();
  }
  const Tensor copy(original);
  EXPECT_EQ(copy.bytes().data(), storage);
  EXPECT_EQ(copy, original);
}

TEST_F(RecycledStorageTest, AssignmentGivesTheOldStorageBack) {
  Tensor moved_into = Filled(kMebibyteElements, 1.0f);
  const void* moved_over = moved_into.bytes().data();
  moved_into = Filled(kMebibyteElements / 4, 2.0f);  // 256 KiB moved in
  EXPECT_EQ(RecyclingNow().buffers, 1);
  EXPECT_EQ(Tensor(DType::kFloat, {kMebibyteElements}).bytes().data(), moved_over);

  Tensor copied_into = Filled(kMebibyteElements / 2, 1.0f);
  const void* copied_over = copied_into.bytes().data();
  const Tensor larger = Filled(2 * kMebibyteElements, 3.0f);
  copied_into = larger;  // its storage is too small for the copy: given back
  EXPECT_EQ(copied_into, larger);
  EXPECT_EQ(Tensor(DType::kFloat, {kMebibyteElements / 2}).bytes().data(), copied_over);
}

TEST_F(RecycledStorageTest, OnlyMidSizedStorageIsKept) {
  { Tensor small = Filled(int64_t{16} << 10, 1.0f); }                   // 64 KiB
  { Tensor large = Filled(int64_t{1} << 20, 1.0f); }                    // 4 MiB
  EXPECT_EQ(RecyclingNow().buffers, 0);
  { Tensor smallest = Filled(internal::kMinRecycledBytes / 4, 1.0f); }  // 256 KiB
  EXPECT_EQ(RecyclingNow().buffers, 1);
  EXPECT_EQ(RecyclingNow().bytes, internal::kMinRecycledBytes);
}

TEST_F(RecycledStorageTest, StorageOverTwiceTheSizeIsNotUsed) {
  const void* storage = nullptr;
  {
    Tensor three_mebibytes = Filled(3 * kMebibyteElements, 1.0f);
    storage = three_mebibytes.bytes().data();
  }
  const uint64_t fresh = RecyclingNow().fresh;
  Tensor one(DType::kFloat, {kMebibyteElements});
  EXPECT_NE(one.bytes().data(), storage);
  EXPECT_EQ(RecyclingNow().fresh, fresh + 1);
  Tensor two(DType::kFloat, {2 * kMebibyteElements});
  EXPECT_EQ(two.bytes().data(), storage);
}

TEST_F(RecycledStorageTest, TheCacheIsBoundedAndLetsTheOldestGoFirst) {
  std::vector<Tensor> tensors;
  for (int i = 0; i < internal::kMaxRecycledBuffers + 4; ++i) {
    tensors.push_back(Filled(kMebibyteElements, 1.0f));
  }
  const void* oldest = tensors.front().bytes().data();
  tensors.clear();  // destroyed front to back: the first is given back first
  EXPECT_EQ(RecyclingNow().buffers, internal::kMaxRecycledBuffers);
  EXPECT_EQ(RecyclingNow().bytes, size_t{internal::kMaxRecycledBuffers} << 20);
  for (int i = 0; i < internal::kMaxRecycledBuffers; ++i) {
    tensors.push_back(Tensor(DType::kFloat, {kMebibyteElements}));
    EXPECT_NE(tensors.back().bytes().data(), oldest);
  }
  EXPECT_EQ(RecyclingNow().buffers, 0);

  // 3 MiB buffers: the byte bound is reached before the count.
  std::vector<Tensor> large;
  for (int i = 0; i < internal::kMaxRecycledBuffers; ++i) {
    large.push_back(Filled(3 * kMebibyteElements, 1.0f));
  }
  large.clear();
  EXPECT_LE(RecyclingNow().bytes, internal::kMaxRecycledBytes);
  EXPECT_EQ(RecyclingNow().buffers,
            static_cast<int>(internal::kMaxRecycledBytes / (size_t{3} << 20)));
}

TEST_F(RecycledStorageTest, BytesGivenBackAreTakenWhetherKeptOrNot) {
  // A message hands its tensor's content over and must not keep it (shared memory: the
  // bytes must not travel in the request as well).
  std::string kept(size_t{1} << 20, 'k');
  std::string too_large(internal::kMinHugePageTensorBytes, 'l');
  internal::RecycleBytes(std::move(kept));
  internal::RecycleBytes(std::move(too_large));
  EXPECT_TRUE(kept.empty());  // NOLINT(bugprone-use-after-move): what is checked
  EXPECT_TRUE(too_large.empty());  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(RecyclingNow().buffers, 1);
}

// Handler threads, gRPC's threads and the caller's give storage back and take it at
// once: no storage is handed to two tensors, and the bounds hold.
TEST_F(RecycledStorageTest, ThreadsGivingAndTakingAtOnceNeverShareStorage) {
  constexpr int kThreads = 4;
  constexpr int kRounds = 100;
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &wrong] {
      for (int round = 0; round < kRounds; ++round) {
        const float value = static_cast<float>(t * kRounds + round);
        // Two sizes, so that best fit and the twice-the-size rule are exercised too.
        Tensor tensor = Filled(round % 2 == 0 ? kMebibyteElements : kMebibyteElements / 2,
                               value);
        std::this_thread::yield();
        for (float element : tensor.span<float>()) {
          if (element != value) {
            ++wrong;
            break;
          }
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_LE(RecyclingNow().buffers, internal::kMaxRecycledBuffers);
  EXPECT_LE(RecyclingNow().bytes, internal::kMaxRecycledBytes);
  EXPECT_GT(RecyclingNow().buffers, 0);
}

TEST_F(RecycledStorageTest, TheLimitCanBeLoweredOrSetToNothing) {
  std::vector<Tensor> tensors;
  for (int i = 0; i < 4; ++i) tensors.push_back(Filled(kMebibyteElements, 1.0f));
  tensors.clear();
  EXPECT_EQ(RecyclingNow().buffers, 4);
  internal::SetRecycledBytesLimit(size_t{2} << 20);
  EXPECT_EQ(RecyclingNow().buffers, 2);
  internal::SetRecycledBytesLimit(0);
  EXPECT_EQ(RecyclingNow().buffers, 0);
  { Tensor given_back = Filled(kMebibyteElements, 1.0f); }
  EXPECT_EQ(RecyclingNow().buffers, 0);
}

TEST(RecycledBytesLimitTest, TheEnvironmentSetsItInMebibytes) {
  EXPECT_EQ(internal::RecycledBytesLimitFrom(nullptr).value(), internal::kMaxRecycledBytes);
  EXPECT_EQ(internal::RecycledBytesLimitFrom("0").value(), 0u);
  EXPECT_EQ(internal::RecycledBytesLimitFrom("64").value(), size_t{64} << 20);
  for (const char* bad : {"", "abc", "-1", "1.5", "2000", "32MiB"}) {
    absl::StatusOr<size_t> limit = internal::RecycledBytesLimitFrom(bad);
    ASSERT_FALSE(limit.ok()) << bad;
    EXPECT_NE(limit.status().message().find("LP_TENSOR_CACHE_MIB"), std::string::npos)
        << limit.status();
    EXPECT_NE(limit.status().message().find("0 to 1024"), std::string::npos) << limit.status();
  }
}

TEST_F(RecycledStorageTest, ReleasedBytesAreTheCallersToKeep) {
  Tensor tensor = Filled(kMebibyteElements, 1.0f);
  std::string bytes = tensor.ReleaseBytes();
  EXPECT_EQ(RecyclingNow().buffers, 0);
  EXPECT_EQ(bytes.size(), size_t{1} << 20);
}

}  // namespace
}  // namespace lp
