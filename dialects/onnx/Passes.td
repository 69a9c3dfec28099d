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

#endif // ONNXC_ONNX_PASSES_TD
