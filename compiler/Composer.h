// Composer: builds chains of onnx dialect ops for one ONNX node (decompositions, control flow).
#ifndef ONNXC_COMPILER_COMPOSER_H
#define ONNXC_COMPILER_COMPOSER_H

#include "compiler/GraphImporter.h"
#include "dialects/onnx/OnnxDialect.h"
#include "dialects/onnx/OnnxUtils.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/MathExtras.h"

namespace onnxc {

using mlir::ArrayRef;
using mlir::Attribute;
using mlir::Location;
using mlir::LogicalResult;
using mlir::NamedAttribute;
using mlir::SmallVector;
using mlir::StringRef;
using mlir::Type;
using mlir::Value;

/// Builds a chain of onnx ops for one node; after the first error every
/// further op is skipped and `ok` stays false.
struct Composer {
  GraphImporter &g;
  Location loc;
  bool ok = true;

  /// `values` stacked along a new `axis` (Unsqueeze each, then Concat).
  Value stack(ArrayRef<Value> values, int64_t axis) {
    SmallVector<Value> parts;
    for (Value v : values)
      parts.push_back(op("Unsqueeze", {v, ints({axis})}));
    return parts.size() == 1 ? parts[0] : op("Concat", parts, {attr("axis", axis)});
  }
  /// Every result of a multi-output op (empty after an error).
  SmallVector<Value> ops(StringRef type, ArrayRef<Value> inputs, ArrayRef<NamedAttribute> attrs = {}) {
    if (!ok)
      return {};
    auto built = g.buildOp(type, inputs, attrs, loc);
    if (mlir::failed(built)) {
      ok = false;
      return {};
    }
    return *built;
  }
  /// The first result of an op (null after an error).
  Value op(StringRef type, ArrayRef<Value> inputs, ArrayRef<NamedAttribute> attrs = {}) {
    SmallVector<Value> results = ops(type, inputs, attrs);
    return results.empty() ? Value() : results[0];
  }
  /// Reports `message` at the node and stops the chain.
  Value fail(const llvm::Twine &message) {
    if (ok)
      mlir::emitError(loc) << message;
    ok = false;
    return {};
  }
  NamedAttribute attr(StringRef name, int64_t v) {
    return g.b.getNamedAttr(name, g.b.getI64IntegerAttr(v));
  }
  NamedAttribute attr(StringRef name, ArrayRef<int64_t> v) {
    return g.b.getNamedAttr(name, g.b.getDenseI64ArrayAttr(v));
  }
  NamedAttribute attr(StringRef name, StringRef v) { return g.b.getNamedAttr(name, g.b.getStringAttr(v)); }
  NamedAttribute attrF(StringRef name, double v) { return g.b.getNamedAttr(name, g.b.getF32FloatAttr(v)); }
  /// A 1-D int64 constant.
  Value ints(ArrayRef<int64_t> v) { return g.constI64(v, loc); }
  /// 0, 1, ..., n-1 as int64 of rank `rank`: n values along `axis`, 1
  /// elsewhere (for broadcasting). Up to kConstantCount values it is a
  /// constant; past that a running sum of ones, so that compile time and the
  /// object do not grow with n.
  static constexpr int64_t kConstantCount = 4096;
  Value counting(int64_t n, int64_t axis, int64_t rank) {
    if (!ok || axis < 0 || axis >= rank || n < 0)
      return {};
    SmallVector<int64_t> shape(rank, 1);
    shape[axis] = n;
    Value flat;
    if (n <= kConstantCount) {
      SmallVector<int64_t> values;
      for (int64_t i = 0; i < n; ++i)
        values.push_back(i);
      flat = ints(values);
    } else {
      Type i64 = mlir::IntegerType::get(&g.ctx, 64);
      flat = op("CumSum", {op("Expand", {scalar(i64, 1), ints({n})}), scalar(i64, 0)}, {attr("exclusive", 1)});
    }
    return rank == 1 ? flat : op("Reshape", {flat, ints(shape)});
  }
  /// A rank-0 constant of element type `elem`.
  Value scalar(Type elem, double v) {
    if (!ok || !elem)
      return {};
    auto type = mlir::RankedTensorType::get({}, elem);
    Attribute a = mlir::isa<mlir::FloatType>(elem) ? (mlir::Attribute)mlir::FloatAttr::get(elem, v)
                                       : (mlir::Attribute)mlir::IntegerAttr::get(elem, (int64_t)v);
    return onnx::ConstantOp::create(g.b, loc, mlir::DenseElementsAttr::get(type, a));
  }
  Value castTo(Value v, Type to) {
    if (!ok || elem(v) == to)
      return v;
    return op("Cast", {v}, {attr("to", onnx::onnxCodeFromElementType(to))});
  }
  /// A 1-D per-channel tensor reshaped to broadcast along `axis` of a rank-`rank`
  /// tensor; scalars and 1-element tensors pass unchanged.
  Value alongAxis(Value v, int64_t axis, int64_t rank) {
    if (!ok)
      return v;
    auto t = mlir::cast<mlir::RankedTensorType>(v.getType());
    if (t.getRank() == 0 || t.getNumElements() == 1 || axis == rank - 1)
      return v;
    if (t.getRank() != 1 || axis < 0 || axis >= rank) {
      mlir::emitError(loc) << "a per-channel zero point or scale must be 1-D along an axis of the "
                     << rank << "-D input (got a " << t.getRank() << "-D one along axis " << axis << ")";
      ok = false;
      return {};
    }
    SmallVector<int64_t> shape{t.getDimSize(0)};
    shape.append(rank - axis - 1, 1);
    return op("Reshape", {v, g.constI64(shape, loc)});
  }
  // Type queries; a null value (an op skipped after an error) is a rank-0
  // tensor of no element type, so code between two `ok` checks cannot crash.
  static Type elem(Value v) { return v ? mlir::cast<mlir::ShapedType>(v.getType()).getElementType() : Type(); }
  static ArrayRef<int64_t> shape(Value v) {
    return v ? mlir::cast<mlir::ShapedType>(v.getType()).getShape() : ArrayRef<int64_t>();
  }
  static int64_t rank(Value v) { return v ? mlir::cast<mlir::ShapedType>(v.getType()).getRank() : 0; }
  /// Marks dim `dim` of `v` as known only at run time, holding `size` (a
  /// rank-0 i64 value); `v` keeps its bound as its static shape.
  void runtimeDim(Value v, int64_t dim, Value size) {
    if (!ok)
      return;
    SmallVector<Value> dims(rank(v));
    dims[dim] = size;
    g.runtimeDims[v] = dims;
  }
  LogicalResult done(NodeState &n, SmallVector<Value> results) {
    if (!ok)
      return mlir::failure();
    n.results = std::move(results);
    return mlir::success();
  }
};

inline Value input(const NodeState &n, unsigned i) { return i < n.inputs.size() ? n.inputs[i] : Value(); }

inline int64_t intAttr(const NodeState &n, StringRef name, int64_t dflt) {
  auto a = mlir::dyn_cast_or_null<mlir::IntegerAttr>(n.attrs.get(name));
  return a ? a.getInt() : dflt;
}

inline double floatAttr(const NodeState &n, StringRef name, double dflt) {
  auto a = mlir::dyn_cast_or_null<mlir::FloatAttr>(n.attrs.get(name));
  return a ? a.getValueAsDouble() : dflt;
}

inline SmallVector<int64_t> intsOr(const NodeState &n, StringRef name, SmallVector<int64_t> dflt) {
  if (auto a = mlir::dyn_cast_or_null<mlir::DenseI64ArrayAttr>(n.attrs.get(name)))
    return SmallVector<int64_t>(a.asArrayRef());
  return dflt;
}

/// The product of `v`, saturating at INT64_MAX (attribute and constant values
/// come from the model; an op built with the result then reports the size).
inline int64_t product(ArrayRef<int64_t> v) {
  int64_t p = 1;
  for (int64_t x : v)
    if (llvm::MulOverflow(p, x, p))
      return INT64_MAX;
  return p;
}

/// A constant of `shape` and float type `elem` holding `values`.
inline Value constant(Composer &c, Type elem, ArrayRef<int64_t> shape, ArrayRef<double> values) {
  if (!c.ok || !elem)
    return {};
  SmallVector<Attribute> attrs;
  for (double v : values)
    attrs.push_back(mlir::isa<mlir::FloatType>(elem) ? (Attribute)mlir::FloatAttr::get(elem, v)
                                         : (Attribute)mlir::IntegerAttr::get(elem, (int64_t)v));
  return onnx::ConstantOp::create(c.g.b, c.loc, mlir::DenseElementsAttr::get(mlir::RankedTensorType::get(shape, elem), attrs));
}

/// Builds one node's results from other onnx ops (sets node.results).
using DecompositionFn = LogicalResult (*)(Composer &, NodeState &);
using DecompositionTable = llvm::StringMap<DecompositionFn>;
/// Each family registers its ops (TransformerOps.cpp, ClassicOps.cpp, PoolingOps.cpp, SignalOps.cpp, DataDependentOps.cpp).
void addTransformerDecompositions(DecompositionTable &table);
void addClassicDecompositions(DecompositionTable &table);
void addPoolingDecompositions(DecompositionTable &table);
void addSignalDecompositions(DecompositionTable &table);
void addDataDependentDecompositions(DecompositionTable &table);
/// FlexAttention (ai.onnx.preview): its score_mod and prob_mod graphs are
/// imported inline with the scope they see (TransformerOps.cpp).
LogicalResult flexAttention(Composer &c, NodeState &n, const Scope &scope);

} // namespace onnxc

#endif // ONNXC_COMPILER_COMPOSER_H
