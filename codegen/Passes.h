// Declarations of onnxc's code generation passes.
#ifndef ONNXC_CODEGEN_PASSES_H
#define ONNXC_CODEGEN_PASSES_H

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace onnxc::codegen {
#define GEN_PASS_DECL
#include "codegen/Passes.h.inc"
#define GEN_PASS_REGISTRATION
#include "codegen/Passes.h.inc"

/// Whether `op` costs far more than an add per element (math functions,
/// division): such producers are not recomputed per broadcast element, and
/// they weigh more in the work that decides threading.
inline bool isCostlyMath(mlir::Operation &op) {
  return mlir::isa<mlir::math::MathDialect>(op.getDialect()) ||
         mlir::isa<mlir::arith::DivFOp, mlir::arith::RemFOp>(op);
}

/// Orders a reduction's loop dimensions (or an operand's indices along them)
/// as the CPU register tiles loop over them, outermost first: longer extents
/// inside, ties in their original order. A 3x3 conv runs its taps outside its
/// channels, so one step's row inputs are not reused by the next step (LLVM
/// would keep them live across unrolled taps and spill accumulators), and
/// PackWeights stores the weights in this order so the steps read them in order.
template <typename Extent>
void innermostLongestReduction(llvm::SmallVectorImpl<int64_t> &dims, Extent extentOf) {
  std::stable_sort(dims.begin(), dims.end(), [&](int64_t x, int64_t y) { return extentOf(x) < extentOf(y); });
}

/// Marks an scf.for whose iterations may run on the thread pool.
constexpr const char *kParallelAttr = "onnxc.parallel";

/// f64 exp and log as arithmetic (no libm), ahead of upstream's expansions.
void populateDoubleMathPatterns(mlir::RewritePatternSet &patterns);

/// Argument attribute: the byte alignment the caller guarantees for a buffer
/// argument (the workspace, the GPU weights blob).
constexpr const char *kAlignAttr = "onnxc.align";

/// Module attribute with the planned workspace size in bytes.
constexpr const char *kWorkspaceSizeAttr = "onnxc.workspace_size";
/// Module attribute of GPU models: the kernels in launch-index order, each a
/// dictionary {name, nodes} (the symbol and its ONNX nodes).
constexpr const char *kKernelTableAttr = "onnxc.kernels";
/// GPU models: the global holding every weight, uploaded to the device once.
constexpr const char *kWeightsGlobal = "onnxc_weights";
} // namespace onnxc::codegen

#endif // ONNXC_CODEGEN_PASSES_H
