// onnx dialect: every op, one include per family.
#ifndef ONNXC_ONNX_OPS_TD
#define ONNXC_ONNX_OPS_TD

include "dialects/onnx/OnnxElementwise.td"
include "dialects/onnx/OnnxNN.td"
include "dialects/onnx/OnnxTensor.td"
include "dialects/onnx/OnnxIndexing.td"
include "dialects/onnx/OnnxResize.td"

#endif // ONNXC_ONNX_OPS_TD
