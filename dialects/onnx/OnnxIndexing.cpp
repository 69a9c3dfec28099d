// Type inference for CumSum, CumProd, ScatterElements, ScatterND, TopK, GridSample and Einsum, and the Einsum equation parser.
#include "dialects/onnx/Einsum.h"
#include "dialects/onnx/OnnxDialect.h"
#include "dialects/onnx/OnnxUtils.h"

#include "mlir/IR/Diagnostics.h"

using namespace mlir;

namespace onnxc::onnx {

using Types = SmallVectorImpl<Type>;
using Loc = std::optional<Location>;

/// CumSum and CumProd: x's type, with one constant axis.
template <typename Adaptor>
static LogicalResult inferCumulative(Loc loc, Adaptor a, Types &types) {
  RankedTensorType t;
  SmallVector<int64_t> axis;
  if (failed(requireStaticType(loc, a.getX(), "x", t)) ||
      failed(requireConstantInts(loc, a.getAxis(), "axis", axis)))
    return failure();
  if (axis.size() != 1 || !normalizeAxis(axis[0], t.getRank()))
    return emitOptionalError(loc, "axis must be one integer in [-rank, rank)");
  types.push_back(t);
  return success();
}
LogicalResult CumSumOp::inferReturnTypes(MLIRContext *, Loc loc, Adaptor a, Types &types) {
  return inferCumulative(loc, a, types);
}
LogicalResult CumProdOp::inferReturnTypes(MLIRContext *, Loc loc, Adaptor a, Types &types) {
  return inferCumulative(loc, a, types);
}

/// Common checks of the scatter ops: static integer indices, updates of the data's type.
static LogicalResult scatterOperands(Loc loc, Value data, Value indices, Value updates,
                                     StringRef reduction, RankedTensorType &td, RankedTensorType &ti,
                                     RankedTensorType &tu) {
  if (failed(requireStaticType(loc, data, "data", td)) ||
      failed(requireStaticType(loc, indices, "indices", ti)) ||
      failed(requireStaticType(loc, updates, "updates", tu)))
    return failure();
  if (!isa<IntegerType>(ti.getElementType()))
    return emitOptionalError(loc, "indices must be integers");
  if (tu.getElementType() != td.getElementType())
    return emitOptionalError(loc, "updates must have the data's element type");
  if (!llvm::is_contained({"none", "add", "mul", "max", "min"}, reduction))
    return emitOptionalError(loc, "unknown reduction '", reduction, "'");
  return success();
}

LogicalResult ScatterElementsOp::inferReturnTypes(MLIRContext *, Loc loc, Adaptor a, Types &types) {
  RankedTensorType td, ti, tu;
  if (failed(scatterOperands(loc, a.getData(), a.getIndices(), a.getUpdates(), a.getReduction(), td, ti,
                             tu)))
    return failure();
  if (ti.getShape() != tu.getShape() || ti.getRank() != td.getRank())
    return emitOptionalError(loc, "indices and updates must have one shape, of the data's rank");
  auto axis = normalizeAxis(a.getAxis(), td.getRank());
  if (!axis)
    return emitOptionalError(loc, "axis is out of range");
  for (int64_t i = 0; i < td.getRank(); ++i)
    if (i != *axis && ti.getDimSize(i) > td.getDimSize(i))
      return emitOptionalError(loc, "indices are larger than the data on axis ", i);
  types.push_back(td);
  return success();
}

LogicalResult ScatterNDOp::inferReturnTypes(MLIRContext *, Loc loc, Adaptor a, Types &types) {
  RankedTensorType td, ti, tu;
  if (failed(scatterOperands(loc, a.getData(), a.getIndices(), a.getUpdates(), a.getReduction(), td, ti,
                             tu)))
    return failure();
  if (ti.getRank() < 1)
    return emitOptionalError(loc, "indices must have rank >= 1");
  int64_t k = ti.getShape().back();
  if (k < 1 || k > td.getRank())
    return emitOptionalError(loc, "the last axis of indices must be between 1 and the data's rank");
  SmallVector<int64_t> want(ti.getShape().drop_back());
  want.append(td.getShape().begin() + k, td.getShape().end());
  if (tu.getShape() != ArrayRef<int64_t>(want))
    return emitOptionalError(loc, "updates must have shape indices.shape[:-1] + data.shape[k:]");
  types.push_back(td);
  return success();
}

LogicalResult TopKOp::inferReturnTypes(MLIRContext *ctx, Loc loc, Adaptor a, Types &types) {
  RankedTensorType t;
  SmallVector<int64_t> k;
  if (failed(requireStaticType(loc, a.getX(), "X", t)) || failed(requireConstantInts(loc, a.getK(), "K", k)))
    return failure();
  auto axis = normalizeAxis(a.getAxis(), t.getRank());
  if (!axis)
    return emitOptionalError(loc, "axis is out of range");
  if (k.size() != 1 || k[0] < 0 || k[0] > t.getDimSize(*axis))
    return emitOptionalError(loc, "K must be one value between 0 and the axis size");
  SmallVector<int64_t> shape(t.getShape());
  shape[*axis] = k[0];
  types.push_back(RankedTensorType::get(shape, t.getElementType()));
  types.push_back(RankedTensorType::get(shape, IntegerType::get(ctx, 64)));
  return success();
}

LogicalResult GridSampleOp::inferReturnTypes(MLIRContext *, Loc loc, Adaptor a, Types &types) {
  RankedTensorType tx, tg;
  if (failed(requireStaticType(loc, a.getX(), "X", tx)) || failed(requireStaticType(loc, a.getGrid(), "grid", tg)))
    return failure();
  int64_t r = tx.getRank() - 2;
  if (r < 1 || tg.getRank() != r + 2 || tg.getDimSize(0) != tx.getDimSize(0) || tg.getShape().back() != r)
    return emitOptionalError(loc, "grid must have shape [N, out spatial..., ", r, "] for X of rank ", tx.getRank());
  if (!isa<FloatType>(tx.getElementType()) || tg.getElementType() != tx.getElementType())
    return emitOptionalError(loc, "X and grid must have one float type");
  if (!llvm::is_contained({"linear", "nearest", "cubic"}, a.getMode()))
    return emitOptionalError(loc, "unknown mode '", a.getMode(), "'");
  if (!llvm::is_contained({"zeros", "border", "reflection"}, a.getPaddingMode()))
    return emitOptionalError(loc, "unknown padding_mode '", a.getPaddingMode(), "'");
  SmallVector<int64_t> shape{tx.getDimSize(0), tx.getDimSize(1)};
  shape.append(tg.getShape().begin() + 1, tg.getShape().end() - 1);
  types.push_back(RankedTensorType::get(shape, tx.getElementType()));
  return success();
}

LogicalResult EinsumOp::inferReturnTypes(MLIRContext *, Loc loc, Adaptor a, Types &types) {
  SmallVector<ArrayRef<int64_t>> shapes;
  Type elem;
  for (Value v : a.getInputs()) {
    RankedTensorType t;
    if (failed(requireStaticType(loc, v, "Inputs", t)))
      return failure();
    if (elem && t.getElementType() != elem)
      return emitOptionalError(loc, "all inputs must have one element type");
    elem = t.getElementType();
    shapes.push_back(t.getShape());
  }
  if (shapes.empty())
    return emitOptionalError(loc, "Einsum needs at least one input");
  EinsumSpec spec;
  if (auto err = parseEinsum(a.getEquation(), shapes, spec))
    return emitOptionalError(loc, "equation '", a.getEquation(), "': ", *err);
  SmallVector<int64_t> shape;
  for (int64_t d : spec.output)
    shape.push_back(spec.sizes[d]);
  types.push_back(RankedTensorType::get(shape, elem));
  return success();
}

std::optional<std::string> parseEinsum(StringRef equation, ArrayRef<ArrayRef<int64_t>> shapes,
                                       EinsumSpec &spec) {
  std::string eq;
  for (char c : equation)
    if (c != ' ')
      eq += c;
  StringRef lhs = eq, rhs;
  bool isExplicit = StringRef(eq).contains("->");
  if (isExplicit)
    std::tie(lhs, rhs) = StringRef(eq).split("->");
  SmallVector<StringRef> terms;
  lhs.split(terms, ',');
  if (terms.size() != shapes.size())
    return "it has " + std::to_string(terms.size()) + " operand terms for " +
           std::to_string(shapes.size()) + " inputs";

  // Letters first get ids 0..51; `...` dimensions come after.
  auto letterId = [](char c) -> int64_t {
    if (c >= 'a' && c <= 'z')
      return c - 'a';
    if (c >= 'A' && c <= 'Z')
      return 26 + c - 'A';
    return -1;
  };
  // Count `...` dimensions: the largest rank any operand leaves to it.
  int64_t ellipsisRank = 0;
  SmallVector<int64_t> letterCount(52, 0);
  for (auto [term, shape] : llvm::zip(terms, shapes)) {
    size_t dots = term.find("...");
    int64_t letters = 0;
    for (char c : term)
      if (c != '.') {
        if (letterId(c) < 0)
          return std::string("'") + c + "' is not a subscript letter";
        ++letters;
        ++letterCount[letterId(c)];
      }
    if (dots == StringRef::npos) {
      if (letters != (int64_t)shape.size())
        return "term '" + term.str() + "' has " + std::to_string(letters) + " subscripts for rank " +
               std::to_string(shape.size());
    } else {
      if (term.count("...") != 1 || term.count('.') != 3 || letters > (int64_t)shape.size())
        return "term '" + term.str() + "' has a bad ellipsis";
      ellipsisRank = std::max(ellipsisRank, (int64_t)shape.size() - letters);
    }
  }
  // Map letter ids and ellipsis dims to dense loop dimensions.
  SmallVector<int64_t> dimOf(52 + ellipsisRank, -1);
  auto dim = [&](int64_t key, int64_t size) -> std::optional<std::string> {
    if (dimOf[key] < 0) {
      dimOf[key] = spec.sizes.size();
      spec.sizes.push_back(size);
    } else if (spec.sizes[dimOf[key]] != size) {
      if (spec.sizes[dimOf[key]] == 1)
        spec.sizes[dimOf[key]] = size;
      else if (size != 1)
        return std::string("a subscript has sizes ") + std::to_string(spec.sizes[dimOf[key]]) +
               " and " + std::to_string(size);
    }
    return std::nullopt;
  };
  for (auto [term, shape] : llvm::zip(terms, shapes)) {
    auto &axes = spec.operands.emplace_back();
    int64_t axis = 0, letters = 0;
    for (char c : term)
      letters += c != '.';
    for (size_t i = 0; i < term.size(); ++i) {
      if (term[i] == '.') {
        int64_t mine = shape.size() - letters;
        for (int64_t e = 0; e < mine; ++e) {
          int64_t key = 52 + ellipsisRank - mine + e;
          if (auto err = dim(key, shape[axis]))
            return err;
          axes.push_back(key);
          ++axis;
        }
        i += 2;
        continue;
      }
      if (auto err = dim(letterId(term[i]), shape[axis]))
        return err;
      axes.push_back(letterId(term[i]));
      ++axis;
    }
  }
  // Output: explicit, or `...` then the letters used once, alphabetically.
  SmallVector<int64_t> outKeys;
  if (isExplicit) {
    for (size_t i = 0; i < rhs.size(); ++i) {
      if (rhs.substr(i).starts_with("...")) {
        for (int64_t e = 0; e < ellipsisRank; ++e)
          outKeys.push_back(52 + e);
        i += 2;
        continue;
      }
      int64_t id = letterId(rhs[i]);
      if (id < 0 || dimOf[id] < 0)
        return std::string("output subscript '") + rhs[i] + "' is not an input subscript";
      if (llvm::is_contained(outKeys, id))
        return std::string("output subscript '") + rhs[i] + "' repeats";
      outKeys.push_back(id);
    }
  } else {
    for (int64_t e = 0; e < ellipsisRank; ++e)
      outKeys.push_back(52 + e);
    for (int64_t id = 0; id < 52; ++id)
      if (letterCount[id] == 1)
        outKeys.push_back(id);
  }
  for (auto &axes : spec.operands)
    for (int64_t &k : axes)
      k = dimOf[k];
  for (int64_t k : outKeys)
    spec.output.push_back(dimOf[k]);
  return std::nullopt;
}

} // namespace onnxc::onnx
