// Shared by the GPU kernel builders (codegen/gpu): body analysis and rewrites, and the tiled contraction kernel.
#ifndef ONNXC_CODEGEN_GPU_KERNELBODIES_H
#define ONNXC_CODEGEN_GPU_KERNELBODIES_H

#include "codegen/Passes.h"

namespace onnxc::codegen {

/// True when `v` is computed from `iv` inside `body`.
bool dependsOn(mlir::Value v, mlir::Value iv, mlir::Block *body);

/// Keeps each reduction's accumulator in a register: a loop under `root` that
/// loads and stores one element at loop-invariant indices (and touches that
/// buffer nowhere else) carries the value instead; innermost loops first.
void promoteAccumulators(mlir::Operation *root);

/// The reduction loop of a formed body (after promotion) and the store of its result.
std::pair<mlir::scf::ForOp, mlir::memref::StoreOp> reductionOf(mlir::scf::IfOp body);

/// Enough threads to keep an H100/H200-class GPU full.
constexpr int64_t kMinThreads = 132 * 256;
/// Warps per block when a reduction is split over a block, each reducing one slice.
constexpr int64_t kSlices = 8;

/// The op that combines a reduction's values (add, max, min) when the
/// reduction of `loop` (one output per iteration, `total` of them) can be
/// split into kSlices partial results, else null (Reductions.cpp).
mlir::Operation *splitCombiner(mlir::scf::ParallelOp loop, int64_t total);

/// The value every slice of a `combine` reduction starts from.
mlir::Value identityOf(mlir::OpBuilder &b, mlir::Location loc, mlir::Operation *combine, mlir::Type type);

/// True when the one reduction loop of `loop` (splitCombiner's form) walks
/// memory contiguously and is long enough for a warp's lanes to share it.
bool alongContiguous(mlir::scf::ParallelOp loop);

/// True when 4 consecutive iterations of `loop`'s innermost dim (count a
/// multiple of 4, from 0, step 1) can run as one: a body of loads, stores and
/// elementwise arithmetic whose accesses along that dim are unit-stride and
/// 16-byte aligned (buffers based on an argument or global with kAlignAttr).
bool vectorizableInnermost(mlir::scf::ParallelOp loop, llvm::ArrayRef<int64_t> counts, llvm::ArrayRef<int64_t> lbs,
                           llvm::ArrayRef<int64_t> steps);

/// Clones the body of such a `loop` at `b` for the 4 iterations from the
/// innermost iv's value in `map` (the others mapped too): vector loads and
/// stores of 16 bytes, arithmetic on vector<4x...>.
void cloneVectorized(mlir::OpBuilder &b, mlir::scf::ParallelOp loop, mlir::IRMapping &map);

/// Emits `loop` (one output per iteration; static `counts`, `lbs`, `steps`)
/// at `b` as a tiled kernel when it computes out += a * b (Gemm, MatMul, conv
/// as implicit GEMM): with `precision` fp16, bf16 or tf32 on the tensor cores
/// (TensorCoreContraction.cpp), in fp32 with operand tiles in shared memory
/// when there are enough tiles to fill the GPU (TiledContraction.cpp);
/// `emulate` runs the same sums as host loops. Returns false, emitting
/// nothing, when `loop` is not such a kernel.
bool emitTiledContraction(mlir::OpBuilder &b, mlir::scf::ParallelOp loop, llvm::ArrayRef<int64_t> counts,
                          llvm::ArrayRef<int64_t> lbs, llvm::ArrayRef<int64_t> steps, bool emulate,
                          llvm::StringRef precision);

} // namespace onnxc::codegen

#endif // ONNXC_CODEGEN_GPU_KERNELBODIES_H
