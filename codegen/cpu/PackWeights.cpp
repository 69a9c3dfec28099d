// Packs constant reduction operands (Conv, Gemm with transposed B, recurrent weights) for the CPU's vector loads.
//
// The lowering produces canonical layouts. A register tile spreads the output's
// innermost axis across vector lanes, so a constant operand of a reduction
// that varies along that axis is stored with it innermost: its data is
// permuted at compile time and its indexing map permuted to match. A constant
// (dense or dense_resource) seen through reshapes and a static unit-stride
// tensor.extract_slice is sliced too.
#include "codegen/Passes.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/DialectResourceBlobManager.h"

using namespace mlir;

namespace onnxc::codegen {
#define GEN_PASS_DEF_PACKWEIGHTS
#include "codegen/Passes.h.inc"

namespace {

/// Constant data seen through optional reshapes and a static slice: the raw
/// row-major bytes (dense or dense_resource) in the reshaped `type`, and the
/// slice's offsets and sizes (the whole tensor without a slice).
struct ConstantView {
  ArrayRef<char> raw;
  Attribute splat; // set instead of `raw` for a splat
  RankedTensorType type;
  SmallVector<int64_t> offsets, sizes;
};

std::optional<ConstantView> constantView(Value v) {
  ConstantView view;
  bool sliced = false;
  if (auto slice = v.getDefiningOp<tensor::ExtractSliceOp>()) {
    if (!slice.hasUnitStride() || slice.getResultType().getRank() != slice.getSourceType().getRank() ||
        ShapedType::isDynamicShape(slice.getStaticOffsets()) || ShapedType::isDynamicShape(slice.getStaticSizes()))
      return std::nullopt;
    view.offsets.assign(slice.getStaticOffsets().begin(), slice.getStaticOffsets().end());
    view.sizes.assign(slice.getStaticSizes().begin(), slice.getStaticSizes().end());
    sliced = true;
    v = slice.getSource();
  }
  view.type = dyn_cast<RankedTensorType>(v.getType());
  // Row-major reshapes keep the bytes; only the view's shape changes.
  while (v.getDefiningOp<tensor::CollapseShapeOp>() || v.getDefiningOp<tensor::ExpandShapeOp>())
    v = v.getDefiningOp()->getOperand(0);
  auto constant = v.getDefiningOp<arith::ConstantOp>();
  if (!constant || !view.type || !view.type.hasStaticShape() ||
      getElementTypeOrSelf(view.type).getIntOrFloatBitWidth() % 8 != 0)
    return std::nullopt;
  if (auto dense = dyn_cast<DenseElementsAttr>(constant.getValue())) {
    if (dense.isSplat())
      view.splat = dense.getSplatValue<Attribute>();
    else
      view.raw = dense.getRawData();
  } else if (auto resource = dyn_cast<DenseResourceElementsAttr>(constant.getValue())) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return std::nullopt;
    view.raw = blob->getData();
  } else {
    return std::nullopt;
  }
  size_t bytes = view.type.getNumElements() * (view.type.getElementTypeBitWidth() / 8);
  if (!view.splat && view.raw.size() != bytes)
    return std::nullopt;
  if (!sliced) {
    view.offsets.assign(view.type.getRank(), 0);
    view.sizes.assign(view.type.getShape().begin(), view.type.getShape().end());
  }
  return view;
}

/// `view`'s elements with dimension perm[i] of the view as dimension i.
DenseElementsAttr permuted(const ConstantView &view, ArrayRef<int64_t> perm) {
  int64_t rank = view.type.getRank();
  SmallVector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(view.sizes[p]);
  auto type = RankedTensorType::get(shape, view.type.getElementType());
  if (view.splat)
    return DenseElementsAttr::get(type, view.splat);
  size_t elemBytes = view.type.getElementTypeBitWidth() / 8;
  SmallVector<int64_t> srcStrides(rank, 1);
  for (int64_t d = rank - 2; d >= 0; --d)
    srcStrides[d] = srcStrides[d + 1] * view.type.getDimSize(d + 1);
  int64_t count = type.getNumElements();
  std::vector<char> out(count * elemBytes);
  SmallVector<int64_t> idx(rank, 0); // index in the new layout
  for (int64_t i = 0; i < count; ++i) {
    int64_t src = 0;
    for (int64_t d = 0; d < rank; ++d)
      src += (view.offsets[perm[d]] + idx[d]) * srcStrides[perm[d]];
    std::memcpy(&out[i * elemBytes], &view.raw[src * elemBytes], elemBytes);
    for (int64_t d = rank - 1; d >= 0 && ++idx[d] == shape[d]; --d)
      idx[d] = 0;
  }
  return DenseElementsAttr::getFromRawBuffer(type, ArrayRef<char>(out));
}

/// The permutation that stores the operand with its parallel indices first,
/// then its reduction indices in the order the register tiles loop over them
/// (innermostLongestReduction: a 3x3 conv's channels after its taps), then
/// the index along the output's innermost (non-unit) axis that it reads, so
/// a tile's vector loads and its reduction steps walk memory in order.
/// Nothing when that is the current layout.
std::optional<SmallVector<int64_t>> packingOf(linalg::GenericOp op, AffineMap map) {
  AffineMap outMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  SmallVector<int64_t> extents = op.getStaticLoopRanges();
  std::optional<unsigned> lanePos;
  for (AffineExpr e : llvm::reverse(outMap.getResults())) {
    auto dim = dyn_cast<AffineDimExpr>(e);
    if (!dim || extents[dim.getPosition()] == 1)
      continue;
    if ((lanePos = map.getResultPosition(e)))
      break;
  }
  SmallVector<int64_t> parallel, reduction;
  for (int64_t i = 0; i < (int64_t)map.getNumResults(); ++i) {
    if (lanePos && i == (int64_t)*lanePos)
      continue;
    (outMap.getResultPosition(map.getResult(i)) ? parallel : reduction).push_back(i);
  }
  innermostLongestReduction(reduction, [&](int64_t i) { return extents[map.getDimPosition(i)]; });
  SmallVector<int64_t> perm(parallel);
  perm.append(reduction);
  if (lanePos)
    perm.push_back(*lanePos);
  if (llvm::equal(perm, llvm::seq<int64_t>(0, perm.size())))
    return std::nullopt;
  return perm;
}

void packOperands(linalg::GenericOp op) {
  if (op.getNumDpsInits() != 1 || op.getNumReductionLoops() == 0 || !op.hasPureTensorSemantics())
    return;
  for (OpOperand *in : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(in);
    // A constant shared by several ops (identical layers deduplicated by the exporter) is
    // packed for each; equal packed constants are one global after bufferization.
    if (!map.isProjectedPermutation())
      continue;
    std::optional<ConstantView> view = constantView(in->get());
    if (!view)
      continue;
    std::optional<SmallVector<int64_t>> perm = packingOf(op, map);
    if (!perm)
      continue;
    OpBuilder b(op);
    Value packed = arith::ConstantOp::create(b, in->get().getLoc(), permuted(*view, *perm));
    SmallVector<AffineExpr> exprs;
    for (int64_t p : *perm)
      exprs.push_back(map.getResult(p));
    SmallVector<AffineMap> maps = op.getIndexingMapsArray();
    maps[in->getOperandNumber()] = AffineMap::get(map.getNumDims(), 0, exprs, op.getContext());
    Operation *old = in->get().getDefiningOp();
    in->set(packed);
    op.setIndexingMapsAttr(b.getAffineMapArrayAttr(maps));
    // The unpacked constant (and its slice) go when nothing else reads them.
    while (old && old->use_empty()) {
      Operation *next = old->getNumOperands() ? old->getOperand(0).getDefiningOp() : nullptr;
      old->erase();
      old = next;
    }
  }
}

struct PackWeightsPass : impl::PackWeightsBase<PackWeightsPass> {
  void runOnOperation() override {
    SmallVector<linalg::GenericOp> ops;
    getOperation().walk([&](linalg::GenericOp op) { ops.push_back(op); });
    for (linalg::GenericOp op : ops)
      packOperands(op);
  }
};

} // namespace
} // namespace onnxc::codegen
