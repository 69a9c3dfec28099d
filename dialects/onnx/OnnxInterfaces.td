// The OnnxOp interface: static facts the importer needs about every onnx op.
#ifndef ONNXC_ONNX_INTERFACES_TD
#define ONNXC_ONNX_INTERFACES_TD

include "mlir/IR/OpBase.td"

def ONNX_OpInterface : OpInterface<"OnnxOp"> {
  let cppNamespace = "::onnxc::onnx";
  let description = "Facts the importer needs about every onnx op.";
  let methods = [
    StaticInterfaceMethod<"Number of ONNX inputs, -1 when variadic.",
      "int", "getOnnxNumInputs", (ins)>,
    StaticInterfaceMethod<"Number of ONNX outputs onnxc models.",
      "int", "getOnnxNumOutputs", (ins)>,
  ];
}

#endif // ONNXC_ONNX_INTERFACES_TD
