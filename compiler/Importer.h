// Imports an ONNX ModelProto into a module holding one func.func of onnx dialect ops.
#ifndef ONNXC_COMPILER_IMPORTER_H
#define ONNXC_COMPILER_IMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <map>
#include <string>
#include <vector>

namespace onnx {
class ModelProto;
class TensorProto;
} // namespace onnx

namespace onnxc {

/// What the importer accepts; every limit is an error, never a crash.
struct ImportOptions {
  /// Shapes that replace an input's declared (possibly dynamic) shape.
  std::map<std::string, std::vector<int64_t>> inputShapes;
  /// Inputs fixed to a value at compile time (--bind-input): they become
  /// constants and leave the C signature. The protos must outlive the module.
  std::map<std::string, const ::onnx::TensorProto *> boundInputs;
  /// The name of the generated function (the C symbol prefix).
  std::string funcName = "model";
  /// Where external data is read from (null: external data is an error).
  struct ExternalDataStore *externalData = nullptr;
  int64_t maxNodes = 1 << 20;
  int64_t maxConstantBytes = int64_t(2) << 30;
  /// Largest tensor an op may produce (bytes): bounds workspaces and tables.
  int64_t maxTensorBytes = int64_t(64) << 30;
  /// The target cannot return outputs sized at run time (CUDA, for now).
  bool noRuntimeDims = false;
  /// The most steps a Loop whose trip count is known only at run time may
  /// take (--max-trip-count); 0: such loops are refused.
  int64_t maxTripCount = 0;
  /// Testing only (--inject-op-failure): the Nth op the importer builds fails
  /// as a rejected op would, so every error path can be walked (0: never;
  /// -1: none fails, and a successful import ends with a note of the count).
  int64_t failOpBuildAt = 0;
};

/// Highest opset of the default domain onnxc knows.
constexpr int64_t kMaxOpset = 28;
/// Highest ONNX IR version onnxc knows.
constexpr int64_t kMaxIrVersion = 13;

/// Builds the module. Diagnostics (with node-name locations) go to the
/// context's handler; returns null on error. Weight bytes are referenced, not
/// copied: `model` must outlive the module.
mlir::OwningOpRef<mlir::ModuleOp> importModel(mlir::MLIRContext &ctx,
                                              const ::onnx::ModelProto &model,
                                              const ImportOptions &options);

} // namespace onnxc

#endif // ONNXC_COMPILER_IMPORTER_H
