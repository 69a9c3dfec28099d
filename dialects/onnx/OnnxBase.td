// The onnx dialect: dialect definition, the OnnxOp interface and base op classes.
#ifndef ONNXC_ONNX_BASE_TD
#define ONNXC_ONNX_BASE_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "dialects/onnx/OnnxInterfaces.td"

def Onnx_Dialect : Dialect {
  let name = "onnx";
  let cppNamespace = "::onnxc::onnx";
  let summary = "ONNX operators with the newest opset's semantics and static shapes";
  let description = [{
    One op per ONNX operator, named like the operator (`onnx.Conv`). Attributes
    keep their ONNX names. Missing optional inputs are the `none` value of
    `onnx.NoValue`. Every op infers its result type, so a verified module has
    static shapes everywhere.
  }];
  let hasConstantMaterializer = 1;
  // Inherent attributes live in the attribute dictionary so the importer can
  // build every op generically from ONNX attribute names.
  let usePropertiesForAttributes = 0;
}

// Tensor of any element type or the `none` of a missing optional input.
def ONNX_OptTensor : AnyTypeOf<[AnyTensor, NoneType], "tensor or none">;

// Base of every op: `numInputs` ONNX inputs (-1 variadic), `numOutputs` results.
class ONNX_Op<string mnemonic, int numInputs, int numOutputs = 1,
              list<Trait> traits = []>
    : Op<Onnx_Dialect, mnemonic, !listconcat([Pure, ONNX_OpInterface], traits)> {
  code onnxDecls = "static int getOnnxNumInputs() { return " # numInputs #
                   "; }\n static int getOnnxNumOutputs() { return " # numOutputs # "; }";
  let extraClassDeclaration = onnxDecls;
  let assemblyFormat = "`(` operands `)` attr-dict `:` functional-type(operands, results)";
}

// An op whose result types come from a hand-written inferReturnTypes.
class ONNX_InferOp<string mnemonic, int numInputs, int numOutputs = 1,
                   list<Trait> traits = []>
    : ONNX_Op<mnemonic, numInputs, numOutputs, !listconcat([InferTypeOpAdaptor], traits)>;

// Unary elementwise op on floats: Y = f(X), same type (ops defined on more
// types than floats pass their own `x`).
class ONNX_UnaryFloatOp<string mnemonic, string what, Type x = TensorOf<[AnyFloat]>>
    : ONNX_Op<mnemonic, 1, 1, [SameOperandsAndResultType, InferTypeOpInterface]> {
  let summary = "elementwise " # what;
  let description = "Computes " # what # [{ elementwise.

    ```mlir
    %y = onnx.}] # mnemonic # [{(%x) : (tensor<2x3xf32>) -> tensor<2x3xf32>
    ```
  }];
  let arguments = (ins x:$X);
  let results = (outs AnyTensor:$Y);
}

// Binary elementwise op with numpy broadcasting: C = f(A, B).
class ONNX_BinaryOp<string mnemonic, string what, list<Trait> traits = []>
    : ONNX_InferOp<mnemonic, 2, 1, traits> {
  let summary = "elementwise " # what # " with broadcasting";
  let description = "Computes " # what # [{ elementwise; shapes broadcast
    like numpy.

    ```mlir
    %c = onnx.}] # mnemonic # [{(%a, %b) : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
    ```
  }];
  let arguments = (ins AnyTensor:$A, AnyTensor:$B);
  let results = (outs AnyTensor:$C);
  let hasFolder = 1;
}

#endif // ONNXC_ONNX_BASE_TD
