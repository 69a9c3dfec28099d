// Lowers onnx constants, casts and shape/data-movement ops to tensor/linalg.
#include "dialects/onnx/OnnxDialect.h"
#include "dialects/onnx/OnnxUtils.h"
#include "lowering/Common.h"

using namespace mlir;
using namespace onnxc::onnx;

namespace onnxc::lowering {
namespace {

/// Replaces an op by its input reshaped to the result type (no data movement).
template <typename OpTy> struct ReshapeLikeLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, reshapeTo(rewriter, op.getLoc(), adaptor.getOperands()[0],
                                     cast<RankedTensorType>(op->getResult(0).getType())));
    return success();
  }
};

/// Ops whose value is known at compile time become arith.constant.
template <typename OpTy> struct ConstantLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult matchAndRewrite(OpTy op, typename OpTy::Adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    SmallVector<OpFoldResult> folded;
    Attribute value;
    if (auto c = dyn_cast<ConstantOp>(op.getOperation()))
      value = c.getValue();
    else if (succeeded(op->fold(folded)) && folded.size() == 1)
      value = dyn_cast_if_present<Attribute>(folded[0]);
    auto typed = dyn_cast_or_null<TypedAttr>(value);
    if (!typed)
      return rewriter.notifyMatchFailure(op, "value is not a compile-time constant");
    // An unsigned splat becomes a fill of a signless scalar: linalg's fusion
    // would turn an unsigned splat tensor into an (invalid) unsigned scalar
    // arith.constant.
    auto dense = dyn_cast<DenseElementsAttr>(typed);
    auto type = dyn_cast<RankedTensorType>(typed.getType());
    if (dense && dense.isSplat() && type && type.getElementType().isUnsignedInteger()) {
      Location loc = op.getLoc();
      Type elem = signlessType(type.getElementType());
      Value scalar = arith::ConstantOp::create(rewriter, loc,
                                               IntegerAttr::get(elem, dense.getSplatValue<APInt>()));
      scalar = UnrealizedConversionCastOp::create(rewriter, loc, type.getElementType(), scalar).getResult(0);
      rewriter.replaceOp(op, linalg::FillOp::create(rewriter, loc, scalar, emptyTensor(rewriter, loc, type))
                                 .getResult(0));
      return success();
    }
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, typed);
    return success();
  }
};

/// ConstantOfShape: small ones fold to a splat constant (ConstantLowering);
/// a large one (a 1000x2048 fill carrying a model's weights) becomes a fill
/// at run time, so the object holds no copy of the splat.
struct LargeConstantOfShapeLowering : OpConversionPattern<ConstantOfShapeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ConstantOfShapeOp op, OpAdaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = dyn_cast<RankedTensorType>(op.getType());
    if (!type || !type.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "the shape is not a compile-time constant");
    SmallVector<OpFoldResult> folded;
    if (succeeded(op->fold(folded)))
      return rewriter.notifyMatchFailure(op, "small: ConstantLowering makes it a constant");
    Type elem = signlessType(type.getElementType());
    Attribute scalar;
    if (auto value = op.getValueAttr()) {
      Attribute v = *value.getValues<Attribute>().begin();
      if (auto f = dyn_cast<FloatAttr>(v))
        scalar = FloatAttr::get(elem, f.getValue());
      else if (auto i = dyn_cast<IntegerAttr>(v))
        scalar = IntegerAttr::get(elem, i.getValue());
    } else {
      scalar = rewriter.getZeroAttr(elem);
    }
    if (!scalar)
      return rewriter.notifyMatchFailure(op, "the value is not a number");
    Location loc = op.getLoc();
    Value value = arith::ConstantOp::create(rewriter, loc, cast<TypedAttr>(scalar));
    rewriter.replaceOp(op, linalg::FillOp::create(rewriter, loc, value,
                                                  emptyTensor(rewriter, loc, type.clone(elem)))
                               .getResult(0));
    return success();
  }
};

template <typename OpTy> struct ForwardLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, adaptor.getOperands()[0]);
    return success();
  }
};

/// Inference dropout: the data passes through and the mask keeps everything.
struct DropoutLowering : OpConversionPattern<DropoutOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(DropoutOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto maskType = cast<RankedTensorType>(op.getMask().getType());
    Value mask = arith::ConstantOp::create(rewriter, op.getLoc(),
                                           DenseElementsAttr::get(maskType, rewriter.getBoolAttr(true)));
    rewriter.replaceOp(op, {adaptor.getData(), mask});
    return success();
  }
};

Value castSignless(OpBuilder &b, Location loc, Value x, Type from, Type to);

/// Converts one element from ONNX type `from` to `to` (arith sees signless integers).
Value castScalar(OpBuilder &b, Location loc, Value x, Type from, Type to) {
  if (from == to)
    return x;
  Value r = castSignless(b, loc, castTo(b, loc, x, signlessType(from)), from, to);
  return castTo(b, loc, r, to);
}

Value castSignless(OpBuilder &b, Location loc, Value x, Type from, Type to) {
  Type target = signlessType(to);
  bool fromFloat = isa<FloatType>(from), toFloat = isa<FloatType>(to);
  bool fromUnsigned = from.isUnsignedInteger() || from.isInteger(1);
  if (to.isInteger(1)) {
    Value zero = scalarConstant(b, loc, signlessType(from), 0);
    return fromFloat ? (Value)arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, x, zero)
                     : arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, x, zero);
  }
  unsigned fw = from.getIntOrFloatBitWidth(), tw = to.getIntOrFloatBitWidth();
  if (fromFloat && toFloat)
    return fw < tw ? (Value)arith::ExtFOp::create(b, loc, target, x) : arith::TruncFOp::create(b, loc, target, x);
  if (!fromFloat && toFloat)
    return fromUnsigned ? (Value)arith::UIToFPOp::create(b, loc, target, x) : arith::SIToFPOp::create(b, loc, target, x);
  if (fromFloat)
    return to.isUnsignedInteger() ? (Value)arith::FPToUIOp::create(b, loc, target, x)
                                  : arith::FPToSIOp::create(b, loc, target, x);
  if (fw == tw)
    return x;
  if (fw > tw)
    return arith::TruncIOp::create(b, loc, target, x);
  return fromUnsigned ? (Value)arith::ExtUIOp::create(b, loc, target, x) : arith::ExtSIOp::create(b, loc, target, x);
}

struct CastLowering : OpConversionPattern<CastOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(CastOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    Type from = getElementTypeOrSelf(adaptor.getInput().getType());
    rewriter.replaceOp(op, elementwise(rewriter, op.getLoc(), type, adaptor.getInput(),
                                       [&](OpBuilder &b, Location l, ValueRange a) {
                                         return castScalar(b, l, a[0], from, type.getElementType());
                                       }));
    return success();
  }
};

struct BitCastLowering : OpConversionPattern<BitCastOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(BitCastOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    Type from = getElementTypeOrSelf(adaptor.getInput().getType()), to = type.getElementType();
    rewriter.replaceOp(op, elementwise(rewriter, op.getLoc(), type, adaptor.getInput(),
                                       [&](OpBuilder &b, Location l, ValueRange a) {
                                         Value x = castTo(b, l, a[0], signlessType(from));
                                         Value y = arith::BitcastOp::create(b, l, signlessType(to), x);
                                         return castTo(b, l, y, to);
                                       }));
    return success();
  }
};

struct TransposeLowering : OpConversionPattern<TransposeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(TransposeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    SmallVector<int64_t> perm;
    if (computeTransposePerm(type.getRank(), op.getPerm(), perm))
      return rewriter.notifyMatchFailure(op, "bad perm");
    rewriter.replaceOp(op, linalg::TransposeOp::create(rewriter, op.getLoc(), adaptor.getData(),
                                                       emptyTensor(rewriter, op.getLoc(), type), perm)
                               .getResult()[0]);
    return success();
  }
};

struct ConcatLowering : OpConversionPattern<ConcatOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ConcatOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    int64_t axis = *normalizeAxis((int64_t)op.getAxis(), type.getRank());
    Value acc = emptyTensor(rewriter, op.getLoc(), type);
    int64_t offset = 0;
    for (Value in : adaptor.getInputs()) {
      auto t = cast<RankedTensorType>(in.getType());
      SmallVector<OpFoldResult> offsets(type.getRank(), rewriter.getIndexAttr(0)), sizes,
          strides(type.getRank(), rewriter.getIndexAttr(1));
      offsets[axis] = rewriter.getIndexAttr(offset);
      for (int64_t d : t.getShape())
        sizes.push_back(rewriter.getIndexAttr(d));
      acc = tensor::InsertSliceOp::create(rewriter, op.getLoc(), in, acc, offsets, sizes, strides);
      offset += t.getDimSize(axis);
    }
    rewriter.replaceOp(op, acc);
    return success();
  }
};

/// A generic that computes every result element by reading `src` at an index
/// derived from the loop indices (Gather, Slice with negative steps).
struct SliceLowering : OpConversionPattern<SliceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(SliceOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    auto tin = cast<RankedTensorType>(adaptor.getData().getType());
    auto starts = getConstantInts(op.getStarts()), ends = getConstantInts(op.getEnds());
    auto axes = getConstantInts(op.getAxes()), steps = getConstantInts(op.getSteps());
    SliceGeometry g;
    if (!starts || !ends ||
        computeSliceGeometry(tin.getShape(), *starts, *ends, axes ? *axes : SmallVector<int64_t>{},
                             steps ? *steps : SmallVector<int64_t>{}, g))
      return rewriter.notifyMatchFailure(op, "slice parameters are not constant");
    Location loc = op.getLoc();
    if (llvm::all_of(g.steps, [](int64_t s) { return s > 0; })) {
      SmallVector<OpFoldResult> offsets, sizes, strides;
      for (int64_t i = 0; i < type.getRank(); ++i) {
        offsets.push_back(rewriter.getIndexAttr(type.getDimSize(i) ? g.starts[i] : 0));
        sizes.push_back(rewriter.getIndexAttr(type.getDimSize(i)));
        strides.push_back(rewriter.getIndexAttr(g.steps[i]));
      }
      rewriter.replaceOp(op, tensor::ExtractSliceOp::create(rewriter, loc, type, adaptor.getData(),
                                                            offsets, sizes, strides));
      return success();
    }
    Value src = adaptor.getData();
    rewriter.replaceOp(op, gatherGeneric(rewriter, loc, type, {}, {}, src,
                                         [&](OpBuilder &b, Location l, ValueRange) {
                                           SmallVector<Value> idx;
                                           for (int64_t i = 0; i < type.getRank(); ++i) {
                                             Value iv = linalg::IndexOp::create(b, l, i);
                                             Value off = arith::MulIOp::create(
                                                 b, l, iv, arith::ConstantIndexOp::create(b, l, g.steps[i]));
                                             idx.push_back(arith::AddIOp::create(
                                                 b, l, off, arith::ConstantIndexOp::create(b, l, g.starts[i])));
                                           }
                                           return idx;
                                         }));
    return success();
  }
};

struct GatherLowering : OpConversionPattern<GatherOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(GatherOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    auto tin = cast<RankedTensorType>(adaptor.getData().getType());
    auto tidx = cast<RankedTensorType>(adaptor.getIndices().getType());
    int64_t axis = *normalizeAxis((int64_t)op.getAxis(), tin.getRank());
    int64_t q = tidx.getRank(), dim = tin.getDimSize(axis);
    MLIRContext *ctx = rewriter.getContext();
    SmallVector<AffineExpr> idxExprs;
    for (int64_t i = 0; i < q; ++i)
      idxExprs.push_back(getAffineDimExpr(axis + i, ctx));
    AffineMap idxMap = AffineMap::get(type.getRank(), 0, idxExprs, ctx);
    Value src = adaptor.getData();
    rewriter.replaceOp(op, gatherGeneric(
                               rewriter, op.getLoc(), type, adaptor.getIndices(), {idxMap}, src,
                               [&](OpBuilder &b, Location l, ValueRange args) {
                                 Value i = clampedIndex(b, l, args[0], dim);
                                 SmallVector<Value> idx;
                                 for (int64_t k = 0; k < axis; ++k)
                                   idx.push_back(linalg::IndexOp::create(b, l, k));
                                 idx.push_back(i);
                                 for (int64_t k = axis + 1; k < tin.getRank(); ++k)
                                   idx.push_back(linalg::IndexOp::create(b, l, k + q - 1));
                                 return idx;
                               }));
    return success();
  }
};

struct GatherElementsLowering : OpConversionPattern<GatherElementsOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(GatherElementsOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    auto tin = cast<RankedTensorType>(adaptor.getData().getType());
    int64_t axis = *normalizeAxis((int64_t)op.getAxis(), tin.getRank()), dim = tin.getDimSize(axis);
    rewriter.replaceOp(op, gatherGeneric(rewriter, op.getLoc(), type, adaptor.getIndices(),
                                         {rewriter.getMultiDimIdentityMap(type.getRank())},
                                         adaptor.getData(), [&](OpBuilder &b, Location l, ValueRange args) {
                                           SmallVector<Value> idx;
                                           for (int64_t k = 0; k < type.getRank(); ++k)
                                             idx.push_back(k == axis ? clampedIndex(b, l, args[0], dim)
                                                                     : (Value)linalg::IndexOp::create(b, l, k));
                                           return idx;
                                         }));
    return success();
  }
};

struct TriluLowering : OpConversionPattern<TriluOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(TriluOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    int64_t rank = type.getRank();
    Value kTensor = adaptor.getK();
    bool upper = op.getUpper() != 0;
    Type elem = type.getElementType();
    rewriter.replaceOp(op, elementwise(rewriter, op.getLoc(), type, adaptor.getInput(),
                                       [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                                         // Keep when col - row >= k (upper) or <= k (lower).
                                         Value row = linalg::IndexOp::create(b, l, rank - 2);
                                         Value col = linalg::IndexOp::create(b, l, rank - 1);
                                         Value diff = arith::SubIOp::create(b, l, col, row);
                                         // k is read at run time (a tensor of one integer).
                                         Value k = arith::ConstantIndexOp::create(b, l, 0);
                                         if (!isNone(kTensor)) {
                                           auto tk = cast<RankedTensorType>(kTensor.getType());
                                           SmallVector<Value> zeros(tk.getRank(), k);
                                           k = arith::IndexCastOp::create(b, l, b.getIndexType(),
                                                                          tensor::ExtractOp::create(b, l, kTensor, zeros));
                                         }
                                         Value keep = arith::CmpIOp::create(
                                             b, l, upper ? arith::CmpIPredicate::sge : arith::CmpIPredicate::sle,
                                             diff, k);
                                         Value zero = arith::ConstantOp::create(b, l, b.getZeroAttr(elem));
                                         return arith::SelectOp::create(b, l, keep, a[0], zero);
                                       }));
    return success();
  }
};

struct SplitLowering : OpConversionPattern<SplitOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(SplitOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto tin = cast<RankedTensorType>(adaptor.getInput().getType());
    int64_t axis = *normalizeAxis((int64_t)op.getAxis(), tin.getRank()), offset = 0;
    SmallVector<Value> pieces;
    for (Type t : op->getResultTypes()) {
      auto piece = cast<RankedTensorType>(t);
      if (piece.getNumElements() == 0) { // no slice of an empty range verifies
        pieces.push_back(tensor::EmptyOp::create(rewriter, op.getLoc(), piece.getShape(),
                                                 piece.getElementType()));
        continue;
      }
      SmallVector<OpFoldResult> offsets(tin.getRank(), rewriter.getIndexAttr(0)), sizes, strides(
                                                                                    tin.getRank(), rewriter.getIndexAttr(1));
      for (int64_t d : piece.getShape())
        sizes.push_back(rewriter.getIndexAttr(d));
      offsets[axis] = rewriter.getIndexAttr(offset);
      offset += piece.getDimSize(axis);
      pieces.push_back(tensor::ExtractSliceOp::create(rewriter, op.getLoc(), piece, adaptor.getInput(),
                                                      offsets, sizes, strides));
    }
    rewriter.replaceOp(op, pieces);
    return success();
  }
};

struct EyeLikeLowering : OpConversionPattern<EyeLikeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(EyeLikeOp op, OpAdaptor, ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    Type elem = type.getElementType();
    int64_t k = op.getK();
    rewriter.replaceOp(op, elementwise(rewriter, op.getLoc(), type, ValueRange{},
                                       [&](OpBuilder &b, Location l, ValueRange) -> Value {
                                         Value diff = arith::SubIOp::create(b, l, linalg::IndexOp::create(b, l, 1),
                                                                            linalg::IndexOp::create(b, l, 0));
                                         Value on = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, diff,
                                                                          arith::ConstantIndexOp::create(b, l, k));
                                         return arith::SelectOp::create(b, l, on, scalarConstant(b, l, elem, 1),
                                                                        scalarConstant(b, l, elem, 0));
                                       }));
    return success();
  }
};

/// DepthToSpace and SpaceToDepth: every output element reads one input element.
template <typename OpTy, bool ToSpace> struct BlockShuffleLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    auto tin = cast<RankedTensorType>(adaptor.getInput().getType());
    int64_t bs = op.getBlocksize();
    bool crd = false;
    if constexpr (ToSpace)
      crd = op.getMode() == "CRD";
    rewriter.replaceOp(op, gatherGeneric(rewriter, op.getLoc(), type, {}, {}, adaptor.getInput(),
                                         [&](OpBuilder &b, Location l, ValueRange) {
      auto c = [&](int64_t v) { return (Value)arith::ConstantIndexOp::create(b, l, v); };
      auto idx = [&](int64_t d) { return (Value)linalg::IndexOp::create(b, l, d); };
      auto add = [&](Value x, Value y) { return (Value)arith::AddIOp::create(b, l, x, y); };
      auto mul = [&](Value x, int64_t y) { return (Value)arith::MulIOp::create(b, l, x, c(y)); };
      auto div = [&](Value x, int64_t y) { return (Value)arith::DivUIOp::create(b, l, x, c(y)); };
      auto rem = [&](Value x, int64_t y) { return (Value)arith::RemUIOp::create(b, l, x, c(y)); };
      if constexpr (ToSpace) {
        // out[n, ch, y, x] = in[n, channel(ch, y % bs, x % bs), y / bs, x / bs]
        Value i = rem(idx(2), bs), j = rem(idx(3), bs), ij = add(mul(i, bs), j);
        int64_t outC = type.getDimSize(1);
        Value ch = crd ? add(mul(idx(1), bs * bs), ij) : add(mul(ij, outC), idx(1));
        return SmallVector<Value>{idx(0), ch, div(idx(2), bs), div(idx(3), bs)};
      } else {
        // out[n, (i * bs + j) * C + ch, h, w] = in[n, ch, h * bs + i, w * bs + j]
        int64_t inC = tin.getDimSize(1);
        Value ch = rem(idx(1), inC), ij = div(idx(1), inC);
        return SmallVector<Value>{idx(0), ch, add(mul(idx(2), bs), div(ij, bs)), add(mul(idx(3), bs), rem(ij, bs))};
      }
    }));
    return success();
  }
};

struct GatherNDLowering : OpConversionPattern<GatherNDOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(GatherNDOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    auto tin = cast<RankedTensorType>(adaptor.getData().getType());
    auto tidx = cast<RankedTensorType>(adaptor.getIndices().getType());
    int64_t bd = op.getBatchDims(), q = tidx.getRank(), k = tidx.getDimSize(q - 1);
    Value indices = adaptor.getIndices();
    rewriter.replaceOp(op, gatherGeneric(rewriter, op.getLoc(), type, {}, {}, adaptor.getData(),
                                         [&](OpBuilder &b, Location l, ValueRange) {
      // Output axes: indices' leading q-1 axes, then the data axes after bd + k.
      SmallVector<Value> at;
      for (int64_t d = 0; d < q - 1; ++d)
        at.push_back(linalg::IndexOp::create(b, l, d));
      SmallVector<Value> src(at.begin(), at.begin() + bd);
      for (int64_t j = 0; j < k; ++j) {
        SmallVector<Value> where(at);
        where.push_back(arith::ConstantIndexOp::create(b, l, j));
        Value i = tensor::ExtractOp::create(b, l, indices, where);
        src.push_back(clampedIndex(b, l, i, tin.getDimSize(bd + j)));
      }
      for (int64_t d = bd + k; d < tin.getRank(); ++d)
        src.push_back(linalg::IndexOp::create(b, l, q - 1 + d - bd - k));
      return src;
    }));
    return success();
  }
};

struct TileLowering : OpConversionPattern<TileOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(TileOp op, OpAdaptor adaptor, ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    auto tin = cast<RankedTensorType>(adaptor.getInput().getType());
    rewriter.replaceOp(op, gatherGeneric(rewriter, op.getLoc(), type, {}, {}, adaptor.getInput(),
                                         [&](OpBuilder &b, Location l, ValueRange) {
      SmallVector<Value> idx;
      for (int64_t d = 0; d < tin.getRank(); ++d)
        idx.push_back(arith::RemUIOp::create(b, l, linalg::IndexOp::create(b, l, d),
                                             arith::ConstantIndexOp::create(b, l, tin.getDimSize(d))));
      return idx;
    }));
    return success();
  }
};

struct ExpandLowering : OpConversionPattern<ExpandOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ExpandOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, broadcastTo(rewriter, op.getLoc(), adaptor.getInput(),
                                       cast<RankedTensorType>(op.getType())));
    return success();
  }
};

struct PadLowering : OpConversionPattern<PadOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(PadOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    StringRef mode = op.getMode();
    if (mode != "constant" && mode != "reflect" && mode != "edge" && mode != "wrap")
      return rewriter.notifyMatchFailure(op, "mode must be constant, reflect, edge or wrap");
    auto tin = cast<RankedTensorType>(adaptor.getData().getType());
    auto pads = getConstantInts(op.getPads());
    auto axes = getConstantInts(op.getAxes());
    SmallVector<int64_t> low, high;
    if (!pads || computePadAmounts(tin.getRank(), *pads, axes ? *axes : SmallVector<int64_t>{}, low, high))
      return rewriter.notifyMatchFailure(op, "pads are not constant");
    if (llvm::any_of(low, [](int64_t v) { return v < 0; }) || llvm::any_of(high, [](int64_t v) { return v < 0; }))
      return rewriter.notifyMatchFailure(op, "negative pads are not supported");
    Location loc = op.getLoc();
    Type elem = tin.getElementType();
    if (mode != "constant") {
      // Every output element reads one input element: o - low, folded back into range.
      auto type = cast<RankedTensorType>(op.getType());
      rewriter.replaceOp(op, gatherGeneric(rewriter, loc, type, {}, {}, adaptor.getData(),
                                           [&](OpBuilder &b, Location l, ValueRange) {
        SmallVector<Value> idx;
        for (int64_t d = 0; d < tin.getRank(); ++d) {
          int64_t n = tin.getDimSize(d);
          auto c = [&](int64_t v) { return (Value)arith::ConstantIndexOp::create(b, l, v); };
          Value i = arith::SubIOp::create(b, l, linalg::IndexOp::create(b, l, d), c(low[d]));
          if (mode == "edge") {
            i = arith::MaxSIOp::create(b, l, arith::MinSIOp::create(b, l, i, c(n - 1)), c(0));
          } else if (mode == "wrap") {
            Value r = arith::RemSIOp::create(b, l, i, c(n));
            Value neg = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, r, c(0));
            i = arith::SelectOp::create(b, l, neg, arith::AddIOp::create(b, l, r, c(n)), r);
          } else { // reflect (pads smaller than the axis): -i below, 2(n-1) - i above
            Value below = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, i, c(0));
            i = arith::SelectOp::create(b, l, below, arith::SubIOp::create(b, l, c(0), i), i);
            Value above = arith::CmpIOp::create(b, l, arith::CmpIPredicate::sgt, i, c(n - 1));
            i = arith::SelectOp::create(b, l, above, arith::SubIOp::create(b, l, c(2 * (n - 1)), i), i);
            i = arith::MaxSIOp::create(b, l, arith::MinSIOp::create(b, l, i, c(n - 1)), c(0));
          }
          idx.push_back(i);
        }
        return idx;
      }));
      return success();
    }
    Value padValue = scalarConstant(rewriter, loc, elem, 0);
    if (!isNone(adaptor.getConstantValue())) {
      Value cv = adaptor.getConstantValue();
      auto ct = cast<RankedTensorType>(cv.getType());
      SmallVector<Value> zeros(ct.getRank(), arith::ConstantIndexOp::create(rewriter, loc, 0));
      padValue = tensor::ExtractOp::create(rewriter, loc, cv, zeros);
    }
    rewriter.replaceOp(op, padWith(rewriter, loc, adaptor.getData(), low, high, padValue));
    return success();
  }
};

} // namespace

void populateShapePatterns(RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<ReshapeLikeLowering<ReshapeOp>, ReshapeLikeLowering<FlattenOp>,
               ReshapeLikeLowering<SqueezeOp>, ReshapeLikeLowering<UnsqueezeOp>,
               ConstantLowering<ConstantOp>, ConstantLowering<ShapeOfOp>,
               ConstantLowering<ConstantOfShapeOp>, LargeConstantOfShapeLowering,
               ForwardLowering<IdentityOp>, DropoutLowering, CastLowering, BitCastLowering,
               TransposeLowering, ConcatLowering, SliceLowering, GatherLowering, GatherElementsLowering, TriluLowering, SplitLowering, EyeLikeLowering,
               BlockShuffleLowering<DepthToSpaceOp, true>, BlockShuffleLowering<SpaceToDepthOp, false>,
               GatherNDLowering, TileLowering,
               ExpandLowering, PadLowering>(ctx);
}

} // namespace onnxc::lowering
