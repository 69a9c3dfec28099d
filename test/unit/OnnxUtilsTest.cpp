// Unit tests for the onnx dialect's shape helpers (broadcast, windows, slices).
#include "dialects/onnx/OnnxUtils.h"

#include <gtest/gtest.h>

using namespace onnxc::onnx;

TEST(Broadcast, NumpyRules) {
  auto r = broadcastShapes({2, 1, 4}, {3, 1});
  ASSERT_TRUE(r);
  EXPECT_EQ(std::vector<int64_t>(r->begin(), r->end()), (std::vector<int64_t>{2, 3, 4}));
  EXPECT_FALSE(broadcastShapes({2, 3}, {4}));
}

TEST(Window, SameUpperPadsAtTheEnd) {
  WindowGeometry g;
  ASSERT_FALSE(computeWindowGeometry({5}, {2}, "SAME_UPPER", std::nullopt, llvm::ArrayRef<int64_t>{2},
                                     std::nullopt, false, g));
  EXPECT_EQ(g.outSizes[0], 3);
  EXPECT_EQ(g.padsBegin[0], 0);
  EXPECT_EQ(g.padsEnd[0], 1);
}

TEST(Window, CeilModeDropsWindowStartingInPadding) {
  WindowGeometry g;
  // 6 wide, kernel 2, stride 2, ceil: 3 windows, none starts in padding.
  ASSERT_FALSE(computeWindowGeometry({6}, {2}, "NOTSET", std::nullopt, llvm::ArrayRef<int64_t>{2},
                                     std::nullopt, true, g));
  EXPECT_EQ(g.outSizes[0], 3);
  // 7 wide, kernel 3, stride 2: floor gives 3, ceil gives 3 as well.
  ASSERT_FALSE(computeWindowGeometry({7}, {3}, "NOTSET", std::nullopt, llvm::ArrayRef<int64_t>{2},
                                     std::nullopt, true, g));
  EXPECT_EQ(g.outSizes[0], 3);
}

TEST(Window, RejectsBadAttributes) {
  WindowGeometry g;
  EXPECT_TRUE(computeWindowGeometry({5}, {2}, "BOGUS", std::nullopt, std::nullopt, std::nullopt, false, g));
  EXPECT_TRUE(computeWindowGeometry({5}, {9}, "NOTSET", std::nullopt, std::nullopt, std::nullopt, false, g));
  EXPECT_TRUE(computeWindowGeometry({5}, {2}, "NOTSET", llvm::ArrayRef<int64_t>{-1, 0}, std::nullopt,
                                    std::nullopt, false, g));
}

TEST(Slice, ClampsAndNegativeSteps) {
  SliceGeometry g;
  ASSERT_FALSE(computeSliceGeometry({10}, {-3}, {INT64_MAX}, {}, {}, g));
  EXPECT_EQ(g.starts[0], 7);
  EXPECT_EQ(g.sizes[0], 3);
  ASSERT_FALSE(computeSliceGeometry({10}, {-1}, {INT64_MIN}, {}, {-1}, g));
  EXPECT_EQ(g.starts[0], 9);
  EXPECT_EQ(g.sizes[0], 10);
  EXPECT_TRUE(computeSliceGeometry({10}, {0}, {5}, {}, {0}, g));
}

TEST(Product, DetectsOverflow) {
  EXPECT_EQ(*checkedProduct({2, 3, 4}), 24);
  EXPECT_FALSE(checkedProduct({INT64_MAX, 2}));
  EXPECT_FALSE(checkedProduct({-1}));
}

TEST(Resize, ScalesFloorAndAspectRatio) {
  ResizeGeometry g;
  // floor(5 * 0.7) = 3 with the fractional resized length kept for the coordinates.
  ASSERT_FALSE(computeResizeGeometry({1, 5}, {}, llvm::ArrayRef<double>{1.0, 0.7}, std::nullopt,
                                     std::nullopt, "stretch", false, g));
  EXPECT_EQ(g.outSizes[1], 3);
  EXPECT_NEAR(g.resizedLengths[1], 3.5, 1e-9);
  // not_larger: one scale min(7/4, 8/6) on axes 1 and 2, rounded half up.
  ASSERT_FALSE(computeResizeGeometry({3, 4, 6}, {1, -1}, std::nullopt, llvm::ArrayRef<int64_t>{7, 8},
                                     std::nullopt, "not_larger", false, g));
  EXPECT_EQ(g.outSizes, (llvm::SmallVector<int64_t>{3, 5, 8}));
  EXPECT_DOUBLE_EQ(g.scales[1], 8.0 / 6.0);
}

TEST(Resize, RejectsBadInputs) {
  ResizeGeometry g;
  EXPECT_TRUE(computeResizeGeometry({4}, {}, std::nullopt, std::nullopt, std::nullopt, "stretch", false, g));
  EXPECT_TRUE(computeResizeGeometry({4}, {}, llvm::ArrayRef<double>{-1.0}, std::nullopt, std::nullopt,
                                    "stretch", false, g));
  EXPECT_TRUE(computeResizeGeometry({4}, {}, llvm::ArrayRef<double>{2.0}, std::nullopt, std::nullopt,
                                    "stretch", /*cropToRoi=*/true, g));
  EXPECT_TRUE(computeResizeGeometry({4, 4}, {0, 0}, std::nullopt, llvm::ArrayRef<int64_t>{2, 2},
                                    std::nullopt, "stretch", false, g));
}
