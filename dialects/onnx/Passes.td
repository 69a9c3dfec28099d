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

def LowerNarrowTypes : Pass<"onnxc-lower-narrow-types", "mlir::ModuleOp"> {
  let summary = "Stores float8/float4/int4/int2 values a byte each and builds their conversions";
  let description = [{
    Every value of a narrow element type (dialects/onnx/NarrowTypes.h) becomes a
    byte-per-element carrier: i8 holding the value for int4/int2, ui8 holding
    the value for uint4/uint2 and the code for the float types. Casts to and
    from them become onnx ops on the carriers: decoding is a table lookup,
    encoding rounds to nearest even and saturates as ONNX's Cast defines.
    Sub-byte function arguments and results are packed (first element in the
    lowest bits), as ONNX raw_data and the C ABI store them.
  }];
  let dependentDialects = ["::onnxc::onnx::OnnxDialect"];
}

#endif // ONNXC_ONNX_PASSES_TD
