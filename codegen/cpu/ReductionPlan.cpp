// Chooses how a reduction is register-tiled: which output axis runs along the vector lanes, which along rows, and the tile size.
#include "codegen/cpu/ReductionPlan.h"
#include "codegen/cpu/VectorBody.h"

#include <cmath>

using namespace mlir;

namespace onnxc::codegen {


/// Coefficient of dimension `dim` in a linear expression (sum of c*d + k).
std::optional<int64_t> coefficientOf(AffineExpr e, int64_t dim) {
  if (auto d = dyn_cast<AffineDimExpr>(e))
    return d.getPosition() == dim ? 1 : 0;
  if (isa<AffineConstantExpr>(e))
    return 0;
  auto bin = dyn_cast<AffineBinaryOpExpr>(e);
  if (!bin)
    return std::nullopt;
  if (bin.getKind() == AffineExprKind::Add) {
    auto l = coefficientOf(bin.getLHS(), dim), r = coefficientOf(bin.getRHS(), dim);
    if (!l || !r)
      return std::nullopt;
    return *l + *r;
  }
  if (bin.getKind() == AffineExprKind::Mul) {
    auto k = dyn_cast<AffineConstantExpr>(bin.getRHS());
    auto l = coefficientOf(bin.getLHS(), dim);
    if (!k || !l)
      return std::nullopt;
    return *l * k.getValue();
  }
  return std::nullopt;
}

bool usesDim(AffineMap map, int64_t dim) {
  return map.isFunctionOfDim(dim);
}

static bool hasUnitInnerStride(Value v) {
  auto type = cast<MemRefType>(v.getType());
  SmallVector<int64_t> strides;
  int64_t offset;
  return succeeded(type.getStridesAndOffset(strides, offset)) && !strides.empty() &&
         strides.back() == 1;
}

/// Result of `map` that depends on `dim` when exactly one does, else -1.
int64_t lanePosition(AffineMap map, int64_t dim) {
  int64_t pos = -1;
  for (auto [i, e] : llvm::enumerate(map.getResults()))
    if (e.isFunctionOfDim(dim)) {
      if (pos >= 0)
        return -1;
      pos = i;
    }
  return pos;
}

/// The element distance between lanes when `a` varies along `dim` in its
/// innermost, unit-stride index only; else 0.
int64_t laneStrideAlong(const Access &a, int64_t dim) {
  int64_t pos = lanePosition(a.map, dim);
  if (pos < 0 || pos + 1 != (int64_t)a.map.getNumResults() || !hasUnitInnerStride(a.mem))
    return 0;
  return coefficientOf(a.map.getResult(pos), dim).value_or(0);
}

/// Whether `a` touches consecutive elements as `dim` steps.
bool isContiguousAlong(const Access &a, int64_t dim) { return laneStrideAlong(a, dim) == 1; }


Access accessOf(linalg::GenericOp op, OpOperand *operand) {
  return {operand->get(), op.getMatchingIndexingMap(operand)};
}

/// The output axis to spread across vector lanes, or -1. Inputs that vary
/// along it must do so in their innermost index only. Among such axes the best
/// score wins, the product of: filled vectors; how the inputs are loaded at
/// each reduction step (contiguous or not: a half, measured also for lanes a
/// small stride apart, read with one wide load and a shuffle); and, when the
/// output is not contiguous along the axis, the share of a tile's time left
/// to its K multiply-adds per accumulator next to scattering it (about
/// 2 * width operations). A 14x14 3x3 conv (K = 2304) takes its lanes along
/// 256 channels, not 14 of 16 pixels (resnet18 1T -12%); a stride-2 stem conv
/// with K = 27 keeps them along the image row.
static int64_t chooseLane(linalg::GenericOp op, ArrayRef<int64_t> extents, int64_t width) {
  AffineMap outMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  double reduction = 1;
  for (auto [d, it] : llvm::enumerate(op.getIteratorTypesArray()))
    if (it == utils::IteratorType::reduction)
      reduction *= extents[d];
  int64_t best = -1;
  double bestScore = 0;
  for (AffineExpr e : outMap.getResults()) {
    int64_t d = cast<AffineDimExpr>(e).getPosition();
    if (extents[d] < 2)
      continue;
    bool eligible = true, contiguous = true;
    for (OpOperand *in : op.getDpsInputOperands()) {
      AffineMap map = op.getMatchingIndexingMap(in);
      if (!usesDim(map, d))
        continue;
      eligible &= lanePosition(map, d) + 1 == (int64_t)map.getNumResults();
      contiguous &= isContiguousAlong(accessOf(op, in), d);
    }
    if (!eligible)
      continue;
    double fill = (double)extents[d] / (llvm::divideCeil(extents[d], width) * width);
    double score = fill * (contiguous ? 1.0 : fill >= 0.75 ? 0.5 : 0.25);
    if (!isContiguousAlong(accessOf(op, op.getDpsInitOperand(0)), d))
      score *= reduction / (reduction + 2.0 * width);
    if (score >= bestScore) {
      best = d;
      bestScore = score;
    }
  }
  return best;
}

std::optional<TilePlan> planFor(linalg::GenericOp op, int64_t vectorBits, int64_t maxAccumulators) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInits() != 1)
    return std::nullopt;
  if (!isVectorizableBody(op) ||
      !llvm::is_contained(op.getIteratorTypesArray(), utils::IteratorType::reduction))
    return std::nullopt;
  TilePlan plan;
  plan.extents = op.getStaticLoopRanges();
  if (llvm::any_of(plan.extents, [](int64_t e) { return e <= 0 || ShapedType::isDynamic(e); }))
    return std::nullopt;
  OpOperand *init = op.getDpsInitOperand(0);
  AffineMap outMap = op.getMatchingIndexingMap(init);
  if (outMap.getNumResults() == 0 || !outMap.isProjectedPermutation())
    return std::nullopt;
  auto iters = op.getIteratorTypesArray();
  for (int64_t d = 0; d < (int64_t)iters.size(); ++d)
    if ((iters[d] == utils::IteratorType::parallel) != usesDim(outMap, d))
      return std::nullopt;
  // Inputs: linear index expressions with non-negative coefficients.
  for (OpOperand *in : op.getDpsInputOperands())
    for (AffineExpr e : op.getMatchingIndexingMap(in).getResults())
      for (int64_t d = 0; d < (int64_t)plan.extents.size(); ++d)
        if (auto c = coefficientOf(e, d); !c || *c < 0)
          return std::nullopt;
  unsigned bits = getElementTypeOrSelf(init->get().getType()).getIntOrFloatBitWidth();
  plan.width = std::max<int64_t>(1, vectorBits / std::max(8u, bits));
  plan.lane = chooseLane(op, plan.extents, plan.width);
  if (plan.lane < 0)
    return std::nullopt;
  SmallVector<AffineMap> laneInputs;
  for (OpOperand *in : op.getDpsInputOperands())
    if (usesDim(op.getMatchingIndexingMap(in), plan.lane))
      laneInputs.push_back(op.getMatchingIndexingMap(in));
  // Rows: the innermost other output axis that no lane-carrying input reads.
  for (AffineExpr e : llvm::reverse(outMap.getResults())) {
    int64_t d = cast<AffineDimExpr>(e).getPosition();
    if (d != plan.lane && plan.extents[d] > 1 &&
        llvm::none_of(laneInputs, [&](AffineMap m) { return usesDim(m, d); })) {
      plan.row = d;
      break;
    }
  }
  int64_t laneVectorsNeeded = llvm::divideCeil(plan.extents[plan.lane], plan.width);
  // Scalar tiles (no vector registers) load one operand per row and one per
  // lane: a square tile loads the fewest per multiply-add. Vector tiles keep
  // all rows, each sharing the lane vectors' loads.
  // Vector tiles with a dozen or more accumulators take two lane vectors per row
  // (6x2 on AVX2, 12x2 on AVX-512 and NEON, as BLIS and MLAS do): per reduction
  // step 2 + rows loads feed 2 * rows FMAs, where one vector per row needs one
  // more load than FMAs. Lanes read element by element stay one vector wide;
  // lanes a small stride apart (one wide load and a shuffle) count as contiguous.
  int64_t rowLimit = maxAccumulators;
  if (plan.width == 1)
    rowLimit = std::max<int64_t>(maxAccumulators / std::min(laneVectorsNeeded, (int64_t)std::sqrt((double)maxAccumulators)), 1);
  else if (maxAccumulators >= 12 && laneVectorsNeeded >= 2 && plan.row >= 0 && plan.extents[plan.row] > 1 &&
           llvm::all_of(op.getDpsInputOperands(), [&](OpOperand *in) {
             int64_t stride = laneStrideAlong(accessOf(op, in), plan.lane);
             return !usesDim(op.getMatchingIndexingMap(in), plan.lane) || (stride >= 1 && stride <= kMaxShuffledStride);
           }))
    rowLimit = maxAccumulators / 2;
  // Row tiles that divide the rows when one is at least 2/3 of the limit (32
  // rows in 4 tiles of 8, not 11 + 11 + 10): one tile shape, no remainder
  // copy of the loop nest to compile. Else balanced: 7 rows in tiles of at
  // most 6 become 4 + 3, not 6 + 1.
  if (plan.row >= 0) {
    int64_t rows = plan.extents[plan.row];
    plan.rowTile = llvm::divideCeil(rows, llvm::divideCeil(rows, rowLimit));
    for (int64_t t = std::min(rowLimit, rows); 3 * t >= 2 * rowLimit && rows % plan.rowTile; --t)
      if (rows % t == 0)
        plan.rowTile = t;
  }
  plan.laneVectors = std::clamp<int64_t>(maxAccumulators / plan.rowTile, 1, laneVectorsNeeded);
  return plan;
}

/// Whether every access that varies along the lanes does so in one index.
bool lanesAddressable(ArrayRef<Access> accesses, int64_t lane) {
  return llvm::all_of(accesses, [&](const Access &a) {
    return !a.mem || !usesDim(a.map, lane) || lanePosition(a.map, lane) >= 0;
  });
}

} // namespace onnxc::codegen
