// The importer's per-graph state: ONNX value names, op building, opset upgrades.
#ifndef ONNXC_COMPILER_GRAPHIMPORTER_H
#define ONNXC_COMPILER_GRAPHIMPORTER_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/OperationSupport.h"
#include "llvm/ADT/StringMap.h"

namespace onnxc {

/// One ONNX node on its way to becoming onnx dialect ops.
struct NodeState {
  std::string opType;
  llvm::SmallVector<mlir::Value> inputs; // null = omitted optional input
  mlir::NamedAttrList attrs;
  mlir::Location loc;
  int64_t opset;
  /// Set by an upgrade that built the node's results itself.
  std::optional<llvm::SmallVector<mlir::Value>> results;
  int numOutputs = 1; // outputs the node lists
};

class GraphImporter {
public:
  GraphImporter(mlir::MLIRContext &ctx, mlir::OpBuilder &builder, int64_t maxTensorBytes)
      : ctx(ctx), b(builder), maxTensorBytes(maxTensorBytes) {}

  /// Builds `onnx.<opType>` generically: pads omitted inputs with none,
  /// drops attributes the op does not model, infers result types, verifies
  /// and folds. Errors are reported at `loc`.
  mlir::FailureOr<llvm::SmallVector<mlir::Value>>
  buildOp(llvm::StringRef opType, llvm::ArrayRef<mlir::Value> inputs,
          llvm::ArrayRef<mlir::NamedAttribute> attrs, mlir::Location loc);

  /// Rewrites an older opset's form into the newest one (attributes that
  /// became inputs, changed semantics). Defined in OpsetUpgrade.cpp.
  mlir::LogicalResult upgrade(NodeState &node);

  /// Builds ops that onnxc composes from other onnx ops (quantization, LRN,
  /// windows, ...) and sets node.results; leaves other nodes alone. Defined
  /// in Decompositions.cpp.
  mlir::LogicalResult decompose(NodeState &node);

  mlir::LogicalResult checkAttributesAndOperands(mlir::RegisteredOperationName opName,
                                                 llvm::ArrayRef<mlir::Value> operands,
                                                 const mlir::NamedAttrList &attrs,
                                                 int numResults, mlir::Location loc);

  mlir::Value constI64(llvm::ArrayRef<int64_t> values, mlir::Location loc);
  mlir::Value constF32Scalar(float value, mlir::Location loc);
  mlir::Value none(mlir::Location loc);

  mlir::MLIRContext &ctx;
  mlir::OpBuilder &b;
  int64_t maxTensorBytes; // largest result an op may have (ImportOptions::maxTensorBytes)
};

} // namespace onnxc

#endif // ONNXC_COMPILER_GRAPHIMPORTER_H
