// Passes that lower the onnx dialect.
#ifndef ONNXC_LOWERING_PASSES_TD
#define ONNXC_LOWERING_PASSES_TD

include "mlir/Pass/PassBase.td"

def LowerOnnxToLinalg : Pass<"onnxc-lower-to-linalg", "mlir::ModuleOp"> {
  let summary = "Lowers onnx ops to linalg, tensor, arith and math on tensors";
  let description = [{
    Every onnx op must lower; an op that cannot is reported with its node
    name and the reason, and the pass fails.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect", "mlir::tensor::TensorDialect",
                           "mlir::arith::ArithDialect", "mlir::math::MathDialect",
                           "mlir::scf::SCFDialect", "mlir::bufferization::BufferizationDialect"];
}

#endif // ONNXC_LOWERING_PASSES_TD
