// Drops the zero border of padded reduction inputs: the tiles read the interior with guarded loads (Cortex-M workspaces).
//
// After bufferization a padded input is a buffer P that a fill sets to the pad
// value and whose interior, a subview S, its producer writes (or a copy of a
// graph input fills). When the reduction is P's only reader, S's writers write
// a buffer of the interior's shape instead, P and the fill disappear, and the
// reduction's tiles map padded indices back into the interior.
#include "codegen/Passes.h"
#include "codegen/cpu/ReductionTiles.h"

using namespace mlir;

namespace onnxc::codegen {
namespace {

/// The constant a fill-like op writes over all of `buffer`, or null.
Value fillValue(Operation *op, Value buffer) {
  if (auto fill = dyn_cast<linalg::FillOp>(op))
    return fill.getOutputs()[0] == buffer ? fill.getInputs()[0] : Value();
  auto map = dyn_cast<linalg::MapOp>(op);
  if (!map || map.getInit() != buffer || !map.getInputs().empty())
    return {};
  Value yielded = map.getMapper().front().getTerminator()->getOperand(0);
  return yielded.getParentRegion() == &map.getMapper() ? Value() : yielded;
}

/// Whether every use of `s` is as the destination of a linalg op that does
/// not read it.
bool onlyWritten(Value s) {
  return llvm::all_of(s.getUses(), [](OpOperand &use) {
    auto op = dyn_cast<linalg::LinalgOp>(use.getOwner());
    return op && op.isDpsInit(&use) && !op.payloadUsesValueFromOperand(&use);
  });
}

/// The interior of input `in` as an Access, rewriting its writers; nothing
/// when the input is not a padded buffer that only `op` reads.
std::optional<Access> unpad(linalg::GenericOp op, OpOperand *in, SmallVectorImpl<Operation *> &deadAfter) {
  Value v = in->get();
  auto expand = v.getDefiningOp<memref::ExpandShapeOp>();
  if (expand) {
    if (!expand->hasOneUse())
      return std::nullopt;
    v = expand.getSrc();
  }
  auto alloc = v.getDefiningOp<memref::AllocOp>();
  if (!alloc || !alloc.getType().hasStaticShape() || !alloc.getType().getLayout().isIdentity())
    return std::nullopt;
  Operation *fill = nullptr;
  memref::SubViewOp interior;
  Value padValue;
  for (Operation *user : alloc->getUsers()) {
    if (user == op || user == expand)
      continue;
    if (Value value = fillValue(user, alloc); value && !fill) {
      fill = user;
      padValue = value;
    } else if (auto sv = dyn_cast<memref::SubViewOp>(user); sv && !interior) {
      interior = sv;
    } else {
      return std::nullopt;
    }
  }
  if (!fill || !interior || !interior.hasUnitStride() ||
      interior.getSourceType().getRank() != interior.getType().getRank() ||
      ShapedType::isDynamicShape(interior.getStaticOffsets()) || !onlyWritten(interior))
    return std::nullopt;
  // Fill and writers precede the reduction in the same block.
  Block *block = op->getBlock();
  SmallVector<Operation *> before{fill, interior};
  llvm::append_range(before, interior->getUsers());
  for (Operation *o : before)
    if (o->getBlock() != block || !o->isBeforeInBlock(op))
      return std::nullopt;

  // Padded indices (the op's view) -> interior offsets and sizes per view dim.
  ArrayRef<int64_t> offsets = interior.getStaticOffsets(), innerShape = interior.getType().getShape();
  Access access{Value(), op.getMatchingIndexingMap(in), {}, {}, padValue};
  if (expand) {
    for (auto [src, group] : llvm::enumerate(expand.getReassociationIndices())) {
      int64_t carriers = 0;
      for (int64_t d : group) {
        bool carries = expand.getResultType().getDimSize(d) != 1;
        carriers += carries;
        access.low.push_back(carries ? offsets[src] : 0);
        access.sizes.push_back(carries ? innerShape[src] : 1);
      }
      if (carriers > 1)
        return std::nullopt; // a padded axis split in two
    }
  } else {
    access.low.assign(offsets.begin(), offsets.end());
    access.sizes.assign(innerShape.begin(), innerShape.end());
  }

  // The interior's own buffer: a copied graph input is read in place.
  OpBuilder b(alloc);
  Value inner;
  SmallVector<Operation *> writers = llvm::to_vector(interior->getUsers());
  auto copy = writers.size() == 1 ? dyn_cast<linalg::CopyOp>(writers[0]) : linalg::CopyOp();
  if (copy && isa<BlockArgument>(copy.getInputs()[0]) &&
      cast<MemRefType>(copy.getInputs()[0].getType()).getLayout().isIdentity()) {
    inner = copy.getInputs()[0];
    deadAfter.push_back(copy);
  } else {
    inner = memref::AllocOp::create(b, alloc.getLoc(), MemRefType::get(innerShape, alloc.getType().getElementType()),
                                    alloc.getAlignmentAttr());
    for (Operation *w : writers)
      w->replaceUsesOfWith(interior, inner);
  }
  access.mem = inner;
  if (expand) {
    b.setInsertionPoint(op);
    auto type = MemRefType::get(access.sizes, alloc.getType().getElementType());
    access.mem = memref::ExpandShapeOp::create(b, expand.getLoc(), type, inner, expand.getReassociationIndices());
    deadAfter.push_back(expand);
  }
  deadAfter.append({fill, interior, alloc});
  return access;
}

} // namespace

DenseMap<unsigned, Access> unpadInputs(linalg::GenericOp op, SmallVectorImpl<Operation *> &deadAfter) {
  DenseMap<unsigned, Access> result;
  for (OpOperand *in : op.getDpsInputOperands())
    if (std::optional<Access> a = unpad(op, in, deadAfter))
      result[in->getOperandNumber()] = *a;
  return result;
}

} // namespace onnxc::codegen
