// onnx dialect: elementwise math, activations and their attributes (opset 13+ forms).
#ifndef ONNXC_ONNX_ELEMENTWISE_TD
#define ONNXC_ONNX_ELEMENTWISE_TD

include "dialects/onnx/OnnxBase.td"

def ONNX_AddOp : ONNX_BinaryOp<"Add", "addition", [Commutative]>;
def ONNX_SubOp : ONNX_BinaryOp<"Sub", "subtraction">;
def ONNX_MulOp : ONNX_BinaryOp<"Mul", "multiplication", [Commutative]>;
def ONNX_DivOp : ONNX_BinaryOp<"Div", "division (truncating for integers)">;
def ONNX_PowOp : ONNX_BinaryOp<"Pow", "A raised to the power B (result has A's type)">;

def ONNX_SqrtOp : ONNX_UnaryFloatOp<"Sqrt", "the square root">;
def ONNX_ExpOp : ONNX_UnaryFloatOp<"Exp", "e raised to X">;
def ONNX_LogOp : ONNX_UnaryFloatOp<"Log", "the natural logarithm">;
def ONNX_NegOp : ONNX_UnaryFloatOp<"Neg", "the negation", AnyTensor> {
  let hasFolder = 1;
}
def ONNX_AbsOp : ONNX_UnaryFloatOp<"Abs", "the absolute value", AnyTensor>;
def ONNX_ErfOp : ONNX_UnaryFloatOp<"Erf", "the error function">;
def ONNX_ReluOp : ONNX_UnaryFloatOp<"Relu", "max(X, 0)", AnyTensor>;
def ONNX_SigmoidOp : ONNX_UnaryFloatOp<"Sigmoid", "1 / (1 + exp(-X))">;
def ONNX_TanhOp : ONNX_UnaryFloatOp<"Tanh", "the hyperbolic tangent">;
def ONNX_HardSwishOp : ONNX_UnaryFloatOp<"HardSwish", "X * max(0, min(1, X / 6 + 1 / 2))">;
def ONNX_ReciprocalOp : ONNX_UnaryFloatOp<"Reciprocal", "1 / X">;
def ONNX_FloorOp : ONNX_UnaryFloatOp<"Floor", "the floor">;
def ONNX_CeilOp : ONNX_UnaryFloatOp<"Ceil", "the ceiling">;
def ONNX_SoftplusOp : ONNX_UnaryFloatOp<"Softplus", "log(exp(X) + 1)">;
def ONNX_SoftsignOp : ONNX_UnaryFloatOp<"Softsign", "X / (1 + |X|)">;
def ONNX_SinOp : ONNX_UnaryFloatOp<"Sin", "the sine">;
def ONNX_CosOp : ONNX_UnaryFloatOp<"Cos", "the cosine">;
def ONNX_TanOp : ONNX_UnaryFloatOp<"Tan", "the tangent">;
def ONNX_AsinOp : ONNX_UnaryFloatOp<"Asin", "the arcsine">;
def ONNX_AcosOp : ONNX_UnaryFloatOp<"Acos", "the arccosine">;
def ONNX_AtanOp : ONNX_UnaryFloatOp<"Atan", "the arctangent">;
def ONNX_SinhOp : ONNX_UnaryFloatOp<"Sinh", "the hyperbolic sine">;
def ONNX_CoshOp : ONNX_UnaryFloatOp<"Cosh", "the hyperbolic cosine">;
def ONNX_AsinhOp : ONNX_UnaryFloatOp<"Asinh", "the inverse hyperbolic sine">;
def ONNX_AcoshOp : ONNX_UnaryFloatOp<"Acosh", "the inverse hyperbolic cosine">;
def ONNX_AtanhOp : ONNX_UnaryFloatOp<"Atanh", "the inverse hyperbolic tangent">;
def ONNX_SignOp : ONNX_UnaryFloatOp<"Sign", "-1, 0 or 1 by the sign of X", AnyTensor>;
def ONNX_RoundOp : ONNX_UnaryFloatOp<"Round", "X rounded to the nearest integer, halves to even">;
def ONNX_MishOp : ONNX_UnaryFloatOp<"Mish", "X * tanh(softplus(X))">;
def ONNX_NotOp : ONNX_UnaryFloatOp<"Not", "the logical negation of a bool", TensorOf<[I1]>> {
  let hasFolder = 1;
}

// Unary activation with float attributes: Y = f(X; attrs), same type.
// X is a float tensor, as ONNX requires (Shrink, any number, overrides it).
class ONNX_ActivationOp<string mnemonic, string what, dag attrs, Type x = TensorOf<[AnyFloat]>>
    : ONNX_UnaryFloatOp<mnemonic, what> {
  let arguments = !con((ins x:$X), attrs);
}

def ONNX_LeakyReluOp : ONNX_ActivationOp<"LeakyRelu", "X < 0 ? alpha * X : X",
    (ins DefaultValuedAttr<F32Attr, "0.01">:$alpha)>;
def ONNX_HardSigmoidOp : ONNX_ActivationOp<"HardSigmoid",
    "max(0, min(1, alpha * X + beta))",
    (ins DefaultValuedAttr<F32Attr, "0.2">:$alpha,
         DefaultValuedAttr<F32Attr, "0.5">:$beta)>;
def ONNX_EluOp : ONNX_ActivationOp<"Elu", "X < 0 ? alpha * (exp(X) - 1) : X",
    (ins DefaultValuedAttr<F32Attr, "1.0">:$alpha)>;
def ONNX_SeluOp : ONNX_ActivationOp<"Selu",
    "gamma * (X <= 0 ? alpha * (exp(X) - 1) : X)",
    (ins DefaultValuedAttr<F32Attr, "1.67326319217681884765625">:$alpha,
         DefaultValuedAttr<F32Attr, "1.05070102214813232421875">:$gamma)>;

def ONNX_CeluOp : ONNX_ActivationOp<"Celu",
    "max(0, X) + min(0, alpha * (exp(X / alpha) - 1))",
    (ins DefaultValuedAttr<F32Attr, "1.0">:$alpha)>;
def ONNX_ThresholdedReluOp : ONNX_ActivationOp<"ThresholdedRelu", "X > alpha ? X : 0",
    (ins DefaultValuedAttr<F32Attr, "1.0">:$alpha)>;
def ONNX_ShrinkOp : ONNX_ActivationOp<"Shrink",
    "X < -lambd ? X + bias : X > lambd ? X - bias : 0",
    (ins DefaultValuedAttr<F32Attr, "0.0">:$bias, DefaultValuedAttr<F32Attr, "0.5">:$lambd), AnyTensor>;
def ONNX_GeluOp : ONNX_ActivationOp<"Gelu",
    "X * Phi(X) (approximate = \"tanh\": the tanh approximation)",
    (ins DefaultValuedStrAttr<StrAttr, "none">:$approximate)>;

// Unary predicate: a bool tensor of X's shape.
class ONNX_UnaryPredicateOp<string mnemonic, string what, dag attrs = (ins)>
    : ONNX_InferOp<mnemonic, 1> {
  let summary = "elementwise test: " # what;
  let arguments = !con((ins TensorOf<[AnyFloat]>:$X), attrs);
  let results = (outs AnyTensor:$Y);
}
def ONNX_IsNaNOp : ONNX_UnaryPredicateOp<"IsNaN", "X is NaN">;
def ONNX_IsInfOp : ONNX_UnaryPredicateOp<"IsInf", "X is an enabled infinity",
    (ins DefaultValuedAttr<I64Attr, "1">:$detect_negative,
         DefaultValuedAttr<I64Attr, "1">:$detect_positive)>;

// Binary comparison with broadcasting: a bool tensor.
class ONNX_CompareOp<string mnemonic, string what> : ONNX_BinaryOp<mnemonic, what>;
def ONNX_EqualOp : ONNX_CompareOp<"Equal", "A == B">;
def ONNX_LessOp : ONNX_CompareOp<"Less", "A < B">;
def ONNX_LessOrEqualOp : ONNX_CompareOp<"LessOrEqual", "A <= B">;
def ONNX_GreaterOp : ONNX_CompareOp<"Greater", "A > B">;
def ONNX_GreaterOrEqualOp : ONNX_CompareOp<"GreaterOrEqual", "A >= B">;
def ONNX_AndOp : ONNX_BinaryOp<"And", "logical and of bools", [Commutative]> {
  let arguments = (ins TensorOf<[I1]>:$A, TensorOf<[I1]>:$B);
}
def ONNX_OrOp : ONNX_BinaryOp<"Or", "logical or of bools", [Commutative]> {
  let arguments = (ins TensorOf<[I1]>:$A, TensorOf<[I1]>:$B);
}
def ONNX_XorOp : ONNX_BinaryOp<"Xor", "logical exclusive or of bools", [Commutative]> {
  let arguments = (ins TensorOf<[I1]>:$A, TensorOf<[I1]>:$B);
}
// Bitwise ops on integers (opset 18), with broadcasting.
class ONNX_BitwiseOp<string mnemonic, string what> : ONNX_BinaryOp<mnemonic, "bitwise " # what> {
  let arguments = (ins TensorOf<[AnyInteger]>:$A, TensorOf<[AnyInteger]>:$B);
  let hasFolder = 0;
}
def ONNX_BitwiseAndOp : ONNX_BitwiseOp<"BitwiseAnd", "and">;
def ONNX_BitwiseOrOp : ONNX_BitwiseOp<"BitwiseOr", "or">;
def ONNX_BitwiseXorOp : ONNX_BitwiseOp<"BitwiseXor", "exclusive or">;
def ONNX_BitwiseNotOp : ONNX_UnaryFloatOp<"BitwiseNot", "the bitwise complement of an integer",
                                          TensorOf<[AnyInteger]>>;

def ONNX_PReluOp : ONNX_InferOp<"PRelu", 2> {
  let summary = "X < 0 ? slope * X : X, slope broadcast to X";
  let arguments = (ins AnyTensor:$X, AnyTensor:$slope);
  let results = (outs AnyTensor:$Y);
}
def ONNX_ModOp : ONNX_InferOp<"Mod", 2> {
  let summary = "remainder with broadcasting (fmod = 0: the divisor's sign, like Python)";
  let arguments = (ins AnyTensor:$A, AnyTensor:$B, DefaultValuedAttr<I64Attr, "0">:$fmod);
  let results = (outs AnyTensor:$C);
}
def ONNX_BitShiftOp : ONNX_InferOp<"BitShift", 2> {
  let summary = "shifts unsigned integers LEFT or RIGHT by B bits, with broadcasting";
  let arguments = (ins AnyTensor:$X, AnyTensor:$Y, StrAttr:$direction);
  let results = (outs AnyTensor:$Z);
}
def ONNX_WhereOp : ONNX_InferOp<"Where", 3> {
  let summary = "condition ? X : Y with three-way broadcasting";
  let arguments = (ins AnyTensor:$condition, AnyTensor:$X, AnyTensor:$Y);
  let results = (outs AnyTensor:$output);
}

// Variadic elementwise op over broadcast inputs.
class ONNX_VariadicOp<string mnemonic, string what> : ONNX_InferOp<mnemonic, -1> {
  let summary = "elementwise " # what # " of all inputs, with broadcasting";
  let arguments = (ins Variadic<AnyTensor>:$data_0);
  let results = (outs AnyTensor:$result);
}
def ONNX_MaxOp : ONNX_VariadicOp<"Max", "maximum">;
def ONNX_MinOp : ONNX_VariadicOp<"Min", "minimum">;
def ONNX_SumOp : ONNX_VariadicOp<"Sum", "sum">;
def ONNX_MeanOp : ONNX_VariadicOp<"Mean", "mean">;

def ONNX_ClipOp : ONNX_InferOp<"Clip", 3> {
  let summary = "clamps to [min, max] (opset 11+: bounds are optional scalar inputs)";
  let description = [{
    ```mlir
    %y = onnx.Clip(%x, %lo, %none) : (tensor<4xf32>, tensor<f32>, none) -> tensor<4xf32>
    ```
  }];
  let arguments = (ins AnyTensor:$input, ONNX_OptTensor:$min, ONNX_OptTensor:$max);
  let results = (outs AnyTensor:$output);
}

#endif // ONNXC_ONNX_ELEMENTWISE_TD
