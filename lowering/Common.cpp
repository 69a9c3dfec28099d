// Helpers shared by the onnx -> linalg lowering families (tensor building blocks).
#include "lowering/Common.h"
#include "dialects/onnx/OnnxUtils.h"

#include "mlir/Dialect/Utils/StructuredOpsUtils.h"

#include <cmath>
#include <cstdint>

using namespace mlir;

namespace onnxc::lowering {

Value emptyTensor(OpBuilder &b, Location loc, RankedTensorType type) {
  return tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType());
}

Value scalarConstant(OpBuilder &b, Location loc, Type type, double v) {
  if (auto ft = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(b, loc, FloatAttr::get(ft, v));
  // Toward zero, saturated to int64 (NaN as 0) so that any float attribute
  // converts without undefined behaviour, then wrapped to the type's width
  // (signless types also carry unsigned values: 200 is uint8's 200).
  int64_t i = std::isnan(v) ? 0 : v <= -0x1p63 ? INT64_MIN : v >= 0x1p63 ? INT64_MAX : (int64_t)v;
  if (auto it = dyn_cast<IntegerType>(type))
    return arith::ConstantOp::create(
        b, loc, IntegerAttr::get(type, APInt(it.getWidth(), i, /*isSigned=*/true, /*implicitTrunc=*/true)));
  return arith::ConstantOp::create(b, loc, IntegerAttr::get(type, i));
}

Type signlessType(Type t) {
  if (auto i = dyn_cast<IntegerType>(t))
    return IntegerType::get(t.getContext(), i.getWidth());
  return t;
}

Value castTo(OpBuilder &b, Location loc, Value v, Type t) {
  return v.getType() == t ? v : UnrealizedConversionCastOp::create(b, loc, t, v).getResult(0);
}

Value multiplyAdd(OpBuilder &b, Location loc, Value acc, Value x, Value y) {
  if (!isa<FloatType>(acc.getType()))
    return arith::AddIOp::create(b, loc, acc, arith::MulIOp::create(b, loc, x, y));
  auto fm = arith::FastMathFlags::contract;
  return arith::AddFOp::create(b, loc, acc, arith::MulFOp::create(b, loc, x, y, fm), fm);
}

Value scalarExtreme(OpBuilder &b, Location loc, Type type, bool lowest) {
  if (auto ft = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(
        b, loc, FloatAttr::get(ft, APFloat::getInf(ft.getFloatSemantics(), lowest)));
  unsigned w = type.getIntOrFloatBitWidth();
  bool isUnsigned = type.isUnsignedInteger() || w == 1;
  APInt v = isUnsigned ? (lowest ? APInt::getMinValue(w) : APInt::getMaxValue(w))
                       : (lowest ? APInt::getSignedMinValue(w) : APInt::getSignedMaxValue(w));
  return arith::ConstantOp::create(b, loc, IntegerAttr::get(type, v));
}

/// The indexing map that reads `inType` broadcast into a result of `outShape`.
static AffineMap broadcastMap(MLIRContext *ctx, ArrayRef<int64_t> outShape,
                              ShapedType inType) {
  int64_t r = outShape.size(), ri = inType.getRank();
  SmallVector<AffineExpr> exprs;
  for (int64_t j = 0; j < ri; ++j) {
    int64_t d = j + r - ri;
    exprs.push_back(inType.getDimSize(j) == 1 && outShape[d] != 1
                        ? getAffineConstantExpr(0, ctx)
                        : getAffineDimExpr(d, ctx));
  }
  return AffineMap::get(r, 0, exprs, ctx);
}

Value elementwise(OpBuilder &b, Location loc, RankedTensorType resultType,
                  ValueRange inputs, BodyFn body) {
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineMap> maps;
  for (Value in : inputs)
    maps.push_back(broadcastMap(ctx, resultType.getShape(), cast<ShapedType>(in.getType())));
  maps.push_back(b.getMultiDimIdentityMap(resultType.getRank()));
  SmallVector<utils::IteratorType> iters(resultType.getRank(), utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, inputs, ValueRange{emptyTensor(b, loc, resultType)},
      maps, iters, [&](OpBuilder &nb, Location nl, ValueRange args) {
        Value r = body(nb, nl, args.drop_back());
        linalg::YieldOp::create(nb, nl, r);
      });
  return generic.getResult(0);
}

Value broadcastTo(OpBuilder &b, Location loc, Value src, RankedTensorType type) {
  if (src.getType() == type)
    return src;
  return elementwise(b, loc, type, src,
                     [](OpBuilder &, Location, ValueRange a) { return a[0]; });
}

Value broadcastAlongDim(OpBuilder &b, Location loc, Value src,
                        RankedTensorType type, int64_t dim) {
  MLIRContext *ctx = b.getContext();
  AffineMap in = AffineMap::get(type.getRank(), 0, getAffineDimExpr(dim, ctx));
  SmallVector<AffineMap> maps{in, b.getMultiDimIdentityMap(type.getRank())};
  SmallVector<utils::IteratorType> iters(type.getRank(), utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, TypeRange{type}, src, ValueRange{emptyTensor(b, loc, type)}, maps,
             iters,
             [](OpBuilder &nb, Location nl, ValueRange a) { linalg::YieldOp::create(nb, nl, a[0]); })
      .getResult(0);
}

Value reshapeTo(OpBuilder &b, Location loc, Value src, RankedTensorType type) {
  auto st = cast<RankedTensorType>(src.getType());
  if (st == type)
    return src;
  auto allDims = [](int64_t rank) {
    ReassociationIndices r;
    for (int64_t i = 0; i < rank; ++i)
      r.push_back(i);
    return SmallVector<ReassociationIndices>{r};
  };
  if (st.getRank() == 0)
    return tensor::ExpandShapeOp::create(b, loc, type, src, ArrayRef<ReassociationIndices>{});
  if (type.getRank() == 0)
    return tensor::CollapseShapeOp::create(b, loc, type, src, ArrayRef<ReassociationIndices>{});
  Value flat = src;
  if (st.getRank() != 1)
    flat = tensor::CollapseShapeOp::create(b, loc, src, allDims(st.getRank()));
  if (type.getRank() == 1)
    return flat;
  return tensor::ExpandShapeOp::create(b, loc, type, flat, allDims(type.getRank()));
}

Value padWith(OpBuilder &b, Location loc, Value src, ArrayRef<int64_t> low,
              ArrayRef<int64_t> high, Value padValue) {
  if (llvm::all_of(low, [](int64_t v) { return v == 0; }) &&
      llvm::all_of(high, [](int64_t v) { return v == 0; }))
    return src;
  auto st = cast<RankedTensorType>(src.getType());
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < st.getRank(); ++i)
    shape.push_back(st.getDimSize(i) + low[i] + high[i]);
  auto type = RankedTensorType::get(shape, st.getElementType());
  SmallVector<OpFoldResult> lo, hi;
  for (int64_t i = 0; i < st.getRank(); ++i) {
    lo.push_back(b.getIndexAttr(low[i]));
    hi.push_back(b.getIndexAttr(high[i]));
  }
  return tensor::PadOp::create(b, loc, type, src, lo, hi, padValue);
}

Value reduce(OpBuilder &b, Location loc, Value src, ArrayRef<int64_t> axes,
             bool keepDims, Value init, BodyFn combine) {
  auto st = cast<RankedTensorType>(src.getType());
  MLIRContext *ctx = b.getContext();
  SmallVector<int64_t> outShape, keptShape;
  SmallVector<AffineExpr> outExprs;
  SmallVector<utils::IteratorType> iters;
  for (int64_t i = 0; i < st.getRank(); ++i) {
    bool reduced = llvm::is_contained(axes, i);
    iters.push_back(reduced ? utils::IteratorType::reduction : utils::IteratorType::parallel);
    keptShape.push_back(reduced ? 1 : st.getDimSize(i));
    if (!reduced) {
      outShape.push_back(st.getDimSize(i));
      outExprs.push_back(getAffineDimExpr(i, ctx));
    }
  }
  auto outType = RankedTensorType::get(outShape, st.getElementType());
  Value acc = linalg::FillOp::create(b, loc, init, emptyTensor(b, loc, outType)).getResult(0);
  SmallVector<AffineMap> maps{b.getMultiDimIdentityMap(st.getRank()),
                              AffineMap::get(st.getRank(), 0, outExprs, ctx)};
  Value r = linalg::GenericOp::create(
                b, loc, TypeRange{outType}, src, acc, maps, iters,
                [&](OpBuilder &nb, Location nl, ValueRange a) {
                  linalg::YieldOp::create(nb, nl, combine(nb, nl, {a[1], a[0]}));
                })
                .getResult(0);
  if (!keepDims)
    return r;
  return reshapeTo(b, loc, r, RankedTensorType::get(keptShape, st.getElementType()));
}

} // namespace onnxc::lowering


namespace onnxc::lowering {

SmallVector<int64_t> windowOverrun(ArrayRef<int64_t> inSizes, const onnx::WindowGeometry &g) {
  SmallVector<int64_t> extra;
  for (size_t i = 0; i < inSizes.size(); ++i) {
    int64_t need = (g.outSizes[i] - 1) * g.strides[i] + (g.kernel[i] - 1) * g.dilations[i] + 1;
    int64_t have = inSizes[i] + g.padsBegin[i] + g.padsEnd[i];
    extra.push_back(std::max<int64_t>(0, need - have));
  }
  return extra;
}

SmallVector<Value> windowSlices(OpBuilder &b, Location loc, Value padded,
                                const onnx::WindowGeometry &g, int64_t lead) {
  auto type = cast<RankedTensorType>(padded.getType());
  size_t k = g.kernel.size();
  SmallVector<int64_t> sizes(type.getShape().take_front(lead));
  sizes.append(g.outSizes.begin(), g.outSizes.end());
  auto sliceType = RankedTensorType::get(sizes, type.getElementType());
  SmallVector<Value> slices;
  SmallVector<int64_t> pos(k, 0);
  while (true) {
    SmallVector<OpFoldResult> offsets, sz, strides;
    for (int64_t i = 0; i < lead; ++i) {
      offsets.push_back(b.getIndexAttr(0));
      sz.push_back(b.getIndexAttr(sizes[i]));
      strides.push_back(b.getIndexAttr(1));
    }
    for (size_t i = 0; i < k; ++i) {
      offsets.push_back(b.getIndexAttr(pos[i] * g.dilations[i]));
      sz.push_back(b.getIndexAttr(g.outSizes[i]));
      strides.push_back(b.getIndexAttr(g.strides[i]));
    }
    slices.push_back(tensor::ExtractSliceOp::create(b, loc, sliceType, padded, offsets, sz, strides));
    int64_t i = k - 1;
    while (i >= 0 && ++pos[i] == g.kernel[i])
      pos[i--] = 0;
    if (i < 0)
      break;
  }
  return slices;
}

Value gatherGeneric(OpBuilder &b, Location loc, RankedTensorType type, ValueRange inputs,
                    ArrayRef<AffineMap> inputMaps, Value src,
                    function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange)> srcIndex) {
  SmallVector<AffineMap> maps(inputMaps);
  maps.push_back(b.getMultiDimIdentityMap(type.getRank()));
  return linalg::GenericOp::create(
             b, loc, TypeRange{type}, inputs, emptyTensor(b, loc, type), maps,
             SmallVector<utils::IteratorType>(type.getRank(), utils::IteratorType::parallel),
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               SmallVector<Value> idx = srcIndex(nb, nl, args.drop_back());
               linalg::YieldOp::create(nb, nl, tensor::ExtractOp::create(nb, nl, src, idx).getResult());
             })
      .getResult(0);
}

Value clampedIndex(OpBuilder &b, Location loc, Value i, int64_t dim) {
  i = arith::IndexCastOp::create(b, loc, b.getIndexType(), i);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value neg = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, i, zero);
  i = arith::SelectOp::create(b, loc, neg,
                              arith::AddIOp::create(b, loc, i, arith::ConstantIndexOp::create(b, loc, dim)), i);
  i = arith::MaxSIOp::create(b, loc, i, zero);
  return arith::MinSIOp::create(b, loc, i, arith::ConstantIndexOp::create(b, loc, dim - 1));
}

} // namespace onnxc::lowering
