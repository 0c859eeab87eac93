// Where a large tensor's bytes live: a new tensor, a copy of one, and the copies that
// encoding and decoding make are advised onto huge pages (tensor_bytes.h), which the
// kernel shows as the "hg" flag of the memory's mapping in /proc/self/smaps.
#include <sys/mman.h>

#include <cstdint>
#include <string>
#include <utility>

#include "gtest/gtest.h"
#include "lp/serialize.h"
#include "lp/serialized_object.h"
#include "lp/tensor.h"
#include "tests/support/huge_pages.h"

namespace {

using courier::SerializedObject;
using lp::DType;
using lp::Tensor;
using lp::testing::AdvisedHugePages;
using lp::testing::Middle;

// 16 MiB of float32: well over the 4 MiB from which storage is advised.
constexpr int64_t kLargeElements = int64_t{4} << 20;

class TensorStorageTest : public testing::Test {
 protected:
  void SetUp() override {
    if (!lp::testing::KernelHasHugePages()) {
      GTEST_SKIP() << "this kernel has no transparent huge pages: nothing is advised";
    }
  }
};

TEST_F(TensorStorageTest, TheCheckTellsAdvisedMemoryFromOther) {
  constexpr size_t kBytes = size_t{16} << 20;
  void* memory = mmap(nullptr, kBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(memory, MAP_FAILED);
  char* middle = static_cast<char*>(memory) + kBytes / 2;
  *middle = 1;
  EXPECT_FALSE(AdvisedHugePages(middle));
  const auto aligned = reinterpret_cast<uintptr_t>(middle) & ~((uintptr_t{2} << 20) - 1);
  ASSERT_EQ(madvise(reinterpret_cast<void*>(aligned), size_t{2} << 20, MADV_HUGEPAGE), 0);
  EXPECT_TRUE(AdvisedHugePages(middle));
  munmap(memory, kBytes);
}

TEST_F(TensorStorageTest, ANewLargeTensorIsAdvised) {
  Tensor made(DType::kFloat, {kLargeElements});
  EXPECT_TRUE(AdvisedHugePages(Middle(made.bytes())));
}

TEST_F(TensorStorageTest, ACopyIsAdvisedAndEqual) {
  Tensor original(DType::kFloat, {kLargeElements});
  original.span<float>()[kLargeElements - 1] = 3.5f;
  const Tensor copy(original);  // as `return params_;` copies a kept tensor
  EXPECT_NE(copy.bytes().data(), original.bytes().data());
  EXPECT_TRUE(AdvisedHugePages(Middle(copy.bytes())));
  EXPECT_EQ(copy, original);
}

TEST_F(TensorStorageTest, AssignmentAdvisesNewStorageAndReusesStorageLargeEnough) {
  Tensor original(DType::kFloat, {kLargeElements});
  original.span<float>()[7] = 1.5f;

  Tensor small(DType::kFloat, {4});
  small = original;
  EXPECT_TRUE(AdvisedHugePages(Middle(small.bytes())));
  EXPECT_EQ(small, original);

  Tensor large(DType::kInt8, {kLargeElements * 4});
  const char* storage = large.bytes().data();
  large = original;
  EXPECT_EQ(large.bytes().data(), storage);
  EXPECT_EQ(large, original);

  const Tensor& same = large;
  large = same;
  EXPECT_EQ(large, original);
}

TEST_F(TensorStorageTest, EncodingAndDecodingCopiesAreAdvised) {
  Tensor original(DType::kFloat, {kLargeElements});
  original.span<float>()[42] = 2.5f;

  SerializedObject wire = lp::Encode(original);  // by const&: the request holds a copy
  EXPECT_TRUE(AdvisedHugePages(Middle(wire.tensor_value().tensor_content())));

  absl::StatusOr<Tensor> decoded = lp::DecodeAs<Tensor>(std::as_const(wire));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_TRUE(AdvisedHugePages(Middle(decoded->bytes())));
  EXPECT_EQ(*decoded, original);
}

}  // namespace
