// Helpers shared by the onnx -> linalg lowering families (tensor building blocks).
#ifndef ONNXC_LOWERING_COMMON_H
#define ONNXC_LOWERING_COMMON_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/Transforms/DialectConversion.h"

namespace onnxc::onnx {
struct WindowGeometry;
} // namespace onnxc::onnx

namespace onnxc::lowering {

using BodyFn = llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location,
                                              mlir::ValueRange)>;

/// An uninitialized tensor of `type`.
mlir::Value emptyTensor(mlir::OpBuilder &b, mlir::Location loc,
                        mlir::RankedTensorType type);

/// A scalar constant of `type` (integer or float) with value `v`.
mlir::Value scalarConstant(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Type type, double v);

/// The signless integer type of `t`'s width (arith's view); other types unchanged.
mlir::Type signlessType(mlir::Type t);

/// `v` reinterpreted as type `t` (an unrealized cast; used for signedness).
mlir::Value castTo(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v, mlir::Type t);

/// acc + x * y (float with contraction allowed, so it can become an FMA; or integer).
mlir::Value multiplyAdd(mlir::OpBuilder &b, mlir::Location loc, mlir::Value acc, mlir::Value x,
                        mlir::Value y);

/// The lowest (or highest) value of a scalar type, used as a reduction seed.
mlir::Value scalarExtreme(mlir::OpBuilder &b, mlir::Location loc,
                          mlir::Type type, bool lowest);

/// Elementwise linalg.generic producing `resultType`; inputs broadcast numpy-style.
mlir::Value elementwise(mlir::OpBuilder &b, mlir::Location loc,
                        mlir::RankedTensorType resultType,
                        mlir::ValueRange inputs, BodyFn body);

/// Broadcasts `src` (numpy-style, trailing alignment) to `type`.
mlir::Value broadcastTo(mlir::OpBuilder &b, mlir::Location loc, mlir::Value src,
                        mlir::RankedTensorType type);

/// Broadcasts a 1-D tensor along dimension `dim` of `type` (e.g. a bias over channels).
mlir::Value broadcastAlongDim(mlir::OpBuilder &b, mlir::Location loc,
                              mlir::Value src, mlir::RankedTensorType type,
                              int64_t dim);

/// Reshapes a static tensor to `type` (same element count) with collapse/expand.
mlir::Value reshapeTo(mlir::OpBuilder &b, mlir::Location loc, mlir::Value src,
                      mlir::RankedTensorType type);

/// Pads `src` by `low`/`high` with the scalar `padValue` (no-op when all zero).
mlir::Value padWith(mlir::OpBuilder &b, mlir::Location loc, mlir::Value src,
                    llvm::ArrayRef<int64_t> low, llvm::ArrayRef<int64_t> high,
                    mlir::Value padValue);

/// Reduces `src` over sorted `axes` with `combine(acc, x)` seeded by `init`;
/// keeps reduced axes as size 1 when `keepDims`.
mlir::Value reduce(mlir::OpBuilder &b, mlir::Location loc, mlir::Value src,
                   llvm::ArrayRef<int64_t> axes, bool keepDims,
                   mlir::Value init, BodyFn combine);

/// acc[outMap] += lhs[maps[0]] * rhs[maps[1]] as a linalg.generic; `reduced`
/// marks the reduction loops (put them before the innermost output loop).
mlir::Value contract(mlir::OpBuilder &b, mlir::Location loc, mlir::Value lhs, mlir::Value rhs,
                     mlir::Value acc, llvm::ArrayRef<mlir::AffineMap> maps, llvm::ArrayRef<bool> reduced);

/// A zero-filled tensor of `type`.
mlir::Value zeros(mlir::OpBuilder &b, mlir::Location loc, mlir::RankedTensorType type);

/// Per-family pattern registration, one per lowering file.
/// A parallel generic producing `type` whose element is `src[srcIndex(args)]`;
/// `inputs` (read at `inputMaps`) feed srcIndex.
mlir::Value gatherGeneric(
    mlir::OpBuilder &b, mlir::Location loc, mlir::RankedTensorType type, mlir::ValueRange inputs,
    llvm::ArrayRef<mlir::AffineMap> inputMaps, mlir::Value src,
    llvm::function_ref<llvm::SmallVector<mlir::Value>(mlir::OpBuilder &, mlir::Location, mlir::ValueRange)>
        srcIndex);

/// Integer index `i` into an axis of size `dim` as an `index`: negative values
/// wrap once and anything still out of range is clamped, so generated code never
/// reads outside the tensor.
mlir::Value clampedIndex(mlir::OpBuilder &b, mlir::Location loc, mlir::Value i, int64_t dim);

void populateLossPatterns(mlir::RewritePatternSet &patterns);
void populateElementwisePatterns(mlir::RewritePatternSet &patterns);
void populateLinearAlgebraPatterns(mlir::RewritePatternSet &patterns);
void populateConvPatterns(mlir::RewritePatternSet &patterns);
void populatePoolingPatterns(mlir::RewritePatternSet &patterns);
void populateNormalizationPatterns(mlir::RewritePatternSet &patterns);
void populateReductionPatterns(mlir::RewritePatternSet &patterns);
void populateShapePatterns(mlir::RewritePatternSet &patterns);
void populateIndexingPatterns(mlir::RewritePatternSet &patterns);
void populateGridSamplePatterns(mlir::RewritePatternSet &patterns);
void populateRecurrentPatterns(mlir::RewritePatternSet &patterns);
void populateResizePatterns(mlir::RewritePatternSet &patterns);

/// For each kernel offset (row-major over the window), the strided slice of
/// `padded` (spatial axes last, `lead` leading axes) that the offset reads.
llvm::SmallVector<mlir::Value> windowSlices(mlir::OpBuilder &b, mlir::Location loc,
                                            mlir::Value padded,
                                            const onnx::WindowGeometry &g,
                                            int64_t lead);
/// End padding that keeps every window of `g` inside the input (ceil_mode overrun).
llvm::SmallVector<int64_t> windowOverrun(llvm::ArrayRef<int64_t> inSizes,
                                         const onnx::WindowGeometry &g);

} // namespace onnxc::lowering

#endif // ONNXC_LOWERING_COMMON_H
