// A matmul-like loop nest (out += a * b: Gemm, MatMul, conv as implicit GEMM) seen as M x N x K, and the builders its tiled kernels share.
#ifndef ONNXC_CODEGEN_GPU_CONTRACTION_H
#define ONNXC_CODEGEN_GPU_CONTRACTION_H

#include "codegen/gpu/KernelBodies.h"

#include "mlir/IR/IRMapping.h"

namespace onnxc::codegen {

/// A loop nest `out[p] += a[f(p, r)] * b[g(p, r)]`: the parallel dims split
/// into M (read by a only), N (read by b only) and batch (the rest); the
/// innermost output dim is an N dim.
struct Contraction {
  mlir::scf::ParallelOp loop;
  llvm::SmallVector<mlir::scf::ForOp> reductions; // outermost first, perfectly nested
  mlir::memref::LoadOp a, b;
  llvm::SmallVector<int64_t> mDims, nDims, batchDims;
  llvm::SmallVector<int64_t> counts, lbs, steps;    // parallel dims
  llvm::SmallVector<int64_t> kCounts, kLbs, kSteps; // reduction loops
  int64_t m = 1, n = 1, k = 1, batch = 1;
};

/// The static trip counts, lower bounds and steps of `loop`'s dims; false
/// when a bound is dynamic or a step not positive.
bool staticBounds(mlir::scf::ParallelOp loop, llvm::SmallVectorImpl<int64_t> &counts,
                  llvm::SmallVectorImpl<int64_t> &lbs, llvm::SmallVectorImpl<int64_t> &steps);

/// `loop` as a contraction, or nothing when it is not one. An operand load
/// may be of a narrower float type, extended before the multiplication
/// (weights stored at 16 bits by NarrowWeights).
std::optional<Contraction> matchContraction(mlir::scf::ParallelOp loop, llvm::ArrayRef<int64_t> counts,
                                            llvm::ArrayRef<int64_t> lbs, llvm::ArrayRef<int64_t> steps);

/// Builds the pieces of a contraction's kernel at `b`.
struct ContractionBuilder {
  mlir::OpBuilder &b;
  mlir::Location loc;
  Contraction &c;

  mlir::Value cst(int64_t v);
  mlir::Value add(mlir::Value x, mlir::Value y);
  mlir::Value mul(mlir::Value x, int64_t y);
  mlir::Value div(mlir::Value x, int64_t y);
  mlir::Value rem(mlir::Value x, int64_t y);
  mlir::Value less(mlir::Value x, int64_t bound);

  /// Maps the parallel ivs of `dims` from the linear index `linear` over them.
  void mapDims(mlir::IRMapping &map, llvm::ArrayRef<int64_t> dims, mlir::Value linear);
  /// Maps the reduction ivs from the linear k index `linear`.
  void mapReduction(mlir::IRMapping &map, mlir::Value linear);

  /// Operand `a` (isA) or `b` at (batch, m or n, k), 0 outside M/N x K, in
  /// the type it is stored in; the indices are clamped, so the load never
  /// leaves the buffer.
  mlir::Value element(bool isA, mlir::Value batch, mlir::Value mn, mlir::Value k);

  /// The output (batch, m, n) when it exists: the original body (its fused
  /// init included) with the reduction replaced by init + `sum`.
  void storeOutput(mlir::Value batch, mlir::Value m, mlir::Value n, mlir::Value sum);
};

/// The block and thread coordinates of a 2-D output tile grid.
llvm::SmallVector<mlir::Value> delinearize(mlir::OpBuilder &b, mlir::Location loc, mlir::Value linear,
                                           llvm::ArrayRef<int64_t> counts);

/// True when `c` runs on the tensor cores with `precision` (tf32, fp16, bf16).
bool suitsTensorCores(const Contraction &c, llvm::StringRef precision);

/// Emits `c` on the tensor cores (`precision` fp16, bf16 or tf32): each block
/// a 32x32 output tile, k split over its warps. Returns false, emitting
/// nothing, when the shape does not suit it.
bool emitTensorCoreContraction(mlir::OpBuilder &b, Contraction &c, bool emulate, llvm::StringRef precision);

} // namespace onnxc::codegen

#endif // ONNXC_CODEGEN_GPU_CONTRACTION_H
