// How a reduction is register-tiled (ReductionPlan.cpp), and the access helpers the tile emitter shares with it.
#ifndef ONNXC_CODEGEN_REDUCTIONPLAN_H
#define ONNXC_CODEGEN_REDUCTIONPLAN_H

#include "codegen/cpu/ReductionTiles.h"

#include <optional>

namespace onnxc::codegen {

/// How one reduction is tiled.
struct TilePlan {
  llvm::SmallVector<int64_t> extents; // static loop ranges
  int64_t lane = -1;                  // loop dimension along the vector lanes
  int64_t row = -1;                   // loop dimension blocked across rows, or -1
  int64_t width = 1;                  // lanes per vector
  int64_t rowTile = 1;                // rows per full tile
  int64_t laneVectors = 1;            // vectors per row in a full tile
};

/// Coefficient of dimension `dim` in a linear expression (sum of c*d + k).
std::optional<int64_t> coefficientOf(mlir::AffineExpr e, int64_t dim);

bool usesDim(mlir::AffineMap map, int64_t dim);

/// Result of `map` that depends on `dim` when exactly one does, else -1.
int64_t lanePosition(mlir::AffineMap map, int64_t dim);

/// The element distance between lanes when `a` varies along `dim` in its
/// innermost, unit-stride index only; else 0.
int64_t laneStrideAlong(const Access &a, int64_t dim);

/// Whether `a` touches consecutive elements as `dim` steps.
bool isContiguousAlong(const Access &a, int64_t dim);

Access accessOf(mlir::linalg::GenericOp op, mlir::OpOperand *operand);

std::optional<TilePlan> planFor(mlir::linalg::GenericOp op, int64_t vectorBits, int64_t maxAccumulators);

/// Whether every access that varies along the lanes does so in one index.
bool lanesAddressable(llvm::ArrayRef<Access> accesses, int64_t lane);

} // namespace onnxc::codegen

#endif // ONNXC_CODEGEN_REDUCTIONPLAN_H
