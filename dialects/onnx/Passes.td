// Graph-level passes on the onnx dialect.
#ifndef ONNXC_ONNX_PASSES_TD
#define ONNXC_ONNX_PASSES_TD

include "mlir/Pass/PassBase.td"

def FoldBatchNorm : Pass<"onnxc-fold-batchnorm", "mlir::func::FuncOp"> {
  let summary = "Folds inference BatchNormalization into the preceding Conv";
  let description = [{
    `BatchNormalization(Conv(x, W, B))` with constant W, B and statistics
    becomes `Conv(x, W', B')` with W' = W * s and B' = (B - mean) * s + beta,
    where s = scale / sqrt(var + epsilon). The Conv's other users must be none.
  }];
  let dependentDialects = ["::onnxc::onnx::OnnxDialect"];
}

def PackWeights : Pass<"onnxc-pack-weights", "mlir::func::FuncOp"> {
  let summary = "Lays out constant weights the way the generated kernels read them";
  let description = [{
    `Gemm(A, B, C)` with `transB = 1` and a constant f32 B gets B transposed
    at compile time and `transB = 0`, so the output's contiguous axis is
    also B's contiguous axis (vector loads instead of strided gathers).
  }];
  let dependentDialects = ["::onnxc::onnx::OnnxDialect"];
}

#endif // ONNXC_ONNX_PASSES_TD
