// Declarations of the onnx dialect's graph passes.
#ifndef ONNXC_DIALECTS_ONNX_PASSES_H
#define ONNXC_DIALECTS_ONNX_PASSES_H

#include "dialects/onnx/OnnxDialect.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/Pass.h"

namespace onnxc::onnx {
#define GEN_PASS_DECL
#include "dialects/onnx/Passes.h.inc"
#define GEN_PASS_REGISTRATION
#include "dialects/onnx/Passes.h.inc"
} // namespace onnxc::onnx

#endif // ONNXC_DIALECTS_ONNX_PASSES_H
