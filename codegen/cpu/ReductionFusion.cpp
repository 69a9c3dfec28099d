// Finds the elementwise producer and consumer a reduction's tiles can absorb (bias, activation).
//
// The reduction's output buffer B must be a local allocation used only by
//   P (optional): an all-parallel generic that fills B from constants, and
//   E (optional): an all-parallel generic that reads B (directly or through a
//                 collapse_shape) at its own iteration point and writes C
//                 (alignReshapedConsumer lines up longer reshape chains first),
// with nothing that touches memory between the reduction and E. Then P's body
// seeds the accumulators, E's body maps them, and B disappears.
#include "codegen/cpu/ReductionTiles.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Transforms/RegionUtils.h"

using namespace mlir;

namespace onnxc::codegen {
namespace {

bool isAllParallel(linalg::GenericOp g) {
  return g.getNumReductionLoops() == 0 && g.getNumDpsInits() == 1 && g.hasPureBufferSemantics() &&
         g.getMatchingIndexingMap(g.getDpsInitOperand(0)).isIdentity();
}

/// Whether the ops strictly between `a` and `b` (same block) leave memory alone.
bool nothingTouchesMemoryBetween(Operation *a, Operation *b) {
  for (Operation *op = a->getNextNode(); op && op != b; op = op->getNextNode())
    if (!isMemoryEffectFree(op))
      return false;
  return true;
}

/// Whether `v` exists at `point` (defined above it, or a block argument of an enclosing block).
bool availableAt(Value v, Operation *point) {
  Operation *def = v.getDefiningOp();
  if (!def)
    return cast<BlockArgument>(v).getOwner()->getParentOp()->isAncestor(point);
  return def->getBlock() == point->getBlock() && def->isBeforeInBlock(point);
}

/// Moves the set-up strictly between `op` and `consumer` above `op`:
/// allocations, views and (with `fills`) the fills of buffers allocated there (the zero
/// border of a padded buffer the consumer writes into), when their operands
/// exist above `op`. Then the consumer's buffers exist where the tiles are
/// built, and only ops that touch `op`'s data stay between the two.
void hoistSetupAbove(Operation *op, Operation *consumer, bool fills) {
  SmallVector<Operation *> between;
  for (Operation *x = op->getNextNode(); x && x != consumer; x = x->getNextNode())
    between.push_back(x);
  SmallPtrSet<Operation *, 8> hoisted;
  for (Operation *x : between) {
    if (!llvm::all_of(x->getOperands(), [&](Value v) { return availableAt(v, op); }))
      continue;
    bool setup = isa<memref::AllocOp>(x) || (isMemoryEffectFree(x) && x->getNumRegions() == 0);
    if (auto fill = dyn_cast<linalg::FillOp>(x)) {
      Value buffer = fill.getDpsInitOperand(0)->get();
      setup = fills && fill.hasPureBufferSemantics() && hoisted.contains(buffer.getDefiningOp()) &&
              llvm::all_of(buffer.getUsers(), [&](Operation *u) {
                return u == x || hoisted.contains(u) || !llvm::is_contained(between, u) ||
                       x->isBeforeInBlock(u);
              });
    }
    if (!setup)
      continue;
    x->moveBefore(op);
    hoisted.insert(x);
  }
}

/// Whether the values `g`'s body takes from outside exist at `point` (constants are rematerialized).
bool capturesAvailableAt(linalg::GenericOp g, Operation *point) {
  SetVector<Value> captured;
  getUsedValuesDefinedAbove(g.getRegion(), captured);
  return llvm::all_of(captured, [&](Value v) {
    Operation *def = v.getDefiningOp();
    return (def && def->hasTrait<OpTrait::ConstantLike>()) || availableAt(v, point);
  });
}

/// Indices of a collapse_shape's result as linear functions of its source's.
AffineMap collapsedIndices(memref::CollapseShapeOp collapse) {
  MLIRContext *ctx = collapse.getContext();
  ArrayRef<int64_t> src = collapse.getSrcType().getShape();
  SmallVector<AffineExpr> exprs;
  for (ReassociationIndices group : collapse.getReassociationIndices()) {
    AffineExpr e = getAffineConstantExpr(0, ctx);
    for (int64_t d : group)
      e = e * src[d] + getAffineDimExpr(d, ctx);
    exprs.push_back(e);
  }
  return AffineMap::get(src.size(), 0, exprs, ctx);
}

} // namespace

TileFusion findTileFusion(linalg::GenericOp op, bool intoPaddedBuffers) {
  TileFusion f;
  OpOperand *init = op.getDpsInitOperand(0);
  AffineMap outMap = op.getMatchingIndexingMap(init);
  f.result = {init->get(), outMap};
  auto alloc = init->get().getDefiningOp<memref::AllocOp>();
  if (!alloc || alloc->getBlock() != op->getBlock())
    return f;

  // Sort B's other users into the producer, the consumer and the rest.
  linalg::GenericOp producer, consumer;
  memref::CollapseShapeOp view;
  bool othersAfterOnly = true, others = false;
  Block *block = op->getBlock();
  for (Operation *user : alloc->getUsers()) {
    if (user == op.getOperation())
      continue;
    Operation *top = block->findAncestorOpInBlock(*user);
    if (!top)
      return f;
    if (top != user) { // inside a loop nest: an op the fusion cannot move
      others = true;
      othersAfterOnly &= op->isBeforeInBlock(top);
      continue;
    }
    auto g = dyn_cast<linalg::GenericOp>(user);
    if (g && !producer && isAllParallel(g) && g.getDpsInitOperand(0)->get() == alloc &&
        g->isBeforeInBlock(op) && g.getRegionOutputArgs()[0].use_empty() &&
        llvm::all_of(g.getDpsInputs(),
                     [](Value v) { return v.getDefiningOp<memref::GetGlobalOp>(); })) {
      producer = g;
      continue;
    }
    auto c = dyn_cast<memref::CollapseShapeOp>(user);
    if (c && !view && c->hasOneUse() && c->getUsers().begin()->getBlock() == block)
      g = dyn_cast<linalg::GenericOp>(*c->getUsers().begin());
    if (g && !consumer && (!c || !view) && isAllParallel(g) && op->isBeforeInBlock(g)) {
      consumer = g;
      view = c;
      continue;
    }
    others = true;
    othersAfterOnly &= op->isBeforeInBlock(user);
  }
  if (others) {
    consumer = {}; // B stays: other ops read it
    if (!othersAfterOnly)
      return f;
  }
  if (consumer) {
    // The consumer reads B once, at its own iteration point, and writes elsewhere.
    Value read = view ? view.getResult() : alloc.getResult();
    SmallVector<OpOperand *> uses;
    for (OpOperand *in : consumer.getDpsInputOperands())
      if (in->get() == read)
        uses.push_back(in);
    Value out = consumer.getDpsInitOperand(0)->get();
    if (uses.size() == 1)
      hoistSetupAbove(op, consumer, intoPaddedBuffers);
    if (uses.size() != 1 || !nothingTouchesMemoryBetween(op, consumer) ||
        !llvm::all_of(consumer->getOperands(), [&](Value v) { return v == read || availableAt(v, op); }) ||
        !capturesAvailableAt(consumer, op) ||
        !consumer.getMatchingIndexingMap(uses[0]).isIdentity() ||
        cast<MemRefType>(out.getType()).getShape() != cast<MemRefType>(read.getType()).getShape())
      return f;
    OpOperand *accInput = uses[0];
    AffineMap toConsumer = (view ? collapsedIndices(view) : AffineMap::getMultiDimIdentityMap(
                                                                 outMap.getNumResults(), op.getContext()))
                               .compose(outMap);
    for (OpOperand *in : consumer.getDpsInputOperands())
      f.epilogueInputs.push_back(
          {in == accInput ? Value() : in->get(), consumer.getMatchingIndexingMap(in).compose(toConsumer)});
    f.epilogue = consumer;
    f.result = {out, toConsumer};
  }
  if (producer) {
    f.prologue = producer;
    for (OpOperand *in : producer.getDpsInputOperands())
      f.prologueInputs.push_back({in->get(), producer.getMatchingIndexingMap(in).compose(outMap)});
  }
  // With a consumer, B is dead; without one, B still holds the result.
  if (f.epilogue) {
    f.deadAfter.push_back(f.epilogue);
    if (view)
      f.deadAfter.push_back(view);
  }
  if (f.prologue)
    f.deadAfter.push_back(f.prologue);
  return f;
}

} // namespace onnxc::codegen
