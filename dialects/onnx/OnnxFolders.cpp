// Folders for onnx ops: constants, shape arithmetic and no-op data movement.
#include "dialects/onnx/OnnxDialect.h"
#include "dialects/onnx/OnnxUtils.h"
#include "dialects/onnx/NarrowTypes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace onnxc::onnx;

/// Constants up to this many elements are computed at compile time.
static constexpr int64_t kFoldLimit = 1 << 16;

/// Element values of a small dense constant operand, or empty.
static SmallVector<Attribute> smallValues(Attribute a) {
  auto dense = dyn_cast_or_null<DenseElementsAttr>(a);
  if (!dense || dense.getNumElements() > kFoldLimit)
    return {};
  return SmallVector<Attribute>(dense.getValues<Attribute>());
}

static Attribute makeDense(Type t, ArrayRef<Attribute> values) {
  return DenseElementsAttr::get(cast<ShapedType>(t), values);
}

/// Row-major strides of `shape`.
static SmallVector<int64_t> stridesOf(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> s(shape.size(), 1);
  for (int64_t i = (int64_t)shape.size() - 2; i >= 0; --i)
    s[i] = s[i + 1] * shape[i + 1];
  return s;
}

/// Folds a binary op on constants with broadcasting through `fn` on APInt/APFloat.
static Attribute floatResult(Type t, const APFloat &v) { return FloatAttr::get(t, v); }
static Attribute floatResult(Type t, bool v) { return IntegerAttr::get(t, APInt(1, v)); }

template <typename IntFn, typename FloatFn>
static Attribute foldBinary(Operation *op, ArrayRef<Attribute> operands,
                            IntFn intFn, FloatFn floatFn) {
  if (operands.size() != 2 || !operands[0] || !operands[1])
    return {};
  auto ta = cast<ShapedType>(op->getOperand(0).getType());
  auto tb = cast<ShapedType>(op->getOperand(1).getType());
  auto tr = cast<ShapedType>(op->getResult(0).getType());
  SmallVector<Attribute> va = smallValues(operands[0]), vb = smallValues(operands[1]);
  if (va.empty() || vb.empty() || tr.getNumElements() > kFoldLimit ||
      ta.getElementType() != tb.getElementType())
    return {};
  ArrayRef<int64_t> out = tr.getShape();
  auto index = [&](ShapedType t, ArrayRef<int64_t> pos) {
    int64_t off = out.size() - t.getRank(), idx = 0;
    SmallVector<int64_t> st = stridesOf(t.getShape());
    for (int64_t i = 0; i < t.getRank(); ++i)
      idx += (t.getDimSize(i) == 1 ? 0 : pos[i + off]) * st[i];
    return idx;
  };
  SmallVector<Attribute> result;
  SmallVector<int64_t> pos(out.size(), 0), outStrides = stridesOf(out);
  for (int64_t lin = 0; lin < tr.getNumElements(); ++lin) {
    for (size_t d = 0; d < out.size(); ++d)
      pos[d] = (lin / outStrides[d]) % out[d];
    Attribute x = va[index(ta, pos)], y = vb[index(tb, pos)];
    if (auto ix = dyn_cast<IntegerAttr>(x)) {
      std::optional<APInt> r = intFn(ix.getValue(), cast<IntegerAttr>(y).getValue());
      if (!r)
        return {};
      result.push_back(IntegerAttr::get(tr.getElementType(), *r));
    } else if (auto fx = dyn_cast<FloatAttr>(x)) {
      result.push_back(floatResult(tr.getElementType(), floatFn(fx.getValue(), cast<FloatAttr>(y).getValue())));
    } else {
      return {};
    }
  }
  return makeDense(tr, result);
}

using OptInt = std::optional<APInt>;

/// Negates small integer constants (shape arithmetic such as -axis).
OpFoldResult NegOp::fold(FoldAdaptor a) {
  auto attr = dyn_cast_or_null<DenseIntElementsAttr>(a.getX());
  if (!attr || attr.getNumElements() > 64)
    return {};
  return attr.mapValues(attr.getElementType(), [](const APInt &v) { return -v; });
}

OpFoldResult AddOp::fold(FoldAdaptor a) {
  return foldBinary(*this, a.getOperands(), [](APInt x, APInt y) -> OptInt { return x + y; },
                    [](APFloat x, APFloat y) { return x + y; });
}
OpFoldResult SubOp::fold(FoldAdaptor a) {
  return foldBinary(*this, a.getOperands(), [](APInt x, APInt y) -> OptInt { return x - y; },
                    [](APFloat x, APFloat y) { return x - y; });
}
OpFoldResult MulOp::fold(FoldAdaptor a) {
  return foldBinary(*this, a.getOperands(), [](APInt x, APInt y) -> OptInt { return x * y; },
                    [](APFloat x, APFloat y) { return x * y; });
}
OpFoldResult DivOp::fold(FoldAdaptor a) {
  bool isUnsigned = getElementTypeOrSelf(getA().getType()).isUnsignedInteger();
  return foldBinary(
      *this, a.getOperands(),
      [&](APInt x, APInt y) -> OptInt {
        if (y.isZero() || (!isUnsigned && y.isAllOnes() && x.isMinSignedValue()))
          return std::nullopt;
        return isUnsigned ? x.udiv(y) : x.sdiv(y);
      },
      [](APFloat x, APFloat y) { return x / y; });
}
OpFoldResult PowOp::fold(FoldAdaptor) { return {}; }

/// Folds a comparison: `holds` says which orderings (-1, 0, 1) make it true;
/// NaN compares false.
template <typename Op>
static Attribute foldCompare(Op op, ArrayRef<Attribute> operands, bool less, bool equal, bool greater) {
  bool isUnsigned = getElementTypeOrSelf(op->getOperand(0).getType()).isUnsignedInteger();
  auto pick = [&](int order) { return order < 0 ? less : order == 0 ? equal : greater; };
  return foldBinary(
      op, operands,
      [&](APInt x, APInt y) -> OptInt {
        int order = x == y ? 0 : (isUnsigned ? x.ult(y) : x.slt(y)) ? -1 : 1;
        return APInt(1, pick(order));
      },
      [&](APFloat x, APFloat y) -> bool {
        APFloat::cmpResult r = x.compare(y);
        if (r == APFloat::cmpUnordered)
          return false;
        return pick(r == APFloat::cmpLessThan ? -1 : r == APFloat::cmpEqual ? 0 : 1);
      });
}
OpFoldResult EqualOp::fold(FoldAdaptor a) { return foldCompare(*this, a.getOperands(), false, true, false); }
OpFoldResult LessOp::fold(FoldAdaptor a) { return foldCompare(*this, a.getOperands(), true, false, false); }
OpFoldResult LessOrEqualOp::fold(FoldAdaptor a) { return foldCompare(*this, a.getOperands(), true, true, false); }
OpFoldResult GreaterOp::fold(FoldAdaptor a) { return foldCompare(*this, a.getOperands(), false, false, true); }
OpFoldResult GreaterOrEqualOp::fold(FoldAdaptor a) {
  return foldCompare(*this, a.getOperands(), false, true, true);
}

static APFloat noFloat(APFloat x, APFloat) { return x; } // bool ops never see floats
OpFoldResult AndOp::fold(FoldAdaptor a) {
  return foldBinary(*this, a.getOperands(), [](APInt x, APInt y) -> OptInt { return x & y; }, noFloat);
}
OpFoldResult OrOp::fold(FoldAdaptor a) {
  return foldBinary(*this, a.getOperands(), [](APInt x, APInt y) -> OptInt { return x | y; }, noFloat);
}
OpFoldResult XorOp::fold(FoldAdaptor a) {
  return foldBinary(*this, a.getOperands(), [](APInt x, APInt y) -> OptInt { return x ^ y; }, noFloat);
}
OpFoldResult NotOp::fold(FoldAdaptor a) {
  auto attr = dyn_cast_or_null<DenseIntElementsAttr>(a.getX());
  if (!attr || attr.getNumElements() > kFoldLimit)
    return {};
  return attr.mapValues(attr.getElementType(), [](const APInt &v) { return ~v; });
}

OpFoldResult NoValueOp::fold(FoldAdaptor) { return UnitAttr::get(getContext()); }
OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }
OpFoldResult IdentityOp::fold(FoldAdaptor) { return getInput(); }

OpFoldResult ShapeOfOp::fold(FoldAdaptor) {
  auto t = getStaticType(getData());
  auto rt = cast<RankedTensorType>(getType());
  if (!t)
    return {};
  int64_t r = t.getRank();
  int64_t start = std::clamp<int64_t>((int64_t)getStart() < 0 ? (int64_t)getStart() + r : (int64_t)getStart(), 0, r);
  SmallVector<int64_t> dims(t.getShape().begin() + start,
                            t.getShape().begin() + start + rt.getDimSize(0));
  return DenseElementsAttr::get(rt, ArrayRef<int64_t>(dims));
}

OpFoldResult SizeOp::fold(FoldAdaptor) {
  auto t = getStaticType(getData());
  if (!t)
    return {};
  return DenseElementsAttr::get(cast<RankedTensorType>(getType()), ArrayRef<int64_t>{t.getNumElements()});
}

OpFoldResult CastOp::fold(FoldAdaptor a) {
  if (getInput().getType() == getType())
    return getInput();
  // Narrow conversions follow ONNX's rounding and saturation rules, not
  // APFloat's: the narrow-types pass builds them.
  if (isNarrowType(getElementTypeOrSelf(getType())) || isNarrowType(getElementTypeOrSelf(getInput().getType())))
    return {};
  SmallVector<Attribute> values = smallValues(a.getInput());
  if (values.empty())
    return {};
  Type to = getElementTypeOrSelf(getType());
  // Unsigned sources and bools (true is 1, not -1) widen with zeros.
  Type fromType = getElementTypeOrSelf(getInput().getType());
  bool srcUnsigned = fromType.isUnsignedInteger() || fromType.isInteger(1);
  SmallVector<Attribute> out;
  for (Attribute v : values) {
    if (auto i = dyn_cast<IntegerAttr>(v)) {
      if (auto it = dyn_cast<IntegerType>(to)) {
        APInt x = i.getValue();
        out.push_back(IntegerAttr::get(to, it.getWidth() == 1 ? APInt(1, !x.isZero())
                                       : srcUnsigned ? x.zextOrTrunc(it.getWidth())
                                                     : x.sextOrTrunc(it.getWidth())));
      } else if (auto ft = dyn_cast<FloatType>(to)) {
        APFloat f(ft.getFloatSemantics());
        f.convertFromAPInt(i.getValue(), !srcUnsigned, APFloat::rmNearestTiesToEven);
        out.push_back(FloatAttr::get(to, f));
      } else {
        return {};
      }
    } else if (auto f = dyn_cast<FloatAttr>(v)) {
      if (!isa<FloatType>(to))
        return {}; // float -> int saturation rules are left to the runtime code
      APFloat x = f.getValue();
      bool lost;
      x.convert(cast<FloatType>(to).getFloatSemantics(), APFloat::rmNearestTiesToEven, &lost);
      out.push_back(FloatAttr::get(to, x));
    } else {
      return {};
    }
  }
  return makeDense(getType(), out);
}

/// Same data, new shape: folds reshape-like ops on dense constants.
static OpFoldResult foldReshapeLike(Operation *op, Attribute input) {
  Value in = op->getOperand(0);
  if (in.getType() == op->getResult(0).getType())
    return in;
  if (auto dense = dyn_cast_or_null<DenseElementsAttr>(input))
    return dense.reshape(cast<ShapedType>(op->getResult(0).getType()));
  return {};
}
OpFoldResult ReshapeOp::fold(FoldAdaptor a) { return foldReshapeLike(*this, a.getData()); }
OpFoldResult SqueezeOp::fold(FoldAdaptor a) { return foldReshapeLike(*this, a.getData()); }
OpFoldResult UnsqueezeOp::fold(FoldAdaptor a) { return foldReshapeLike(*this, a.getData()); }

OpFoldResult TransposeOp::fold(FoldAdaptor) {
  SmallVector<int64_t> perm;
  auto t = getStaticType(getData());
  if (!t || computeTransposePerm(t.getRank(), getPerm(), perm))
    return {};
  for (size_t i = 0; i < perm.size(); ++i)
    if (perm[i] != (int64_t)i && t.getDimSize(perm[i]) != 1)
      return {};
  return foldReshapeLike(*this, {});
}

OpFoldResult ConcatOp::fold(FoldAdaptor a) {
  if (getInputs().size() == 1)
    return getInputs()[0];
  auto rt = cast<RankedTensorType>(getType());
  auto axis = *normalizeAxis((int64_t)getAxis(), rt.getRank());
  int64_t outer = 1;
  for (int64_t i = 0; i < axis; ++i)
    outer *= rt.getDimSize(i);
  SmallVector<SmallVector<Attribute>> parts;
  for (auto [v, attr] : llvm::zip(getInputs(), a.getInputs())) {
    parts.push_back(smallValues(attr));
    if (parts.back().empty() && cast<ShapedType>(v.getType()).getNumElements() != 0)
      return {};
  }
  SmallVector<Attribute> out;
  for (int64_t o = 0; o < outer; ++o)
    for (auto &p : parts) {
      int64_t chunk = outer ? p.size() / outer : 0;
      out.append(p.begin() + o * chunk, p.begin() + (o + 1) * chunk);
    }
  return makeDense(rt, out);
}

OpFoldResult SliceOp::fold(FoldAdaptor a) {
  if (getData().getType() == getType()) {
    auto steps = getConstantInts(getSteps());
    if (isNone(getSteps()) || (steps && llvm::all_of(*steps, [](int64_t s) { return s == 1; })))
      return getData();
  }
  SmallVector<Attribute> values = smallValues(a.getData());
  if (values.empty())
    return {};
  auto t = cast<RankedTensorType>(getData().getType());
  auto rt = cast<RankedTensorType>(getType());
  SliceGeometry g;
  auto starts = getConstantInts(getStarts()), ends = getConstantInts(getEnds());
  auto axes = getConstantInts(getAxes()), steps = getConstantInts(getSteps());
  if (!starts || !ends ||
      computeSliceGeometry(t.getShape(), *starts, *ends, axes ? *axes : SmallVector<int64_t>{},
                           steps ? *steps : SmallVector<int64_t>{}, g))
    return {};
  SmallVector<int64_t> inStrides = stridesOf(t.getShape()), outStrides = stridesOf(rt.getShape());
  SmallVector<Attribute> out;
  for (int64_t lin = 0; lin < rt.getNumElements(); ++lin) {
    int64_t src = 0;
    for (int64_t d = 0; d < rt.getRank(); ++d)
      src += (g.starts[d] + ((lin / outStrides[d]) % rt.getDimSize(d)) * g.steps[d]) * inStrides[d];
    out.push_back(values[src]);
  }
  return makeDense(rt, out);
}

OpFoldResult GatherOp::fold(FoldAdaptor a) {
  auto rt = dyn_cast<RankedTensorType>(getType());
  if (!rt || !rt.hasStaticShape() || rt.getNumElements() > kFoldLimit)
    return {};
  SmallVector<Attribute> values = smallValues(a.getData());
  auto indices = getConstantInts(getIndices());
  if (values.empty() || !indices)
    return {};
  auto t = cast<RankedTensorType>(getData().getType());
  int64_t axis = *normalizeAxis((int64_t)getAxis(), t.getRank());
  int64_t dim = t.getDimSize(axis), outer = 1, inner = 1;
  for (int64_t i = 0; i < axis; ++i)
    outer *= t.getDimSize(i);
  for (int64_t i = axis + 1; i < t.getRank(); ++i)
    inner *= t.getDimSize(i);
  SmallVector<Attribute> out;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t idx : *indices) {
      if (idx < -dim || idx >= dim)
        return {};
      int64_t k = idx < 0 ? idx + dim : idx;
      for (int64_t i = 0; i < inner; ++i)
        out.push_back(values[(o * dim + k) * inner + i]);
    }
  return makeDense(getType(), out);
}

OpFoldResult ConstantOfShapeOp::fold(FoldAdaptor) {
  auto rt = cast<RankedTensorType>(getType());
  if (rt.getNumElements() > kFoldLimit)
    return {};
  Attribute v;
  if (auto value = getValueAttr())
    v = *value.getValues<Attribute>().begin();
  else
    v = FloatAttr::get(rt.getElementType(), 0.0);
  return DenseElementsAttr::get(rt, v);
}
