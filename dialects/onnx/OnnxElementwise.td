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
def ONNX_NegOp : ONNX_UnaryFloatOp<"Neg", "the negation">;
def ONNX_AbsOp : ONNX_UnaryFloatOp<"Abs", "the absolute value">;
def ONNX_ErfOp : ONNX_UnaryFloatOp<"Erf", "the error function">;
def ONNX_ReluOp : ONNX_UnaryFloatOp<"Relu", "max(X, 0)">;
def ONNX_SigmoidOp : ONNX_UnaryFloatOp<"Sigmoid", "1 / (1 + exp(-X))">;
def ONNX_TanhOp : ONNX_UnaryFloatOp<"Tanh", "the hyperbolic tangent">;
def ONNX_HardSwishOp : ONNX_UnaryFloatOp<"HardSwish", "X * max(0, min(1, X / 6 + 1 / 2))">;
def ONNX_ReciprocalOp : ONNX_UnaryFloatOp<"Reciprocal", "1 / X">;
def ONNX_FloorOp : ONNX_UnaryFloatOp<"Floor", "the floor">;
def ONNX_CeilOp : ONNX_UnaryFloatOp<"Ceil", "the ceiling">;
def ONNX_SoftplusOp : ONNX_UnaryFloatOp<"Softplus", "log(exp(X) + 1)">;
def ONNX_SoftsignOp : ONNX_UnaryFloatOp<"Softsign", "X / (1 + |X|)">;

// Unary activation with float attributes: Y = f(X; attrs), same type.
class ONNX_ActivationOp<string mnemonic, string what, dag attrs>
    : ONNX_UnaryFloatOp<mnemonic, what> {
  let arguments = !con((ins AnyTensor:$X), attrs);
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
