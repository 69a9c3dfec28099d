// onnx dialect: constants, casts and shape/data-movement ops (opset 13+ forms).
#ifndef ONNXC_ONNX_TENSOR_TD
#define ONNXC_ONNX_TENSOR_TD

include "dialects/onnx/OnnxBase.td"

// Shape/data-movement op with hand-written type inference; `body` sets the rest.
class ONNX_ShapeOp<string mnemonic, int numInputs, string what, string example>
    : ONNX_InferOp<mnemonic, numInputs> {
  let summary = what;
  let description = "```mlir\n" # example # "\n```";
}

def ONNX_NoValueOp : ONNX_Op<"NoValue", 0, 1, [ConstantLike]> {
  let summary = "the missing value of an omitted optional input";
  let description = [{
    ```mlir
    %none = onnx.NoValue() : () -> none
    ```
  }];
  let results = (outs NoneType:$none);
  let hasFolder = 1;
  let builders = [OpBuilder<(ins), [{ build($_builder, $_state, $_builder.getNoneType()); }]>];
}

def ONNX_ConstantOp : ONNX_Op<"Constant", 0, 1, [ConstantLike, InferTypeOpAdaptor]> {
  let summary = "a constant tensor (initializers and Constant nodes)";
  let description = [{
    The importer turns every `value_*` form into `value`; weights are
    `dense_resource` blobs that alias the model file's bytes.

    ```mlir
    %c = onnx.Constant() {value = dense<[1, 2]> : tensor<2xi64>} : () -> tensor<2xi64>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs AnyTensor:$output);
  let hasFolder = 1;
}

def ONNX_CastOp : ONNX_ShapeOp<"Cast", 1, "converts to element type `to` (ONNX data type code)",
    "%y = onnx.Cast(%x) {to = 7 : i64} : (tensor<3xf32>) -> tensor<3xi64>"> {
  let arguments = (ins AnyTensor:$input, I64Attr:$to, DefaultValuedAttr<I64Attr, "1">:$saturate,
                   DefaultValuedStrAttr<StrAttr, "up">:$round_mode);
  let results = (outs AnyTensor:$output);
  let hasFolder = 1;
}

def ONNX_BitCastOp : ONNX_ShapeOp<"BitCast", 1, "reinterprets each element's bits as type `to` of the same width (opset 26)",
    "%y = onnx.BitCast(%x) {to = 6 : i64} : (tensor<3xf32>) -> tensor<3xi32>"> {
  let arguments = (ins AnyTensor:$input, I64Attr:$to);
  let results = (outs AnyTensor:$output);
}

def ONNX_IdentityOp : ONNX_Op<"Identity", 1, 1, [SameOperandsAndResultType, InferTypeOpInterface]> {
  let summary = "returns its input";
  let description = "```mlir\n%y = onnx.Identity(%x) : (tensor<3xf32>) -> tensor<3xf32>\n```";
  let arguments = (ins AnyTensor:$input);
  let results = (outs AnyTensor:$output);
  let hasFolder = 1;
}

def ONNX_DropoutOp : ONNX_Op<"Dropout", 3, 2, [InferTypeOpAdaptor]> {
  let summary = "dropout; onnxc compiles inference (or training with ratio 0), where it is the identity";
  let description = [{
    The mask keeps every element (all true). training_mode must be a
    constant; when it is true, ratio must be a constant 0.
    ```mlir
    %y, %mask = onnx.Dropout(%x, %none, %none) : (tensor<3xf32>, none, none) -> (tensor<3xf32>, tensor<3xi1>)
    ```
  }];
  let arguments = (ins AnyTensor:$data, ONNX_OptTensor:$ratio, ONNX_OptTensor:$training_mode,
                   OptionalAttr<I64Attr>:$seed);
  let results = (outs AnyTensor:$output, AnyTensor:$mask);
}

def ONNX_ShapeOfOp : ONNX_ShapeOp<"Shape", 1, "the shape as a 1-D int64 tensor (opset 15: start/end)",
    "%s = onnx.Shape(%x) : (tensor<1x3xf32>) -> tensor<2xi64>"> {
  let arguments = (ins AnyTensor:$data, DefaultValuedAttr<I64Attr, "0">:$start, OptionalAttr<I64Attr>:$end);
  let results = (outs AnyTensor:$shape);
  let hasFolder = 1;
}

def ONNX_SizeOp : ONNX_ShapeOp<"Size", 1, "the element count as an int64 scalar",
    "%n = onnx.Size(%x) : (tensor<2x3xf32>) -> tensor<i64>"> {
  let arguments = (ins AnyTensor:$data);
  let results = (outs AnyTensor:$size);
  let hasFolder = 1;
}

def ONNX_FlattenOp : ONNX_ShapeOp<"Flatten", 1, "reshapes to 2-D around `axis`",
    "%y = onnx.Flatten(%x) {axis = 1 : i64} : (tensor<1x4x2x2xf32>) -> tensor<1x16xf32>"> {
  let arguments = (ins AnyTensor:$input, DefaultValuedAttr<I64Attr, "1">:$axis);
  let results = (outs AnyTensor:$output);
}

def ONNX_ReshapeOp : ONNX_ShapeOp<"Reshape", 2, "reshapes to a constant shape (0 copies, -1 infers)",
    "%y = onnx.Reshape(%x, %s) : (tensor<1x16xf32>, tensor<2xi64>) -> tensor<4x4xf32>"> {
  let arguments = (ins AnyTensor:$data, AnyTensor:$shape, DefaultValuedAttr<I64Attr, "0">:$allowzero);
  let results = (outs AnyTensor:$reshaped);
  let hasFolder = 1;
}

def ONNX_TransposeOp : ONNX_ShapeOp<"Transpose", 1, "permutes axes (default: reverses them)",
    "%y = onnx.Transpose(%x) {perm = array<i64: 1, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>"> {
  let arguments = (ins AnyTensor:$data, OptionalAttr<DenseI64ArrayAttr>:$perm);
  let results = (outs AnyTensor:$transposed);
  let hasFolder = 1;
}

def ONNX_ConcatOp : ONNX_ShapeOp<"Concat", -1, "concatenates along `axis`",
    "%y = onnx.Concat(%a, %b) {axis = 0 : i64} : (tensor<1xi64>, tensor<2xi64>) -> tensor<3xi64>"> {
  let arguments = (ins Variadic<AnyTensor>:$inputs, I64Attr:$axis);
  let results = (outs AnyTensor:$concat_result);
  let hasFolder = 1;
}

def ONNX_SqueezeOp : ONNX_ShapeOp<"Squeeze", 2, "removes size-1 axes (opset 13: axes is an input)",
    "%y = onnx.Squeeze(%x, %axes) : (tensor<1x3xf32>, tensor<1xi64>) -> tensor<3xf32>"> {
  let arguments = (ins AnyTensor:$data, ONNX_OptTensor:$axes);
  let results = (outs AnyTensor:$squeezed);
  let hasFolder = 1;
}

def ONNX_UnsqueezeOp : ONNX_ShapeOp<"Unsqueeze", 2, "inserts size-1 axes (opset 13: axes is an input)",
    "%y = onnx.Unsqueeze(%x, %axes) : (tensor<3xf32>, tensor<1xi64>) -> tensor<1x3xf32>"> {
  let arguments = (ins AnyTensor:$data, AnyTensor:$axes);
  let results = (outs AnyTensor:$expanded);
  let hasFolder = 1;
}

def ONNX_SliceOp : ONNX_ShapeOp<"Slice", 5, "strided slice with constant starts/ends/axes/steps (opset 13)",
    "%y = onnx.Slice(%x, %s, %e, %none, %none) : (tensor<8xf32>, tensor<1xi64>, tensor<1xi64>, none, none) -> tensor<4xf32>"> {
  let arguments = (ins AnyTensor:$data, AnyTensor:$starts, AnyTensor:$ends,
                   ONNX_OptTensor:$axes, ONNX_OptTensor:$steps);
  let results = (outs AnyTensor:$output);
  let hasFolder = 1;
}

def ONNX_GatherOp : ONNX_ShapeOp<"Gather", 2, "gathers slices along `axis` (negative indices count from the end)",
    "%y = onnx.Gather(%x, %i) {axis = 0 : i64} : (tensor<4xi64>, tensor<i64>) -> tensor<i64>"> {
  let arguments = (ins AnyTensor:$data, AnyTensor:$indices, DefaultValuedAttr<I64Attr, "0">:$axis);
  let results = (outs AnyTensor:$output);
  let hasFolder = 1;
}

def ONNX_GatherElementsOp : ONNX_ShapeOp<"GatherElements", 2,
    "picks data[..., indices[i], ...] along `axis` for every index element",
    "%y = onnx.GatherElements(%x, %i) {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2x2xi64>) -> tensor<2x2xf32>"> {
  let arguments = (ins AnyTensor:$data, AnyTensor:$indices, DefaultValuedAttr<I64Attr, "0">:$axis);
  let results = (outs AnyTensor:$output);
}

def ONNX_TriluOp : ONNX_ShapeOp<"Trilu", 2,
    "keeps the upper (or lower) triangle of the last two axes from diagonal k, zeroes the rest",
    "%y = onnx.Trilu(%x, %none) {upper = 1 : i64} : (tensor<3x3xf32>, none) -> tensor<3x3xf32>"> {
  let arguments = (ins AnyTensor:$input, ONNX_OptTensor:$k, DefaultValuedAttr<I64Attr, "1">:$upper);
  let results = (outs AnyTensor:$output);
}

def ONNX_SplitOp : ONNX_InferOp<"Split", 2, -1> {
  let summary = "splits along `axis` into the sizes of `split`, or into num_outputs near-equal parts";
  let description = [{
    The importer sets num_outputs from the node's output count when neither is given.

    ```mlir
    %a, %b = onnx.Split(%x, %none) {axis = 0 : i64, num_outputs = 2 : i64} : (tensor<4xf32>, none) -> (tensor<2xf32>, tensor<2xf32>)
    ```
  }];
  let arguments = (ins AnyTensor:$input, ONNX_OptTensor:$split,
                   DefaultValuedAttr<I64Attr, "0">:$axis, OptionalAttr<I64Attr>:$num_outputs);
  let results = (outs Variadic<AnyTensor>:$outputs);
}

def ONNX_EyeLikeOp : ONNX_ShapeOp<"EyeLike", 1, "ones on diagonal k of a 2-D tensor shaped like the input",
    "%y = onnx.EyeLike(%x) {k = 0 : i64} : (tensor<3x3xf32>) -> tensor<3x3xf32>"> {
  let arguments = (ins AnyTensor:$input, OptionalAttr<I64Attr>:$dtype, DefaultValuedAttr<I64Attr, "0">:$k);
  let results = (outs AnyTensor:$output);
}

def ONNX_DepthToSpaceOp : ONNX_ShapeOp<"DepthToSpace", 1,
    "moves channel blocks into blocksize x blocksize spatial tiles (DCR or CRD order)",
    "%y = onnx.DepthToSpace(%x) {blocksize = 2 : i64} : (tensor<1x8x2x2xf32>) -> tensor<1x2x4x4xf32>"> {
  let arguments = (ins AnyTensor:$input, I64Attr:$blocksize, DefaultValuedStrAttr<StrAttr, "DCR">:$mode);
  let results = (outs AnyTensor:$output);
}

def ONNX_SpaceToDepthOp : ONNX_ShapeOp<"SpaceToDepth", 1,
    "moves blocksize x blocksize spatial tiles into channels",
    "%y = onnx.SpaceToDepth(%x) {blocksize = 2 : i64} : (tensor<1x2x4x4xf32>) -> tensor<1x8x2x2xf32>"> {
  let arguments = (ins AnyTensor:$input, I64Attr:$blocksize);
  let results = (outs AnyTensor:$output);
}

def ONNX_GatherNDOp : ONNX_ShapeOp<"GatherND", 2,
    "gathers slices of data addressed by the last axis of indices (after batch_dims shared axes)",
    "%y = onnx.GatherND(%x, %i) : (tensor<2x2xf32>, tensor<2x2xi64>) -> tensor<2xf32>"> {
  let arguments = (ins AnyTensor:$data, AnyTensor:$indices, DefaultValuedAttr<I64Attr, "0">:$batch_dims);
  let results = (outs AnyTensor:$output);
}

def ONNX_TileOp : ONNX_ShapeOp<"Tile", 2, "repeats the input `repeats[i]` times along each axis",
    "%y = onnx.Tile(%x, %r) : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<4x3xf32>"> {
  let arguments = (ins AnyTensor:$input, AnyTensor:$repeats);
  let results = (outs AnyTensor:$output);
}

def ONNX_ExpandOp : ONNX_ShapeOp<"Expand", 2, "broadcasts to a constant shape",
    "%y = onnx.Expand(%x, %s) : (tensor<3x1xf32>, tensor<2xi64>) -> tensor<3x4xf32>"> {
  let arguments = (ins AnyTensor:$input, AnyTensor:$shape);
  let results = (outs AnyTensor:$output);
}

def ONNX_PadOp : ONNX_ShapeOp<"Pad", 4, "pads with constant pads (opset 18: axes input)",
    "%y = onnx.Pad(%x, %p, %none, %none) {mode = \"constant\"} : (tensor<4xf32>, tensor<2xi64>, none, none) -> tensor<6xf32>"> {
  let arguments = (ins AnyTensor:$data, AnyTensor:$pads, ONNX_OptTensor:$constant_value,
                   ONNX_OptTensor:$axes, DefaultValuedStrAttr<StrAttr, "constant">:$mode);
  let results = (outs AnyTensor:$output);
}

def ONNX_ConstantOfShapeOp : ONNX_ShapeOp<"ConstantOfShape", 1, "a tensor of a constant shape filled with `value`",
    "%y = onnx.ConstantOfShape(%s) : (tensor<2xi64>) -> tensor<2x3xf32>"> {
  let arguments = (ins AnyTensor:$input, OptionalAttr<ElementsAttr>:$value);
  let results = (outs AnyTensor:$output);
  let hasFolder = 1;
}

#endif // ONNXC_ONNX_TENSOR_TD
