// onnx dialect: linear algebra, convolution, normalization, pooling, softmax and reductions.
#ifndef ONNXC_ONNX_NN_TD
#define ONNXC_ONNX_NN_TD

include "dialects/onnx/OnnxBase.td"

def ONNX_MatMulOp : ONNX_InferOp<"MatMul", 2> {
  let summary = "numpy-style matrix product (opset 13)";
  let description = [{
    Batch dimensions broadcast; 1-D operands are promoted and the added
    dimension removed from the result.

    ```mlir
    %c = onnx.MatMul(%a, %b) : (tensor<1x784xf32>, tensor<784x256xf32>) -> tensor<1x256xf32>
    ```
  }];
  let arguments = (ins AnyTensor:$A, AnyTensor:$B);
  let results = (outs AnyTensor:$Y);
}

def ONNX_GemmOp : ONNX_InferOp<"Gemm", 3> {
  let summary = "Y = alpha * op(A) * op(B) + beta * C (opset 13)";
  let description = [{
    ```mlir
    %y = onnx.Gemm(%a, %w, %bias) {transB = 1 : i64} : (tensor<1x784xf32>, tensor<256x784xf32>, tensor<256xf32>) -> tensor<1x256xf32>
    ```
  }];
  let arguments = (ins AnyTensor:$A, AnyTensor:$B, ONNX_OptTensor:$C,
                   DefaultValuedAttr<F32Attr, "1.0">:$alpha,
                   DefaultValuedAttr<F32Attr, "1.0">:$beta,
                   DefaultValuedAttr<I64Attr, "0">:$transA,
                   DefaultValuedAttr<I64Attr, "0">:$transB);
  let results = (outs AnyTensor:$Y);
}

def ONNX_ConvOp : ONNX_InferOp<"Conv", 3> {
  let summary = "N-D convolution, NCHW layout (opset 11)";
  let description = [{
    ```mlir
    %y = onnx.Conv(%x, %w, %b) {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
    ```
  }];
  let arguments = (ins AnyTensor:$X, AnyTensor:$W, ONNX_OptTensor:$B,
                   DefaultValuedStrAttr<StrAttr, "NOTSET">:$auto_pad,
                   OptionalAttr<DenseI64ArrayAttr>:$dilations,
                   DefaultValuedAttr<I64Attr, "1">:$group,
                   OptionalAttr<DenseI64ArrayAttr>:$kernel_shape,
                   OptionalAttr<DenseI64ArrayAttr>:$pads,
                   OptionalAttr<DenseI64ArrayAttr>:$strides);
  let results = (outs AnyTensor:$Y);
}

def ONNX_ConvTransposeOp : ONNX_InferOp<"ConvTranspose", 3> {
  let summary = "N-D transposed convolution, NCHW layout, W as [C, M/group, kernel...]";
  let arguments = (ins AnyTensor:$X, AnyTensor:$W, ONNX_OptTensor:$B,
                   DefaultValuedStrAttr<StrAttr, "NOTSET">:$auto_pad,
                   OptionalAttr<DenseI64ArrayAttr>:$dilations,
                   DefaultValuedAttr<I64Attr, "1">:$group,
                   OptionalAttr<DenseI64ArrayAttr>:$kernel_shape,
                   OptionalAttr<DenseI64ArrayAttr>:$output_padding,
                   OptionalAttr<DenseI64ArrayAttr>:$output_shape,
                   OptionalAttr<DenseI64ArrayAttr>:$pads,
                   OptionalAttr<DenseI64ArrayAttr>:$strides);
  let results = (outs AnyTensor:$Y);
}

def ONNX_BatchNormalizationOp : ONNX_InferOp<"BatchNormalization", 5> {
  let summary = "batch normalization in inference mode (opset 15)";
  let description = [{
    Y = (X - mean) / sqrt(var + epsilon) * scale + B over the channel axis 1.

    ```mlir
    %y = onnx.BatchNormalization(%x, %s, %b, %m, %v) : (tensor<1x4x8x8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
    ```
  }];
  let arguments = (ins AnyTensor:$X, AnyTensor:$scale, AnyTensor:$B,
                   AnyTensor:$input_mean, AnyTensor:$input_var,
                   DefaultValuedAttr<F32Attr, "1e-05">:$epsilon,
                   DefaultValuedAttr<F32Attr, "0.9">:$momentum,
                   DefaultValuedAttr<I64Attr, "0">:$training_mode);
  let results = (outs AnyTensor:$Y);
}

// Windowed pooling over the spatial axes of an NC... tensor.
class ONNX_PoolOp<string mnemonic, string what, dag extraAttrs>
    : ONNX_InferOp<mnemonic, 1> {
  let summary = what # " pooling";
  let description = [{
    ```mlir
    %y = onnx.}] # mnemonic # [{(%x) {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x4xf32>
    ```
  }];
  let arguments = !con((ins AnyTensor:$X,
                   DefaultValuedStrAttr<StrAttr, "NOTSET">:$auto_pad,
                   DefaultValuedAttr<I64Attr, "0">:$ceil_mode,
                   OptionalAttr<DenseI64ArrayAttr>:$dilations,
                   DenseI64ArrayAttr:$kernel_shape,
                   OptionalAttr<DenseI64ArrayAttr>:$pads,
                   OptionalAttr<DenseI64ArrayAttr>:$strides), extraAttrs);
  let results = (outs AnyTensor:$Y);
}

def ONNX_MaxPoolOp : ONNX_PoolOp<"MaxPool", "max",
    (ins DefaultValuedAttr<I64Attr, "0">:$storage_order)>;
def ONNX_AveragePoolOp : ONNX_PoolOp<"AveragePool", "average",
    (ins DefaultValuedAttr<I64Attr, "0">:$count_include_pad)>;

class ONNX_GlobalPoolOp<string mnemonic, string what> : ONNX_InferOp<mnemonic, 1> {
  let summary = what # " over all spatial axes (keeps them as size 1)";
  let description = [{
    ```mlir
    %y = onnx.}] # mnemonic # [{(%x) : (tensor<1x4x8x8xf32>) -> tensor<1x4x1x1xf32>
    ```
  }];
  let arguments = (ins AnyTensor:$X);
  let results = (outs AnyTensor:$Y);
}
def ONNX_GlobalAveragePoolOp : ONNX_GlobalPoolOp<"GlobalAveragePool", "average">;
def ONNX_GlobalMaxPoolOp : ONNX_GlobalPoolOp<"GlobalMaxPool", "maximum">;

class ONNX_SoftmaxFamilyOp<string mnemonic, string what>
    : ONNX_Op<mnemonic, 1, 1, [SameOperandsAndResultType, InferTypeOpInterface]> {
  let summary = what # " along one axis (opset 13 semantics)";
  let description = [{
    Older opsets coerced the input to 2-D; the importer rewrites those forms.

    ```mlir
    %y = onnx.}] # mnemonic # [{(%x) {axis = -1 : i64} : (tensor<1x10xf32>) -> tensor<1x10xf32>
    ```
  }];
  let arguments = (ins TensorOf<[AnyFloat]>:$input, DefaultValuedAttr<I64Attr, "-1">:$axis);
  let results = (outs AnyTensor:$output);
  let hasVerifier = 1;
}
def ONNX_SoftmaxOp : ONNX_SoftmaxFamilyOp<"Softmax", "softmax">;
def ONNX_LogSoftmaxOp : ONNX_SoftmaxFamilyOp<"LogSoftmax", "log of softmax">;
def ONNX_HardmaxOp : ONNX_SoftmaxFamilyOp<"Hardmax", "1 at the first maximum, 0 elsewhere,">;

// Reduction with axes as an optional int64 input (the opset 18 form).
class ONNX_ReduceOp<string mnemonic, string what> : ONNX_InferOp<mnemonic, 2> {
  let summary = what # " over the given axes (opset 18 form: axes is an input)";
  let description = [{
    ```mlir
    %y = onnx.}] # mnemonic # [{(%x, %axes) {keepdims = 1 : i64} : (tensor<2x3xf32>, tensor<1xi64>) -> tensor<2x1xf32>
    ```
  }];
  let arguments = (ins AnyTensor:$data, ONNX_OptTensor:$axes,
                   DefaultValuedAttr<I64Attr, "1">:$keepdims,
                   DefaultValuedAttr<I64Attr, "0">:$noop_with_empty_axes);
  let results = (outs AnyTensor:$reduced);
}
def ONNX_ReduceMeanOp : ONNX_ReduceOp<"ReduceMean", "mean">;
def ONNX_ReduceSumOp : ONNX_ReduceOp<"ReduceSum", "sum">;
def ONNX_ReduceMaxOp : ONNX_ReduceOp<"ReduceMax", "maximum">;
def ONNX_ReduceMinOp : ONNX_ReduceOp<"ReduceMin", "minimum">;
def ONNX_ReduceProdOp : ONNX_ReduceOp<"ReduceProd", "product">;
// Index of the largest/smallest element along `axis` (int64).
class ONNX_ArgOp<string mnemonic, string what> : ONNX_InferOp<mnemonic, 1> {
  let summary = "the index of the " # what # " element along `axis`";
  let arguments = (ins AnyTensor:$data, DefaultValuedAttr<I64Attr, "0">:$axis,
                   DefaultValuedAttr<I64Attr, "1">:$keepdims,
                   DefaultValuedAttr<I64Attr, "0">:$select_last_index);
  let results = (outs AnyTensor:$reduced);
}
def ONNX_ArgMaxOp : ONNX_ArgOp<"ArgMax", "largest">;
def ONNX_ArgMinOp : ONNX_ArgOp<"ArgMin", "smallest">;

def ONNX_ReduceL1Op : ONNX_ReduceOp<"ReduceL1", "sum of absolute values">;
def ONNX_ReduceL2Op : ONNX_ReduceOp<"ReduceL2", "square root of the sum of squares">;
def ONNX_ReduceLogSumOp : ONNX_ReduceOp<"ReduceLogSum", "log of the sum">;
def ONNX_ReduceLogSumExpOp : ONNX_ReduceOp<"ReduceLogSumExp", "log of the sum of exponentials">;
def ONNX_ReduceSumSquareOp : ONNX_ReduceOp<"ReduceSumSquare", "sum of squares">;

def ONNX_LayerNormalizationOp : ONNX_InferOp<"LayerNormalization", 3, 3> {
  let summary = "normalizes over the axes from `axis` on, then scales and shifts";
  let description = [{
    Y = (X - mean) / sqrt(var + epsilon) * Scale + B; the optional outputs are
    the mean and the inverse standard deviation (the reduced axes kept as 1).
  }];
  let arguments = (ins AnyTensor:$X, AnyTensor:$Scale, ONNX_OptTensor:$B,
                   DefaultValuedAttr<I64Attr, "-1">:$axis,
                   DefaultValuedAttr<F32Attr, "1e-05">:$epsilon,
                   DefaultValuedAttr<I64Attr, "1">:$stash_type);
  let results = (outs AnyTensor:$Y, AnyTensor:$Mean, AnyTensor:$InvStdDev);
}

def ONNX_InstanceNormalizationOp : ONNX_InferOp<"InstanceNormalization", 3> {
  let summary = "normalizes each (n, c) plane over its spatial axes, then scales and shifts per channel";
  let arguments = (ins AnyTensor:$input, AnyTensor:$scale, AnyTensor:$B,
                   DefaultValuedAttr<F32Attr, "1e-05">:$epsilon);
  let results = (outs AnyTensor:$output);
}

def ONNX_NegativeLogLikelihoodLossOp : ONNX_InferOp<"NegativeLogLikelihoodLoss", 3> {
  let summary = "-input[n, target[n, d...], d...] * weight[target], then none/sum/mean";
  let description = [{
    Targets equal to `ignore_index` contribute 0 (and no weight to the mean).

    ```mlir
    %l = onnx.NegativeLogLikelihoodLoss(%x, %t, %none) {reduction = "mean"} : (tensor<3x5xf32>, tensor<3xi64>, none) -> tensor<f32>
    ```
  }];
  let arguments = (ins AnyTensor:$input, AnyTensor:$target, ONNX_OptTensor:$weight,
                   DefaultValuedStrAttr<StrAttr, "mean">:$reduction,
                   OptionalAttr<I64Attr>:$ignore_index);
  let results = (outs AnyTensor:$loss);
}

def ONNX_SoftmaxCrossEntropyLossOp : ONNX_InferOp<"SoftmaxCrossEntropyLoss", 3, 2> {
  let summary = "NegativeLogLikelihoodLoss of LogSoftmax(scores) over axis 1";
  let arguments = (ins AnyTensor:$scores, AnyTensor:$labels, ONNX_OptTensor:$weights,
                   DefaultValuedStrAttr<StrAttr, "mean">:$reduction,
                   OptionalAttr<I64Attr>:$ignore_index);
  let results = (outs AnyTensor:$output, AnyTensor:$log_prob);
}

// Recurrent ops: attributes shared by RNN, GRU and LSTM (opset 14 semantics).
defvar ONNX_RecurrentAttrs = (ins OptionalAttr<DenseF32ArrayAttr>:$activation_alpha,
                                  OptionalAttr<DenseF32ArrayAttr>:$activation_beta,
                                  OptionalAttr<StrArrayAttr>:$activations,
                                  OptionalAttr<F32Attr>:$clip,
                                  DefaultValuedStrAttr<StrAttr, "forward">:$direction,
                                  OptionalAttr<I64Attr>:$hidden_size,
                                  DefaultValuedAttr<I64Attr, "0">:$layout);

def ONNX_RNNOp : ONNX_InferOp<"RNN", 6, 2> {
  let summary = "one-layer simple RNN: Ht = f(Xt*Wi^T + Ht-1*Ri^T + Wbi + Rbi) (opset 14)";
  let description = [{
    X is `[seq, batch, input]` (`[batch, seq, input]` with layout 1); Y is
    `[seq, num_directions, batch, hidden]` (`[batch, seq, num_directions, hidden]`),
    Y_h the last hidden state. Steps past a batch entry's `sequence_lens` leave
    its state unchanged and write zeros to Y.

    ```mlir
    %y, %yh = onnx.RNN(%x, %w, %r, %b, %none, %none) {hidden_size = 4 : i64} : (tensor<2x1x3xf32>, tensor<1x4x3xf32>, tensor<1x4x4xf32>, tensor<1x8xf32>, none, none) -> (tensor<2x1x1x4xf32>, tensor<1x1x4xf32>)
    ```
  }];
  let arguments = !con((ins AnyTensor:$X, AnyTensor:$W, AnyTensor:$R, ONNX_OptTensor:$B,
                            ONNX_OptTensor:$sequence_lens, ONNX_OptTensor:$initial_h),
                       ONNX_RecurrentAttrs);
  let results = (outs AnyTensor:$Y, AnyTensor:$Y_h);
}

def ONNX_GRUOp : ONNX_InferOp<"GRU", 6, 2> {
  let summary = "one-layer GRU with update, reset and hidden gates (z, r, h) (opset 14)";
  let description = [{
    Shapes as for RNN with 3 gates stacked in W, R and B.
  }];
  let arguments = !con((ins AnyTensor:$X, AnyTensor:$W, AnyTensor:$R, ONNX_OptTensor:$B,
                            ONNX_OptTensor:$sequence_lens, ONNX_OptTensor:$initial_h),
                       ONNX_RecurrentAttrs,
                       (ins DefaultValuedAttr<I64Attr, "0">:$linear_before_reset));
  let results = (outs AnyTensor:$Y, AnyTensor:$Y_h);
}

def ONNX_LSTMOp : ONNX_InferOp<"LSTM", 8, 3> {
  let summary = "one-layer LSTM with input, output, forget and cell gates (i, o, f, c) (opset 14)";
  let description = [{
    Shapes as for RNN with 4 gates stacked in W, R and B; P holds the
    peepholes of i, o and f. Y_c is the last cell state.
  }];
  let arguments = !con((ins AnyTensor:$X, AnyTensor:$W, AnyTensor:$R, ONNX_OptTensor:$B,
                            ONNX_OptTensor:$sequence_lens, ONNX_OptTensor:$initial_h,
                            ONNX_OptTensor:$initial_c, ONNX_OptTensor:$P),
                       ONNX_RecurrentAttrs,
                       (ins DefaultValuedAttr<I64Attr, "0">:$input_forget));
  let results = (outs AnyTensor:$Y, AnyTensor:$Y_h, AnyTensor:$Y_c);
}

#endif // ONNXC_ONNX_NN_TD
