// Vectorizes elementwise linalg generics and copies on buffers: trailing contiguous axes as one lane loop, threaded.
//
// An all-parallel generic that writes its output at its own iteration point
// becomes
//   for each point of the leading ("outer") axes:
//     for v in 0 .. P / W:   out[outer, v*W .. v*W+W) = body(inputs)
//     one masked vector for the last P % W elements
// where the trailing ("flat") axes, P elements in all, are those that every
// operand reads contiguously and in order, or not at all: a residual add over
// [1, C, H, W] is one flat loop; a per-channel scale over it loops over C
// outside a flat H*W loop, its scale loaded once per channel and broadcast.
// An input may read a single flat axis 2-4 elements apart (max pooling's
// strided window views): one masked wide load and a shuffle per vector.
// W is the target's vector width for the widest element type involved. The
// outermost loop with enough iterations is marked `onnxc.parallel` when the
// op's work (elements times the body's cost) repays waking the thread pool.
// A reduction over trailing axes that its inputs read contiguously (global
// average pooling, the row sums and maxima of Softmax and LayerNorm) runs the
// same flat loop with vector accumulators, 4 independent ones for latency,
// and one horizontal reduction per output element; its body must end in one
// combining op (add, mul, min, max, and, or, xor) of the output. Generics that
// fit no such plan (transposes, gathers) keep their scalar loops.
#include "codegen/Passes.h"
#include "codegen/cpu/VectorBody.h"
#include "target/TargetInfo.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;

namespace onnxc::codegen {
#define GEN_PASS_DEF_VECTORIZEELEMENTWISE
#include "codegen/Passes.h.inc"

namespace {

/// Whether the last `count` dimensions of `type` form one contiguous run.
bool trailingContiguous(MemRefType type, int64_t count) {
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(type.getStridesAndOffset(strides, offset)) || count > type.getRank())
    return false;
  int64_t rank = type.getRank(), expected = 1;
  for (int64_t i = rank - 1; i >= rank - count; --i) {
    if (strides[i] != expected && type.getDimSize(i) != 1)
      return false;
    expected *= type.getDimSize(i);
  }
  return true;
}

/// The innermost stride of `type`, or 0 when its layout is not strided.
int64_t innermostStride(MemRefType type) {
  SmallVector<int64_t> strides;
  int64_t offset;
  if (type.getRank() == 0 || failed(type.getStridesAndOffset(strides, offset)) ||
      ShapedType::isDynamic(strides.back()))
    return 0;
  return strides.back();
}

/// How one operand takes part: `flat` operands read the flat axes as their
/// last results, `stride` elements apart (more than 1 only for an input with
/// one flat axis); the others read none of them.
struct OperandPlan {
  OpOperand *operand;
  AffineMap map;
  bool flat;
  int64_t stride = 1;
};

/// The op that folds one element into a reduction's output, with its vector
/// kind and the identity its accumulators start from.
struct Combiner {
  vector::CombiningKind kind;
  arith::AtomicRMWKind identity;
};

/// The combiner of a reduction body that yields `combine(out, f(inputs))`.
std::optional<Combiner> combinerOf(linalg::GenericOp op) {
  BlockArgument out = op.getRegionOutputArgs()[0];
  Operation *last = op.getBody()->getTerminator()->getOperand(0).getDefiningOp();
  if (!last || !out.hasOneUse() || *out.getUsers().begin() != last || last->getNumOperands() != 2)
    return std::nullopt;
  using K = vector::CombiningKind;
  using A = arith::AtomicRMWKind;
  return llvm::TypeSwitch<Operation *, std::optional<Combiner>>(last)
      .Case([](arith::AddFOp) { return Combiner{K::ADD, A::addf}; })
      .Case([](arith::AddIOp) { return Combiner{K::ADD, A::addi}; })
      .Case([](arith::MulFOp) { return Combiner{K::MUL, A::mulf}; })
      .Case([](arith::MulIOp) { return Combiner{K::MUL, A::muli}; })
      .Case([](arith::MaximumFOp) { return Combiner{K::MAXIMUMF, A::maximumf}; })
      .Case([](arith::MinimumFOp) { return Combiner{K::MINIMUMF, A::minimumf}; })
      .Case([](arith::MaxNumFOp) { return Combiner{K::MAXNUMF, A::maxnumf}; })
      .Case([](arith::MinNumFOp) { return Combiner{K::MINNUMF, A::minnumf}; })
      .Case([](arith::MaxSIOp) { return Combiner{K::MAXSI, A::maxs}; })
      .Case([](arith::MinSIOp) { return Combiner{K::MINSI, A::mins}; })
      .Case([](arith::MaxUIOp) { return Combiner{K::MAXUI, A::maxu}; })
      .Case([](arith::MinUIOp) { return Combiner{K::MINUI, A::minu}; })
      .Case([](arith::AndIOp) { return Combiner{K::AND, A::andi}; })
      .Case([](arith::OrIOp) { return Combiner{K::OR, A::ori}; })
      .Case([](arith::XOrIOp) { return Combiner{K::XOR, A::xori}; })
      .Default([](Operation *) { return std::nullopt; });
}

struct ElementwisePlan {
  std::optional<Combiner> combiner; // set for reductions
  SmallVector<int64_t> extents;
  int64_t firstFlat = 0; // loop dimensions [firstFlat, n) are flattened
  int64_t flatSize = 1;
  int64_t width = 1;
  SmallVector<OperandPlan> operands; // inputs, then the output
};

/// Whether every operand reads dimensions [k, n) contiguously in order, or
/// not at all; fills `operands` when so.
bool flattenableFrom(linalg::GenericOp op, int64_t k, int64_t n, SmallVectorImpl<OperandPlan> &operands) {
  operands.clear();
  for (OpOperand &operand : op->getOpOperands()) {
    AffineMap map = op.getMatchingIndexingMap(&operand);
    auto type = cast<MemRefType>(operand.get().getType());
    int64_t results = map.getNumResults(), m = n - k;
    auto usesFlat = [&](AffineExpr e) {
      for (int64_t d = k; d < n; ++d)
        if (e.isFunctionOfDim(d))
          return true;
      return false;
    };
    bool flat = results >= m;
    for (int64_t i = 0; flat && i < m; ++i) {
      auto d = dyn_cast<AffineDimExpr>(map.getResult(results - m + i));
      flat = d && d.getPosition() == k + i;
    }
    for (int64_t i = 0; flat && i < results - m; ++i)
      flat = !usesFlat(map.getResult(i));
    int64_t stride = 1;
    if (flat && !trailingContiguous(type, m)) {
      stride = innermostStride(type);
      if (m != 1 || !op.isDpsInput(&operand) || stride < 2 || stride > kMaxShuffledStride)
        return false;
    }
    if (!flat && llvm::any_of(map.getResults(), usesFlat))
      return false;
    operands.push_back({&operand, map, flat, stride});
  }
  return true;
}

int64_t bodyCost(linalg::GenericOp op) {
  int64_t cost = 1;
  for (Operation &inner : op.getBody()->without_terminator())
    cost += !isCostlyMath(inner) ? 1 : isa<math::MathDialect>(inner.getDialect()) ? 8 : 4;
  return cost;
}

std::optional<ElementwisePlan> planFor(linalg::GenericOp op, int64_t vectorBits) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInits() != 1 || !isVectorizableBody(op))
    return std::nullopt;
  ElementwisePlan plan;
  plan.extents = op.getStaticLoopRanges();
  int64_t n = plan.extents.size(), reductions = op.getNumReductionLoops();
  if (n == 0 || llvm::any_of(plan.extents, [](int64_t e) { return e <= 0 || ShapedType::isDynamic(e); }))
    return std::nullopt;
  AffineMap outMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  if (reductions) {
    // The reduction axes are the trailing loops, all of them flattened.
    auto iters = op.getIteratorTypesArray();
    for (int64_t d = 0; d < n; ++d)
      if ((iters[d] == utils::IteratorType::reduction) != (d >= n - reductions))
        return std::nullopt;
    // Half-precision horizontal min/max have no instruction without AVX512-FP16
    // and would become libm calls; those rows stay scalar.
    Type outElem = getElementTypeOrSelf(op.getDpsInitOperand(0)->get().getType());
    plan.combiner = combinerOf(op);
    if (!plan.combiner || !outMap.isProjectedPermutation() || outMap.getNumResults() != n - reductions ||
        (isa<FloatType>(outElem) && outElem.getIntOrFloatBitWidth() < 32))
      return std::nullopt;
  } else if (!outMap.isIdentity()) {
    return std::nullopt;
  }
  unsigned bits = 8;
  auto widen = [&](Type t) {
    if (t.isIntOrFloat())
      bits = std::max(bits, t.getIntOrFloatBitWidth());
  };
  for (Value v : op->getOperands())
    widen(getElementTypeOrSelf(v.getType()));
  op.getBody()->walk([&](Operation *inner) {
    for (Type t : inner->getResultTypes())
      widen(t);
  });
  plan.width = vectorBits / bits;
  if (plan.width < 2)
    return std::nullopt;
  if (reductions) {
    plan.firstFlat = n - reductions;
    if (!flattenableFrom(op, plan.firstFlat, n, plan.operands))
      return std::nullopt;
  } else {
    for (plan.firstFlat = 0; plan.firstFlat < n; ++plan.firstFlat)
      if (flattenableFrom(op, plan.firstFlat, n, plan.operands))
        break;
    if (plan.firstFlat == n)
      return std::nullopt;
  }
  for (int64_t d = plan.firstFlat; d < n; ++d)
    plan.flatSize *= plan.extents[d];
  return plan;
}

/// Emits one plan's loops in place of its generic.
class ElementwiseEmitter {
public:
  ElementwiseEmitter(linalg::GenericOp op, const ElementwisePlan &plan, bool parallel)
      : op(op), plan(plan), loc(op.getLoc()), parallelPending(parallel) {}

  void emit(OpBuilder &b) {
    int64_t n = plan.extents.size();
    for (const OperandPlan &p : plan.operands) {
      Value mem = p.operand->get();
      int64_t rank = cast<MemRefType>(mem.getType()).getRank(), m = n - plan.firstFlat;
      if (p.flat && m > 1) {
        SmallVector<ReassociationIndices> groups;
        for (int64_t i = 0; i < rank - m; ++i)
          groups.push_back({i});
        groups.emplace_back();
        for (int64_t i = rank - m; i < rank; ++i)
          groups.back().push_back(i);
        mem = memref::CollapseShapeOp::create(b, loc, mem, groups);
      }
      if (p.stride > 1)
        mem = unitStrideView(b, mem, p.stride);
      views.push_back(mem);
    }
    outerIvs.assign(plan.firstFlat, index(b, 0));
    emitOuter(b, 0);
  }

private:
  Value index(OpBuilder &b, int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }

  /// `mem` (static, innermost stride `stride`) seen with unit innermost
  /// stride over the same elements: its last axis of n elements becomes the
  /// (n - 1) * stride + 1 elements from its first to its last.
  Value unitStrideView(OpBuilder &b, Value mem, int64_t stride) {
    auto type = cast<MemRefType>(mem.getType());
    SmallVector<int64_t> strides;
    int64_t offset;
    (void)type.getStridesAndOffset(strides, offset);
    SmallVector<int64_t> sizes(type.getShape());
    sizes.back() = (sizes.back() - 1) * stride + 1;
    strides.back() = 1;
    return memref::ReinterpretCastOp::create(
        b, loc, MemRefType::get(sizes, type.getElementType(), StridedLayoutAttr::get(b.getContext(), offset, strides)),
        mem, offset, sizes, strides);
  }

  /// A loop 0..count whose body gets the induction value; the first one with
  /// at least `minTrips` iterations carries the parallel mark.
  void loop(OpBuilder &b, int64_t count, int64_t minTrips, function_ref<void(OpBuilder &, Value)> body) {
    auto forOp = scf::ForOp::create(b, loc, index(b, 0), index(b, count), index(b, 1));
    if (parallelPending && count >= minTrips) {
      forOp->setAttr(kParallelAttr, b.getUnitAttr());
      parallelPending = false;
    }
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(forOp.getBody()->getTerminator());
    body(b, forOp.getInductionVar());
  }

  /// Trips worth splitting across threads for a loop with `inner` loops below it.
  int64_t minTripsAt(int64_t outerDim) {
    int64_t rest = 1;
    for (int64_t d = outerDim + 1; d < plan.firstFlat; ++d)
      rest *= plan.extents[d];
    return rest * plan.flatSize >= 4096 ? 2 : 8;
  }

  void emitOuter(OpBuilder &b, int64_t d) {
    if (d == plan.firstFlat)
      return emitFlat(b);
    if (plan.extents[d] == 1)
      return emitOuter(b, d + 1);
    loop(b, plan.extents[d], minTripsAt(d), [&](OpBuilder &nb, Value iv) {
      outerIvs[d] = iv;
      emitOuter(nb, d + 1);
    });
  }

  /// Indices of the results of `map` that read outer dimensions (all but the flat tail).
  SmallVector<Value> outerIndices(OpBuilder &b, AffineMap map, int64_t leading) {
    SmallVector<Value> idx;
    for (int64_t i = 0; i < leading; ++i) {
      AffineExpr e = map.getResult(i);
      if (auto c = dyn_cast<AffineConstantExpr>(e))
        idx.push_back(index(b, c.getValue()));
      else if (auto dim = dyn_cast<AffineDimExpr>(e))
        idx.push_back(outerIvs[dim.getPosition()]);
      else
        idx.push_back(affine::makeComposedAffineApply(
                          b, loc, AffineMap::get(map.getNumDims(), 0, e),
                          getAsOpFoldResult(paddedIvs(b, map.getNumDims())))
                          .getResult());
    }
    return idx;
  }

  SmallVector<Value> paddedIvs(OpBuilder &b, unsigned dims) {
    SmallVector<Value> ivs(outerIvs);
    ivs.resize(dims, index(b, 0));
    return ivs;
  }

  int64_t flatRank() const { return plan.extents.size() - plan.firstFlat; }

  /// Vectors of the first `count` operands at flat index `flat`; operands
  /// that ignore the flat axes come from `broadcast`.
  SmallVector<Value> readOperands(OpBuilder &b, Value flat, bool inBounds, ArrayRef<Value> broadcast,
                                  size_t count) {
    SmallVector<Value> args;
    for (size_t i = 0; i < count; ++i) {
      const OperandPlan &p = plan.operands[i];
      if (!p.flat) {
        args.push_back(broadcast[i]);
        continue;
      }
      Type elem = getElementTypeOrSelf(p.operand->get().getType());
      SmallVector<Value> idx = outerIndices(b, p.map, p.map.getNumResults() - flatRank());
      idx.push_back(flat);
      if (p.stride > 1) {
        idx.back() = scaled(b, flat, p.stride);
        args.push_back(readEveryNth(b, loc, views[i], idx, plan.width, p.stride));
        continue;
      }
      Value pad = arith::ConstantOp::create(b, loc, b.getZeroAttr(elem));
      args.push_back(vector::TransferReadOp::create(b, loc, VectorType::get({plan.width}, elem), views[i], idx,
                                                    pad, ArrayRef<bool>{inBounds}));
    }
    return args;
  }

  void emitFlat(OpBuilder &b) {
    // Inputs that ignore the flat axes: one load per outer point.
    SmallVector<Value> broadcast(plan.operands.size());
    for (auto [i, p] : llvm::enumerate(ArrayRef(plan.operands).drop_back())) {
      if (p.flat)
        continue;
      Value s = memref::LoadOp::create(b, loc, views[i], outerIndices(b, p.map, p.map.getNumResults()));
      broadcast[i] = vector::BroadcastOp::create(b, loc, VectorType::get({plan.width}, s.getType()), s);
    }
    if (plan.combiner)
      return emitReduction(b, broadcast);
    auto vectorAt = [&](OpBuilder &nb, Value flat, bool inBounds) {
      SmallVector<Value> args = readOperands(nb, flat, inBounds, broadcast, plan.operands.size());
      Value result = replayOnVectors(nb, loc, op.getBody(), args, plan.width);
      const OperandPlan &out = plan.operands.back();
      SmallVector<Value> idx = outerIndices(nb, out.map, out.map.getNumResults() - flatRank());
      idx.push_back(flat);
      vector::TransferWriteOp::create(nb, loc, result, views.back(), idx, ArrayRef<bool>{inBounds});
    };
    int64_t full = plan.flatSize / plan.width, rest = plan.flatSize % plan.width;
    if (full)
      loop(b, full, 2, [&](OpBuilder &nb, Value iv) { vectorAt(nb, scaled(nb, iv, plan.width), true); });
    if (rest)
      vectorAt(b, index(b, full * plan.width), false);
  }

  Value scaled(OpBuilder &b, Value iv, int64_t scale, int64_t offset = 0) {
    AffineExpr s0 = b.getAffineSymbolExpr(0);
    return affine::AffineApplyOp::create(b, loc, AffineMap::get(0, 1, s0 * scale + offset), iv);
  }

  /// The flat axes folded into vector accumulators (4 independent ones when
  /// there are enough vectors), then into the output element.
  void emitReduction(OpBuilder &b, ArrayRef<Value> broadcast) {
    const OperandPlan &out = plan.operands.back();
    Type elem = getElementTypeOrSelf(out.operand->get().getType());
    int64_t width = plan.width, full = plan.flatSize / width, rest = plan.flatSize % width;
    Value identity = vector::BroadcastOp::create(
        b, loc, VectorType::get({width}, elem), arith::getIdentityValue(plan.combiner->identity, elem, b, loc));
    auto fold = [&](OpBuilder &nb, Value flat, Value acc, bool inBounds) {
      SmallVector<Value> args = readOperands(nb, flat, inBounds, broadcast, plan.operands.size() - 1);
      args.push_back(acc);
      return replayOnVectors(nb, loc, op.getBody(), args, width);
    };
    int64_t unroll = std::clamp<int64_t>(full, 1, 4), groups = full / unroll;
    SmallVector<Value> accs(unroll, identity);
    if (groups) {
      auto forOp = scf::ForOp::create(
          b, loc, index(b, 0), index(b, groups), index(b, 1), accs,
          [&](OpBuilder &nb, Location, Value iv, ValueRange iter) {
            SmallVector<Value> next;
            for (int64_t u = 0; u < unroll; ++u)
              next.push_back(fold(nb, scaled(nb, iv, unroll * width, u * width), iter[u], true));
            scf::YieldOp::create(nb, loc, next);
          });
      accs.assign(forOp.getResults().begin(), forOp.getResults().end());
    }
    for (int64_t v = groups * unroll; v < full; ++v)
      accs[0] = fold(b, index(b, v * width), accs[0], true);
    if (rest) {
      Value folded = fold(b, index(b, full * width), accs[0], false);
      Value mask = vector::ConstantMaskOp::create(b, loc, VectorType::get({width}, b.getI1Type()),
                                                  b.getDenseI64ArrayAttr({rest}));
      accs[0] = arith::SelectOp::create(b, loc, mask, folded, accs[0]);
    }
    Value acc = accs[0];
    for (int64_t u = 1; u < unroll; ++u)
      acc = vector::makeArithReduction(b, loc, plan.combiner->kind, accs[u], acc);
    SmallVector<Value> idx = outerIndices(b, out.map, out.map.getNumResults());
    Value old = memref::LoadOp::create(b, loc, views.back(), idx);
    Value result = vector::ReductionOp::create(b, loc, plan.combiner->kind, acc, old);
    memref::StoreOp::create(b, loc, result, views.back(), idx);
  }

  linalg::GenericOp op;
  const ElementwisePlan &plan;
  Location loc;
  SmallVector<Value> views, outerIvs;
  bool parallelPending;
};

struct VectorizeElementwisePass : impl::VectorizeElementwiseBase<VectorizeElementwisePass> {
  using VectorizeElementwiseBase::VectorizeElementwiseBase;
  void runOnOperation() override {
    TargetInfo target = targetOf(getOperation());
    int64_t bits = vectorBits >= 0 ? vectorBits : target.vectorBits;
    // Copies (concatenation, padding interiors) as generics: one more flat loop.
    IRRewriter rewriter(&getContext());
    SmallVector<linalg::CopyOp> copies;
    getOperation().walk([&](linalg::CopyOp op) {
      Type elem = getElementTypeOrSelf(op.getInputs()[0].getType());
      if (elem.isSignlessIntOrFloat() && !elem.isInteger(1))
        copies.push_back(op);
    });
    for (linalg::CopyOp copy : copies) {
      rewriter.setInsertionPoint(copy);
      (void)linalg::generalizeNamedOp(rewriter, copy);
    }
    SmallVector<linalg::GenericOp> ops;
    getOperation().walk([&](linalg::GenericOp op) { ops.push_back(op); });
    for (linalg::GenericOp op : ops) {
      std::optional<ElementwisePlan> plan = planFor(op, bits);
      if (!plan)
        continue;
      int64_t elements = 1;
      for (int64_t e : plan->extents)
        elements *= e;
      bool parallel = target.hasThreads && elements * bodyCost(op) >= minParallelWork;
      OpBuilder b(op);
      ElementwiseEmitter(op, *plan, parallel).emit(b);
      op.erase();
    }
  }
};

} // namespace
} // namespace onnxc::codegen
