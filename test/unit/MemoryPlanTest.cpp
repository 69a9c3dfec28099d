// Unit tests for the workspace planner's offset assignment.
#include "codegen/common/MemoryPlan.h"

#include <gtest/gtest.h>
#include <random>

using namespace onnxc::codegen;

static bool overlaps(const BufferRequest &a, int64_t oa, const BufferRequest &b, int64_t ob) {
  bool live = a.start <= b.end && b.start <= a.end;
  bool bytes = oa < ob + b.size && ob < oa + a.size;
  return live && bytes;
}

TEST(MemoryPlan, DisjointLifetimesShareBytes) {
  MemoryPlan p = planMemory({{0, 1, 100}, {2, 3, 100}}, 64);
  EXPECT_EQ(p.offsets[0], 0);
  EXPECT_EQ(p.offsets[1], 0);
  EXPECT_EQ(p.totalSize, 128);
}

TEST(MemoryPlan, OverlappingLifetimesGetSeparateAlignedBytes) {
  MemoryPlan p = planMemory({{0, 2, 100}, {1, 3, 10}}, 64);
  EXPECT_EQ(p.offsets[0], 0);
  EXPECT_EQ(p.offsets[1], 128);
  EXPECT_EQ(p.totalSize, 192);
}

TEST(MemoryPlan, EmptyPlanIsZero) {
  MemoryPlan p = planMemory({}, 64);
  EXPECT_EQ(p.totalSize, 0);
}

TEST(MemoryPlan, RandomPlansNeverCollideAndStayAligned) {
  std::mt19937 rng(42);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<BufferRequest> reqs;
    int n = 1 + rng() % 30;
    int64_t sum = 0;
    for (int i = 0; i < n; ++i) {
      int64_t s = rng() % 50, len = rng() % 20;
      reqs.push_back({s, s + len, 1 + (int64_t)(rng() % 5000)});
      sum += (reqs.back().size + 63) / 64 * 64;
    }
    MemoryPlan p = planMemory(reqs, 64);
    ASSERT_LE(p.totalSize, sum);
    for (int i = 0; i < n; ++i) {
      ASSERT_EQ(p.offsets[i] % 64, 0);
      ASSERT_LE(p.offsets[i] + reqs[i].size, p.totalSize);
      for (int j = i + 1; j < n; ++j)
        ASSERT_FALSE(overlaps(reqs[i], p.offsets[i], reqs[j], p.offsets[j])) << "trial " << trial;
    }
  }
}
