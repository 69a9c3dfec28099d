// Replaying a linalg.generic's scalar body on vectors, shared by the CPU vectorizers.
#ifndef ONNXC_CODEGEN_VECTORBODY_H
#define ONNXC_CODEGEN_VECTORBODY_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace onnxc::codegen {

/// Whether `g` works on static buffers of signless non-bool scalars and its body is
/// elementwise arith and math only, so it can run lane-wise on vectors.
bool isVectorizableBody(mlir::linalg::GenericOp g);

/// `body` (a generic's block) applied lane-wise to `args`, one vector of
/// `width` lanes per block argument; returns the vector it yields. Scalars the
/// body captures are broadcast; constants defined outside are rematerialized
/// at the insertion point.
mlir::Value replayOnVectors(mlir::OpBuilder &b, mlir::Location loc, mlir::Block *body,
                            mlir::ArrayRef<mlir::Value> args, int64_t width);

/// Widest element stride whose lanes are read as one wide load and a shuffle.
constexpr int64_t kMaxShuffledStride = 4;

/// `width` elements of `mem`, `stride` apart along its unit-stride innermost
/// axis from `indices`: one masked load of `stride * width` elements (the
/// mask stops at the end of the axis, so nothing outside the buffer is read),
/// then every `stride`-th lane.
mlir::Value readEveryNth(mlir::OpBuilder &b, mlir::Location loc, mlir::Value mem, mlir::ValueRange indices,
                         int64_t width, int64_t stride);

} // namespace onnxc::codegen

#endif // ONNXC_CODEGEN_VECTORBODY_H
