// onnx dialect: scans, indexed reads and writes, Einsum (lowered to explicit loops or one generic).
#ifndef ONNXC_ONNX_INDEXING_TD
#define ONNXC_ONNX_INDEXING_TD

include "dialects/onnx/OnnxBase.td"

def ONNX_CumSumOp : ONNX_InferOp<"CumSum", 2> {
  let summary = "running sum along `axis` (a constant), optionally exclusive and/or reversed";
  let description = [{
    ```mlir
    %y = onnx.CumSum(%x, %axis) {exclusive = 0 : i64, reverse = 0 : i64} : (tensor<5xf32>, tensor<i64>) -> tensor<5xf32>
    ```
  }];
  let arguments = (ins AnyTensor:$x, AnyTensor:$axis, DefaultValuedAttr<I64Attr, "0">:$exclusive,
                   DefaultValuedAttr<I64Attr, "0">:$reverse);
  let results = (outs AnyTensor:$y);
}

def ONNX_CumProdOp : ONNX_InferOp<"CumProd", 2> {
  let summary = "running product along `axis` (a constant), optionally exclusive and/or reversed (opset 26)";
  let description = [{
    ```mlir
    %y = onnx.CumProd(%x, %axis) {exclusive = 1 : i64, reverse = 0 : i64} : (tensor<5xf32>, tensor<i64>) -> tensor<5xf32>
    ```
  }];
  let arguments = (ins AnyTensor:$x, AnyTensor:$axis, DefaultValuedAttr<I64Attr, "0">:$exclusive,
                   DefaultValuedAttr<I64Attr, "0">:$reverse);
  let results = (outs AnyTensor:$y);
}

def ONNX_ScatterElementsOp : ONNX_InferOp<"ScatterElements", 3> {
  let summary = "a copy of data with data[..., indices[i], ...] = updates[i] along `axis`";
  let description = [{
    `reduction` (none, add, mul, max, min) combines an update with the value
    already there; updates apply in row-major order. Indices out of range are
    clamped into it, so generated code never writes outside the tensor.
    ```mlir
    %y = onnx.ScatterElements(%x, %i, %u) {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2x2xi64>, tensor<2x2xf32>) -> tensor<2x3xf32>
    ```
  }];
  let arguments = (ins AnyTensor:$data, AnyTensor:$indices, AnyTensor:$updates,
                   DefaultValuedAttr<I64Attr, "0">:$axis,
                   DefaultValuedStrAttr<StrAttr, "none">:$reduction);
  let results = (outs AnyTensor:$output);
}

def ONNX_ScatterNDOp : ONNX_InferOp<"ScatterND", 3> {
  let summary = "a copy of data with the slices addressed by index tuples replaced by updates";
  let description = [{
    indices has shape [..., k]; each k-tuple addresses a slice data[i0, ..., ik-1, :].
    Indices out of range are clamped.
    ```mlir
    %y = onnx.ScatterND(%x, %i, %u) : (tensor<4x3xf32>, tensor<2x1xi64>, tensor<2x3xf32>) -> tensor<4x3xf32>
    ```
  }];
  let arguments = (ins AnyTensor:$data, AnyTensor:$indices, AnyTensor:$updates,
                   DefaultValuedStrAttr<StrAttr, "none">:$reduction);
  let results = (outs AnyTensor:$output);
}

def ONNX_EinsumOp : ONNX_InferOp<"Einsum", -1> {
  let summary = "Einstein summation over the operands as written in `equation`";
  let description = [{
    Explicit (`ij,jk->ik`) and implicit (`ij,jk`) forms, repeated letters
    (diagonals), and `...` broadcasting dimensions.
    ```mlir
    %y = onnx.Einsum(%a, %b) {equation = "ij,jk->ik"} : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
    ```
  }];
  let arguments = (ins Variadic<AnyTensor>:$Inputs, StrAttr:$equation);
  let results = (outs AnyTensor:$Output);
}

def ONNX_TopKOp : ONNX_InferOp<"TopK", 2, 2> {
  let summary = "the K largest (or smallest) elements along `axis` and their indices, sorted";
  let description = [{
    K must be a constant. Equal values keep their original order (the lower
    index first); the output is sorted even when `sorted` is 0.
    ```mlir
    %v, %i = onnx.TopK(%x, %k) {axis = -1 : i64} : (tensor<3x4xf32>, tensor<1xi64>) -> (tensor<3x2xf32>, tensor<3x2xi64>)
    ```
  }];
  let arguments = (ins AnyTensor:$X, AnyTensor:$K, DefaultValuedAttr<I64Attr, "-1">:$axis,
                   DefaultValuedAttr<I64Attr, "1">:$largest, DefaultValuedAttr<I64Attr, "1">:$sorted);
  let results = (outs AnyTensor:$Values, AnyTensor:$Indices);
}

def ONNX_GridSampleOp : ONNX_InferOp<"GridSample", 2> {
  let summary = "samples X at the normalized positions of `grid` (nearest, linear or cubic)";
  let description = [{
    X is [N, C, d1..dr], grid [N, o1..or, r] with the coordinates in
    reverse axis order (x for the last axis first). padding_mode is zeros,
    border or reflection. The importer renames opset 16's bilinear/bicubic.
    ```mlir
    %y = onnx.GridSample(%x, %g) {mode = "linear"} : (tensor<1x1x4x4xf32>, tensor<1x6x6x2xf32>) -> tensor<1x1x6x6xf32>
    ```
  }];
  let arguments = (ins AnyTensor:$X, AnyTensor:$grid, DefaultValuedAttr<I64Attr, "0">:$align_corners,
                   DefaultValuedStrAttr<StrAttr, "linear">:$mode,
                   DefaultValuedStrAttr<StrAttr, "zeros">:$padding_mode);
  let results = (outs AnyTensor:$Y);
}

#endif // ONNXC_ONNX_INDEXING_TD
