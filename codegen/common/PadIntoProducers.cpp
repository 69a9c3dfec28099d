// Lets producers write straight into the bigger tensor that holds their result: a padded tensor, a concat.
//
//   %y = linalg.generic ... outs(%empty)        %f = linalg.fill(pad, tensor.empty [padded])
//   %p = tensor.pad %y low[..] high[..]    =>   %s = tensor.extract_slice %f [low][sizes]
//                                               %y = linalg.generic ... outs(%s)
//                                               %p = tensor.insert_slice %y into %f [low][sizes]
// One-shot bufferization then places %y in the interior of %p's buffer (the
// slice pair is in place), and the consumer (a Conv, a pool) reads the border.
// With `border-only` (CPUs with room for the padded buffer) the fill covers
// the border alone, two slabs per padded axis, each filled in place, so the
// interior is written once, by its producer.
//
// A concat (a chain of insert_slices into a tensor.empty) gets the same
// treatment for each input that a generic produces: the generic writes an
// extract_slice of the concat so far, and its insert_slice, moved to just
// after it, is in place (no copy). The inserts before it move up as far as
// needed for that, and the empty tensor to just before its first use.
#include "codegen/Passes.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

using namespace mlir;

namespace onnxc::codegen {
#define GEN_PASS_DEF_PADINTOPRODUCERS
#include "codegen/Passes.h.inc"

namespace {
/// `dest` with `value` written over the border around the interior at
/// `low` of size `inner`: per axis d, the slabs before and after the interior
/// along d, spanning the interior on the axes before d and everything after.
Value fillBorder(PatternRewriter &rewriter, Location loc, Value value, Value dest, ArrayRef<int64_t> low,
                 ArrayRef<int64_t> inner) {
  ArrayRef<int64_t> full = cast<RankedTensorType>(dest.getType()).getShape();
  int64_t rank = full.size();
  for (int64_t d = 0; d < rank; ++d)
    for (bool before : {true, false}) {
      int64_t start = before ? 0 : low[d] + inner[d], extent = before ? low[d] : full[d] - start;
      if (extent == 0)
        continue;
      SmallVector<int64_t> offsets, sizes;
      for (int64_t j = 0; j < rank; ++j) {
        offsets.push_back(j < d ? low[j] : j == d ? start : 0);
        sizes.push_back(j < d ? inner[j] : j == d ? extent : full[j]);
      }
      SmallVector<OpFoldResult> offs = getAsIndexOpFoldResult(rewriter.getContext(), offsets),
                                szs = getAsIndexOpFoldResult(rewriter.getContext(), sizes),
                                strides(rank, rewriter.getIndexAttr(1));
      Value slab = tensor::ExtractSliceOp::create(rewriter, loc, dest, offs, szs, strides);
      Value filled = linalg::FillOp::create(rewriter, loc, value, slab).getResult(0);
      dest = tensor::InsertSliceOp::create(rewriter, loc, filled, dest, offs, szs, strides);
    }
  return dest;
}

struct PadIntoProducer : OpRewritePattern<tensor::PadOp> {
  PadIntoProducer(MLIRContext *ctx, bool borderOnly) : OpRewritePattern(ctx), borderOnly(borderOnly) {}
  bool borderOnly;
  LogicalResult matchAndRewrite(tensor::PadOp pad, PatternRewriter &rewriter) const override {
    Value padValue = pad.getConstantPaddingValue();
    auto producer = pad.getSource().getDefiningOp<linalg::GenericOp>();
    if (!padValue || !producer || producer->getNumResults() != 1 || !pad.getSource().hasOneUse() ||
        !pad.getResultType().hasStaticShape() || (pad.hasZeroLowPad() && pad.hasZeroHighPad()))
      return rewriter.notifyMatchFailure(pad, "not a constant pad of a sole-use generic");
    OpOperand *init = producer.getDpsInitOperand(0);
    if (!init->get().getDefiningOp<tensor::EmptyOp>() || producer.payloadUsesValueFromOperand(init))
      return rewriter.notifyMatchFailure(pad, "the producer reads its destination");
    if (auto def = padValue.getDefiningOp(); def && !def->hasTrait<OpTrait::ConstantLike>())
      return rewriter.notifyMatchFailure(pad, "the pad value is computed");

    Location loc = pad.getLoc();
    RankedTensorType srcType = pad.getSourceType();
    SmallVector<OpFoldResult> offsets = pad.getMixedLowPad();
    SmallVector<OpFoldResult> sizes = getAsIndexOpFoldResult(rewriter.getContext(), srcType.getShape());
    SmallVector<OpFoldResult> strides(srcType.getRank(), rewriter.getIndexAttr(1));
    rewriter.setInsertionPoint(producer);
    if (Operation *def = padValue.getDefiningOp())
      def = rewriter.clone(*def), padValue = def->getResult(0);
    Value empty = tensor::EmptyOp::create(rewriter, loc, pad.getResultType().getShape(),
                                          pad.getResultType().getElementType());
    Value filled = borderOnly && !ShapedType::isDynamicShape(pad.getStaticLow())
                       ? fillBorder(rewriter, loc, padValue, empty, pad.getStaticLow(), srcType.getShape())
                       : linalg::FillOp::create(rewriter, loc, padValue, empty).getResult(0);
    Value interior = tensor::ExtractSliceOp::create(rewriter, loc, srcType, filled, offsets, sizes, strides);
    rewriter.modifyOpInPlace(producer, [&] { init->set(interior); });
    rewriter.setInsertionPoint(pad);
    rewriter.replaceOpWithNewOp<tensor::InsertSliceOp>(pad, producer->getResult(0), filled, offsets, sizes,
                                                       strides);
    return success();
  }
};

/// The empty tensor that `producer` (a generic with one result) writes,
/// directly or through a constant fill, when its result is all it writes;
/// null otherwise. `fill` is set to the fill, if any.
tensor::EmptyOp writtenEmpty(linalg::GenericOp producer, linalg::FillOp &fill) {
  if (producer->getNumResults() != 1)
    return {};
  OpOperand *init = producer.getDpsInitOperand(0);
  Value dest = init->get();
  fill = dest.getDefiningOp<linalg::FillOp>();
  if (fill) {
    if (!dest.hasOneUse() || !matchPattern(fill.getInputs()[0], m_Constant()))
      return {};
    dest = fill.getOutputs()[0];
  } else if (producer.payloadUsesValueFromOperand(init)) {
    return {};
  }
  auto empty = dest.getDefiningOp<tensor::EmptyOp>();
  return empty && dest.hasOneUse() ? empty : tensor::EmptyOp();
}

/// Moves `op` up to just after the last definition of its operands in its
/// block (or to the block's start).
void hoistToOperands(Operation *op) {
  Block *block = op->getBlock();
  Operation *after = nullptr;
  for (Value v : op->getOperands())
    if (Operation *def = v.getDefiningOp() ? block->findAncestorOpInBlock(*v.getDefiningOp()) : nullptr)
      if (!after || after->isBeforeInBlock(def))
        after = def;
  if (after)
    op->moveAfter(after);
  else
    op->moveBefore(&block->front());
}

/// Writes the concat that starts at `empty` in place (see the file comment).
void concatIntoProducers(tensor::EmptyOp empty) {
  SmallVector<tensor::InsertSliceOp> chain;
  for (Value acc = empty.getResult(); acc.hasOneUse();) {
    auto insert = dyn_cast<tensor::InsertSliceOp>(*acc.getUsers().begin());
    if (!insert || insert.getDest() != acc || insert->getBlock() != empty->getBlock())
      break;
    chain.push_back(insert);
    acc = insert.getResult();
  }
  if (chain.size() < 2 || !empty.getType().hasStaticShape())
    return;
  Block *block = empty->getBlock();
  empty->moveBefore(&block->front());
  for (auto [i, insert] : llvm::enumerate(chain)) {
    auto producer = insert.getSource().getDefiningOp<linalg::GenericOp>();
    linalg::FillOp fill;
    tensor::EmptyOp written = producer ? writtenEmpty(producer, fill) : tensor::EmptyOp();
    if (!written || !insert.getSource().hasOneUse() || !insert.hasUnitStride() || producer->getBlock() != block ||
        insert.getSourceType() != written.getType() || !insert.getOffsets().empty())
      continue;
    Operation *first = fill ? fill.getOperation() : producer.getOperation();
    // The part of the chain before this input must exist before its producer
    // runs: the inserts before it move up as far as their operands allow
    // (only when needed, as that lengthens the concat buffer's life).
    Operation *dest = insert.getDest().getDefiningOp();
    if (dest && !dest->isBeforeInBlock(first)) {
      for (tensor::InsertSliceOp earlier : ArrayRef(chain).take_front(i))
        hoistToOperands(earlier);
      if (!dest->isBeforeInBlock(first))
        continue;
    }
    OpBuilder b(first);
    Value slice = tensor::ExtractSliceOp::create(b, insert.getLoc(), insert.getSourceType(), insert.getDest(),
                                                 insert.getMixedOffsets(), insert.getMixedSizes(),
                                                 insert.getMixedStrides());
    written.getResult().replaceAllUsesWith(slice);
    written.erase();
    insert->moveAfter(producer);
  }
  // The concat's buffer lives from its first write on, not from the block's start.
  Operation *firstUser = nullptr;
  for (Operation *user : empty->getUsers())
    if (!firstUser || user->isBeforeInBlock(firstUser))
      firstUser = user;
  empty->moveBefore(firstUser);
}

struct PadIntoProducersPass : impl::PadIntoProducersBase<PadIntoProducersPass> {
  using PadIntoProducersBase::PadIntoProducersBase;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<PadIntoProducer>(&getContext(), borderOnly);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
    SmallVector<tensor::EmptyOp> empties;
    getOperation().walk([&](tensor::EmptyOp e) { // concat starts only: producers' empties get erased
      if (e->hasOneUse())
        if (auto insert = dyn_cast<tensor::InsertSliceOp>(*e->getUsers().begin()); insert && insert.getDest() == e)
          empties.push_back(e);
    });
    for (tensor::EmptyOp e : empties)
      concatIntoProducers(e);
  }
};
} // namespace
} // namespace onnxc::codegen
