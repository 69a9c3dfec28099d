// The importer's per-graph state: ONNX value names, op building, opset upgrades.
#ifndef ONNXC_COMPILER_GRAPHIMPORTER_H
#define ONNXC_COMPILER_GRAPHIMPORTER_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/OperationSupport.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"

namespace onnx {
class GraphProto;
class NodeProto;
} // namespace onnx

namespace onnxc {

struct ImportOptions;

/// The values one graph sees: its own, then those of the graphs around it.
struct Scope {
  const Scope *parent = nullptr;
  llvm::StringMap<mlir::Value> values;
  /// Names with no value, and why (an output onnxc does not compute).
  llvm::StringMap<std::string> missing;
  /// Sequence values, known element by element at compile time, and the
  /// node that made each.
  llvm::StringMap<llvm::SmallVector<mlir::Value>> sequences;
  llvm::StringMap<mlir::LocationAttr> sequenceMakers;

  mlir::Value lookup(llvm::StringRef name) const {
    for (const Scope *s = this; s; s = s->parent)
      if (mlir::Value v = s->values.lookup(name))
        return v;
    return {};
  }
  bool defines(llvm::StringRef name) const {
    for (const Scope *s = this; s; s = s->parent)
      if (s->values.count(name) || s->missing.count(name) || s->sequences.count(name))
        return true;
    return false;
  }
  const llvm::SmallVector<mlir::Value> *sequence(llvm::StringRef name) const {
    for (const Scope *s = this; s; s = s->parent)
      if (auto it = s->sequences.find(name); it != s->sequences.end())
        return &it->second;
    return nullptr;
  }
  mlir::LocationAttr sequenceMaker(llvm::StringRef name) const {
    for (const Scope *s = this; s; s = s->parent)
      if (auto it = s->sequenceMakers.find(name); it != s->sequenceMakers.end())
        return it->second;
    return {};
  }
  const std::string *whyMissing(llvm::StringRef name) const {
    for (const Scope *s = this; s; s = s->parent)
      if (auto it = s->missing.find(name); it != s->missing.end())
        return &it->second;
    return nullptr;
  }
};

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
  /// Graph-valued attributes (If's branches, Loop's and Scan's body).
  llvm::SmallVector<std::pair<std::string, const ::onnx::GraphProto *>> graphs;

  const ::onnx::GraphProto *graph(llvm::StringRef name) const {
    for (auto &[n, g] : graphs)
      if (n == name)
        return g;
    return nullptr;
  }
};

/// The location of every op built for a node: its name (or OP_INDEX), with the op type nested.
mlir::Location nodeLoc(mlir::MLIRContext &ctx, const ::onnx::NodeProto &node, size_t index);
/// The location of a graph input, initializer or output named `name`.
mlir::Location valueLoc(mlir::MLIRContext &ctx, llvm::StringRef name, llvm::StringRef kind);

class GraphImporter {
public:
  GraphImporter(mlir::MLIRContext &ctx, mlir::OpBuilder &builder, const ImportOptions &options,
                int64_t opset);

  /// Imports `graph`'s initializers into `scope` (NodeImport.cpp).
  mlir::LogicalResult importInitializers(const ::onnx::GraphProto &graph, Scope &scope);
  /// Imports `graph`'s nodes in dependency order into `scope`.
  mlir::LogicalResult importNodes(const ::onnx::GraphProto &graph, Scope &scope);
  /// Imports a subgraph inline: its inputs bound to `inputs`, the values of
  /// `outer` visible; returns its outputs. Every call counts against --max-nodes.
  mlir::FailureOr<llvm::SmallVector<mlir::Value>> importBody(const ::onnx::GraphProto &body,
                                                             llvm::ArrayRef<mlir::Value> inputs,
                                                             const Scope &outer, mlir::Location loc);
  /// If, Loop and Scan, inlined: a constant condition picks a branch, a run-time
  /// one selects between both; loops are unrolled (ControlFlow.cpp).
  mlir::LogicalResult importControlFlow(NodeState &node, const Scope &scope);
  /// Sequence ops, on sequences whose length and positions are constants:
  /// each element stays a tensor value (Sequences.cpp). Returns false when
  /// `node` is not a sequence op.
  mlir::FailureOr<bool> importSequenceOp(const ::onnx::NodeProto &node, Scope &scope, mlir::Location loc);

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
  const ImportOptions &options;
  int64_t maxTensorBytes; // largest result an op may have (ImportOptions::maxTensorBytes)
  int64_t opset;          // of the default domain
  int64_t nodesImported = 0;   // bounded by ImportOptions::maxNodes
  int64_t opsBuilt = 0;        // counted for ImportOptions::failOpBuildAt
  /// Values whose size is known only at run time (NonZero, Compress, Unique):
  /// their static type is the bound, and each dim has a rank-0 i64 value with
  /// its actual size (null where static). Such values may only be graph outputs.
  llvm::DenseMap<mlir::Value, llvm::SmallVector<mlir::Value>> runtimeDims;
  int64_t constantBytes = 0;   // bounded by ImportOptions::maxConstantBytes

  /// An error when `v` has a run-time size (it may only be a graph output).
  mlir::LogicalResult checkStaticSize(mlir::Value v, llvm::StringRef name, mlir::Location loc);

private:
  mlir::LogicalResult importNode(const ::onnx::NodeProto &node, int index, Scope &scope);
};

} // namespace onnxc

#endif // ONNXC_COMPILER_GRAPHIMPORTER_H
