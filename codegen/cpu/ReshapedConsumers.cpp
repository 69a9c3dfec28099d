// Lines up an elementwise consumer that reads a reduction's result through reshapes with the reduction's iteration space.
//
// A 1x1 conv is computed over flattened pixels ([1, 1, M, H*W]) and its
// activation reads the result as NCHW through collapse_shape + expand_shape.
// The fusion into tiles (findTileFusion) needs the activation to read the
// result at its own iteration point, so one of the two moves:
//   - the activation is rebuilt in the result's shape, its other operands
//     reshaped (when their merged dims are contiguous);
//   - else the reduction (and the generic that seeds its buffer) is rebuilt
//     with the flattened dim split as the activation's dims (H*W as H, W),
//     when every operand indexes that dim plainly: then the activation's
//     operands need no merge (an activation writing into a padded buffer's
//     interior, whose rows are not contiguous).
#include "codegen/cpu/ReductionTiles.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"

using namespace mlir;

namespace onnxc::codegen {
namespace {

/// Groups of `a`'s and `b`'s dims with equal products, as fine as possible
/// ([1,1,16,3025] and [1,16,55,55]: {0}{1,2}{3} and {0}{1}{2,3}); nothing when
/// the element counts differ or a shape is dynamic.
std::optional<std::pair<SmallVector<ReassociationIndices>, SmallVector<ReassociationIndices>>>
commonGroups(ArrayRef<int64_t> a, ArrayRef<int64_t> b) {
  if (ShapedType::isDynamicShape(a) || ShapedType::isDynamicShape(b) || a.empty() || b.empty())
    return std::nullopt;
  SmallVector<ReassociationIndices> ga, gb;
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    ReassociationIndices x{(int64_t)i}, y{(int64_t)j};
    int64_t pa = a[i++], pb = b[j++];
    while (pa != pb) {
      if (pa < pb && i < a.size()) {
        pa *= a[i];
        x.push_back(i++);
      } else if (pb < pa && j < b.size()) {
        pb *= b[j];
        y.push_back(j++);
      } else {
        return std::nullopt;
      }
    }
    ga.push_back(x);
    gb.push_back(y);
  }
  for (; i < a.size(); ++i) { // trailing unit dims join the last group
    if (a[i] != 1)
      return std::nullopt;
    ga.back().push_back(i);
  }
  for (; j < b.size(); ++j) {
    if (b[j] != 1)
      return std::nullopt;
    gb.back().push_back(j);
  }
  return std::make_pair(ga, gb);
}


/// An elementwise generic that reads `buffer` through a chain of two or more
/// reshapes (each used once), the value it reads, and the chain.
struct ReshapedConsumer {
  linalg::GenericOp consumer;
  Value read;
  SmallVector<Operation *> chain;
};

std::optional<ReshapedConsumer> reshapedConsumerOf(Value buffer) {
  ReshapedConsumer r{{}, buffer, {}};
  Operation *user = nullptr;
  for (Operation *u : buffer.getUsers())
    if (isa<memref::CollapseShapeOp, memref::ExpandShapeOp>(u))
      user = u;
  while (user && isa<memref::CollapseShapeOp, memref::ExpandShapeOp>(user) && user->hasOneUse() &&
         user->getBlock() == buffer.getParentBlock()) {
    r.chain.push_back(user);
    r.read = user->getResult(0);
    user = *user->getUsers().begin();
  }
  r.consumer = dyn_cast_or_null<linalg::GenericOp>(user);
  linalg::GenericOp c = r.consumer;
  if (r.chain.size() < 2 || !c || !c.hasPureBufferSemantics() || c.getNumReductionLoops() ||
      !llvm::all_of(c.getIndexingMapsArray(), [](AffineMap m) { return m.isIdentity(); }) ||
      !c.getBody()->getOps<linalg::IndexOp>().empty() ||
      !llvm::all_of(c->getOperands(), [](Value v) { return isa<MemRefType>(v.getType()); }))
    return std::nullopt;
  return r;
}

/// Rebuilds `g` with `operands` (in operand order), `maps` and `iterators`,
/// moving its body over; `g` is erased.
linalg::GenericOp rebuild(linalg::GenericOp g, ArrayRef<Value> operands, ArrayRef<AffineMap> maps,
                          ArrayRef<utils::IteratorType> iterators) {
  OpBuilder b(g);
  unsigned inputs = g.getNumDpsInputs();
  auto rebuilt = linalg::GenericOp::create(b, g.getLoc(), TypeRange{}, operands.take_front(inputs),
                                           operands.drop_front(inputs), maps, iterators);
  rebuilt.getRegion().takeBody(g.getRegion());
  for (NamedAttribute a : g->getDiscardableAttrs())
    rebuilt->setAttr(a.getName(), a.getValue());
  g.erase();
  return rebuilt;
}

/// The consumer rebuilt in `buffer`'s shape, or false when an operand's merged
/// dims are not contiguous.
bool iterateConsumerInBufferShape(Value buffer, ReshapedConsumer r) {
  auto to = cast<MemRefType>(buffer.getType());
  auto groups = commonGroups(to.getShape(), cast<MemRefType>(r.read.getType()).getShape());
  if (!groups)
    return false;
  auto &[toGroups, fromGroups] = *groups;
  for (Value v : r.consumer->getOperands())
    if (v != r.read && !memref::CollapseShapeOp::isGuaranteedCollapsible(cast<MemRefType>(v.getType()), fromGroups))
      return false;
  OpBuilder b(r.consumer);
  Location loc = r.consumer.getLoc();
  SmallVector<Value> operands;
  for (Value v : r.consumer->getOperands()) {
    if (v == r.read) {
      operands.push_back(buffer);
      continue;
    }
    Value c = memref::CollapseShapeOp::create(b, loc, v, fromGroups);
    operands.push_back(memref::ExpandShapeOp::create(b, loc, to.getShape(), c, toGroups));
  }
  auto identity = AffineMap::getMultiDimIdentityMap(to.getRank(), b.getContext());
  rebuild(r.consumer, operands, SmallVector<AffineMap>(operands.size(), identity),
          SmallVector<utils::IteratorType>(to.getRank(), utils::IteratorType::parallel));
  for (Operation *op : llvm::reverse(r.chain))
    if (op->use_empty())
      op->erase();
  return true;
}

/// `e` with `g`'s single-iteration loops replaced by 0 (a 1x1 conv reads its
/// input at `p + kw`, kw in [0, 1)).
AffineExpr withoutUnitLoops(linalg::GenericOp g, AffineExpr e) {
  SmallVector<int64_t> ranges = g.getStaticLoopRanges();
  SmallVector<AffineExpr> dims;
  for (auto [d, extent] : llvm::enumerate(ranges))
    dims.push_back(extent == 1 ? getAffineConstantExpr(0, g.getContext()) : getAffineDimExpr(d, g.getContext()));
  return simplifyAffineExpr(e.replaceDims(dims), ranges.size(), 0);
}

/// Whether every result of `g`'s maps that uses `loop` is that loop alone
/// (up to single-iteration loops, each also used by another result).
bool indexesPlainly(linalg::GenericOp g, int64_t loop) {
  AffineExpr plain = getAffineDimExpr(loop, g.getContext());
  SmallVector<int64_t> ranges = g.getStaticLoopRanges();
  for (AffineMap map : g.getIndexingMapsArray())
    for (AffineExpr e : map.getResults()) {
      if (!e.isFunctionOfDim(loop))
        continue;
      if (withoutUnitLoops(g, e) != plain)
        return false;
      for (auto [d, extent] : llvm::enumerate(ranges))
        if (extent == 1 && (int64_t)d != loop && e.isFunctionOfDim(d) &&
            llvm::none_of(g.getIndexingMapsArray(), [&](AffineMap m) {
              return llvm::any_of(m.getResults(), [&](AffineExpr o) {
                return !o.isFunctionOfDim(loop) && o.isFunctionOfDim(d);
              });
            }))
          return false;
    }
  return true;
}

/// `g` with loop `loop` split into loops of `extents` (outermost first): each
/// operand that indexes it (as the loop alone, see indexesPlainly) is
/// expanded there, and `buffer` becomes `refined` (already of that shape).
void splitLoop(linalg::GenericOp g, int64_t loop, ArrayRef<int64_t> extents, Value buffer, Value refined) {
  MLIRContext *ctx = g.getContext();
  int64_t parts = extents.size(), dims = g.getNumLoops() + parts - 1;
  auto dimOf = [&](int64_t d) { return d < loop ? d : d + parts - 1; };
  SmallVector<AffineExpr> renamed;
  for (int64_t d = 0; d < (int64_t)g.getNumLoops(); ++d)
    renamed.push_back(getAffineDimExpr(dimOf(d), ctx));
  OpBuilder b(g);
  SmallVector<Value> operands;
  SmallVector<AffineMap> maps;
  for (OpOperand &operand : g->getOpOperands()) {
    AffineMap map = g.getMatchingIndexingMap(&operand);
    SmallVector<AffineExpr> results;
    SmallVector<ReassociationIndices> groups;
    SmallVector<int64_t> shape;
    ArrayRef<int64_t> old = cast<MemRefType>(operand.get().getType()).getShape();
    for (auto [i, e] : llvm::enumerate(map.getResults())) {
      ReassociationIndices group;
      if (e.isFunctionOfDim(loop)) { // the loop alone (indexesPlainly)
        for (int64_t p = 0; p < parts; ++p) {
          group.push_back(results.size());
          results.push_back(getAffineDimExpr(loop + p, ctx));
          shape.push_back(extents[p]);
        }
      } else {
        group.push_back(results.size());
        results.push_back(e.replaceDims(renamed));
        shape.push_back(old[i]);
      }
      groups.push_back(group);
    }
    maps.push_back(AffineMap::get(dims, 0, results, ctx));
    Value v = operand.get();
    if (v == buffer)
      operands.push_back(refined);
    else if (shape.size() != old.size())
      operands.push_back(memref::ExpandShapeOp::create(b, g.getLoc(), shape, v, groups));
    else
      operands.push_back(v);
  }
  SmallVector<utils::IteratorType> iterators = g.getIteratorTypesArray();
  iterators.insert(iterators.begin() + loop, parts - 1, iterators[loop]);
  rebuild(g, operands, maps, iterators);
}

/// Splits the reduction's flattened dim as the consumer's dims (see the top
/// of the file): the refined buffer, or null when the shapes or maps do not
/// allow it.
Value splitReductionToConsumerShape(linalg::GenericOp op, memref::AllocOp alloc, ReshapedConsumer r) {
  ArrayRef<int64_t> from = alloc.getType().getShape();
  auto groups = commonGroups(from, cast<MemRefType>(r.read.getType()).getShape());
  if (!groups || !alloc.getType().getLayout().isIdentity())
    return {};
  // Exactly one dim of the buffer splits into several of the consumer's.
  int64_t splitDim = -1;
  SmallVector<int64_t> extents, refinedShape;
  for (auto [x, y] : llvm::zip(groups->first, groups->second)) {
    if (x.size() == 1 && y.size() > 1) {
      if (splitDim >= 0)
        return {};
      splitDim = x[0];
      for (int64_t d : y)
        extents.push_back(cast<MemRefType>(r.read.getType()).getDimSize(d));
      refinedShape.append(extents);
    } else if (y.size() == 1 || x.size() == 1) {
      for (int64_t d : x)
        refinedShape.push_back(from[d]);
    } else {
      return {};
    }
  }
  if (splitDim < 0)
    return {};
  // The generics writing the buffer (the reduction and its seed), each
  // indexing the split dim's loop as a plain dim only; nothing else but the
  // chain uses the buffer.
  SmallVector<std::pair<linalg::GenericOp, int64_t>> writers;
  for (Operation *user : alloc->getUsers()) {
    if (llvm::is_contained(r.chain, user))
      continue;
    auto g = dyn_cast<linalg::GenericOp>(user);
    if (!g || !g.hasPureBufferSemantics() || g.getNumDpsInits() != 1 || g.getDpsInits()[0] != alloc.getResult() ||
        !g.getBody()->getOps<linalg::IndexOp>().empty() ||
        llvm::is_contained(g.getDpsInputs(), alloc.getResult()))
      return {};
    auto outDim = dyn_cast<AffineDimExpr>(g.getMatchingIndexingMap(g.getDpsInitOperand(0)).getResult(splitDim));
    if (!outDim)
      return {};
    int64_t loop = outDim.getPosition();
    if (!indexesPlainly(g, loop))
      return {};
    writers.push_back({g, loop});
  }
  if (!llvm::is_contained(llvm::make_first_range(writers), op))
    return {};
  OpBuilder b(alloc);
  auto refinedType = MemRefType::get(refinedShape, alloc.getType().getElementType());
  auto refined = memref::AllocOp::create(b, alloc.getLoc(), refinedType, alloc.getAlignmentAttr());
  for (auto [g, loop] : writers)
    splitLoop(g, loop, extents, alloc.getResult(), refined.getResult());
  SmallVector<ReassociationIndices> merge;
  for (int64_t d = 0, i = 0; d < (int64_t)from.size(); ++d) {
    ReassociationIndices group{i++};
    if (d == splitDim)
      for (size_t p = 1; p < extents.size(); ++p)
        group.push_back(i++);
    merge.push_back(group);
  }
  Value view = memref::CollapseShapeOp::create(b, alloc.getLoc(), refined, merge);
  alloc.getResult().replaceAllUsesWith(view);
  alloc.erase();
  return refined.getResult();
}

} // namespace

void alignReshapedConsumer(linalg::GenericOp op, bool splitReductions) {
  auto alloc = op.getDpsInitOperand(0)->get().getDefiningOp<memref::AllocOp>();
  if (!alloc)
    return;
  std::optional<ReshapedConsumer> r = reshapedConsumerOf(alloc);
  if (!r || iterateConsumerInBufferShape(alloc, *r) || !splitReductions)
    return;
  Value refined = splitReductionToConsumerShape(op, alloc, *r);
  if (!refined)
    return;
  // The refined buffer's reshapes lead to the consumer, whose dims now line up
  // with it group by group.
  if (std::optional<ReshapedConsumer> again = reshapedConsumerOf(refined))
    iterateConsumerInBufferShape(refined, *again);
}

} // namespace onnxc::codegen
