// Recognizes matmul-like loop nests (out += a * b) and builds the element loads and output stores their tiled kernels share.
#include "codegen/gpu/Contraction.h"

#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;

namespace onnxc::codegen {

bool staticBounds(scf::ParallelOp loop, SmallVectorImpl<int64_t> &counts, SmallVectorImpl<int64_t> &lbs,
                  SmallVectorImpl<int64_t> &steps) {
  for (auto [lb, ub, step] : llvm::zip(loop.getLowerBound(), loop.getUpperBound(), loop.getStep())) {
    std::optional<int64_t> l = getConstantIntValue(lb), u = getConstantIntValue(ub), s = getConstantIntValue(step);
    if (!l || !u || !s || *s <= 0)
      return false;
    lbs.push_back(*l);
    steps.push_back(*s);
    counts.push_back(*u > *l ? (*u - *l + *s - 1) / *s : 0);
  }
  return true;
}

/// The load `v` comes from, through an extension of a narrow float.
static memref::LoadOp operandLoad(Value v) {
  if (auto ext = v.getDefiningOp<arith::ExtFOp>())
    v = ext.getIn();
  return v.getDefiningOp<memref::LoadOp>();
}

std::optional<Contraction> matchContraction(scf::ParallelOp loop, ArrayRef<int64_t> counts, ArrayRef<int64_t> lbs,
                                            ArrayRef<int64_t> steps) {
  Contraction c;
  c.loop = loop;
  c.counts.assign(counts.begin(), counts.end());
  c.lbs.assign(lbs.begin(), lbs.end());
  c.steps.assign(steps.begin(), steps.end());
  scf::ForOp outer;
  for (Operation &op : loop.getBody()->without_terminator()) {
    if (outer)
      return std::nullopt;
    outer = dyn_cast<scf::ForOp>(op); // the prefix (a fused init) is redone in the epilogue
  }
  if (!outer)
    return std::nullopt;
  for (scf::ForOp f = outer; f;) {
    auto lb = getConstantIntValue(f.getLowerBound()), ub = getConstantIntValue(f.getUpperBound()),
         st = getConstantIntValue(f.getStep());
    if (f.getNumRegionIterArgs() || !lb || !ub || !st || *st <= 0 || *ub <= *lb)
      return std::nullopt;
    c.reductions.push_back(f);
    c.kLbs.push_back(*lb);
    c.kSteps.push_back(*st);
    c.kCounts.push_back((*ub - *lb + *st - 1) / *st);
    c.k *= c.kCounts.back();
    auto inner = f.getBody()->getOps<scf::ForOp>();
    if (inner.empty())
      break;
    if (std::next(f.getBody()->begin()) != std::prev(f.getBody()->end())) // not perfectly nested
      return std::nullopt;
    f = *inner.begin();
  }
  Block *body = c.reductions.back().getBody();
  SmallVector<memref::LoadOp> loads(body->getOps<memref::LoadOp>());
  SmallVector<memref::StoreOp> stores(body->getOps<memref::StoreOp>());
  if (loads.size() != 3 || stores.size() != 1)
    return std::nullopt;
  auto add = stores[0].getValueToStore().getDefiningOp<arith::AddFOp>();
  if (!add)
    return std::nullopt;
  Value lhs = add.getLhs(), rhs = add.getRhs();
  if (!rhs.getDefiningOp<arith::MulFOp>())
    std::swap(lhs, rhs);
  auto mul = rhs.getDefiningOp<arith::MulFOp>();
  auto acc = lhs.getDefiningOp<memref::LoadOp>();
  if (!mul || !acc || acc.getMemRef() != stores[0].getMemRef() ||
      !llvm::equal(acc.getIndices(), stores[0].getIndices()) || !mul->hasOneUse())
    return std::nullopt;
  c.a = operandLoad(mul.getLhs());
  c.b = operandLoad(mul.getRhs());
  if (!c.a || !c.b || c.a == acc || c.b == acc || !mul.getType().isF32() || !acc.getType().isF32())
    return std::nullopt;
  for (Operation &op : *body)
    if (!isMemoryEffectFree(&op) && !isa<memref::LoadOp, memref::StoreOp>(op))
      return std::nullopt;
  // The output's indices are the parallel ivs; classify each dim.
  auto reads = [&](memref::LoadOp l, Value iv) {
    return llvm::any_of(l.getIndices(), [&](Value i) { return dependsOn(i, iv, loop.getBody()); });
  };
  for (size_t d = 0; d < counts.size(); ++d) {
    Value iv = loop.getInductionVars()[d];
    bool inA = reads(c.a, iv), inB = reads(c.b, iv);
    if (inA && !inB)
      c.mDims.push_back(d), c.m *= counts[d];
    else if (inB && !inA)
      c.nDims.push_back(d), c.n *= counts[d];
    else
      c.batchDims.push_back(d), c.batch *= counts[d];
  }
  // Coalescing: the innermost non-unit output dim is an N dim (b's side).
  int64_t innermost = counts.size() - 1;
  while (innermost > 0 && counts[innermost] == 1)
    --innermost;
  if (!c.mDims.empty() && c.mDims.back() == innermost) {
    std::swap(c.a, c.b);
    std::swap(c.mDims, c.nDims);
    std::swap(c.m, c.n);
  }
  if (c.mDims.empty() || c.nDims.empty() || c.nDims.back() != innermost)
    return std::nullopt;
  return c;
}

SmallVector<Value> delinearize(OpBuilder &b, Location loc, Value linear, ArrayRef<int64_t> counts) {
  SmallVector<Value> out(counts.size());
  for (int64_t d = counts.size() - 1; d >= 0; --d) {
    Value c = arith::ConstantIndexOp::create(b, loc, counts[d]);
    out[d] = d == 0 ? linear : arith::RemUIOp::create(b, loc, linear, c).getResult();
    if (d > 0)
      linear = arith::DivUIOp::create(b, loc, linear, c);
  }
  return out;
}

Value ContractionBuilder::cst(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
Value ContractionBuilder::add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
Value ContractionBuilder::mul(Value x, int64_t y) { return arith::MulIOp::create(b, loc, x, cst(y)); }
Value ContractionBuilder::div(Value x, int64_t y) { return arith::DivUIOp::create(b, loc, x, cst(y)); }
Value ContractionBuilder::rem(Value x, int64_t y) { return arith::RemUIOp::create(b, loc, x, cst(y)); }
Value ContractionBuilder::less(Value x, int64_t bound) {
  return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, x, cst(bound));
}

void ContractionBuilder::mapDims(IRMapping &map, ArrayRef<int64_t> dims, Value linear) {
  SmallVector<int64_t> counts;
  for (int64_t d : dims)
    counts.push_back(c.counts[d]);
  SmallVector<Value> idx = delinearize(b, loc, linear, counts);
  for (auto [d, i] : llvm::zip(dims, idx))
    map.map(c.loop.getInductionVars()[d], add(mul(i, c.steps[d]), cst(c.lbs[d])));
}

void ContractionBuilder::mapReduction(IRMapping &map, Value linear) {
  SmallVector<Value> idx = delinearize(b, loc, linear, c.kCounts);
  for (size_t r = 0; r < c.reductions.size(); ++r)
    map.map(c.reductions[r].getInductionVar(), add(mul(idx[r], c.kSteps[r]), cst(c.kLbs[r])));
}

Value ContractionBuilder::element(bool isA, Value batch, Value mn, Value k) {
  int64_t extent = isA ? c.m : c.n;
  Value inRange = arith::AndIOp::create(b, loc, less(k, c.k), less(mn, extent));
  auto clamp = [&](Value v, int64_t bound) { return arith::MinUIOp::create(b, loc, v, cst(bound - 1)).getResult(); };
  IRMapping map;
  mapDims(map, c.batchDims, batch);
  mapDims(map, isA ? c.mDims : c.nDims, clamp(mn, extent));
  mapReduction(map, clamp(k, c.k));
  for (size_t d = 0; d < c.counts.size(); ++d) // dims the operand does not read
    if (!map.contains(c.loop.getInductionVars()[d]))
      map.map(c.loop.getInductionVars()[d], cst(c.lbs[d]));
  memref::LoadOp load = isA ? c.a : c.b;
  // The load with the pure ops its indices need.
  std::function<Value(Value)> value = [&](Value v) -> Value {
    if (Value m = map.lookupOrNull(v))
      return m;
    Operation *def = v.getDefiningOp();
    if (!def || !c.loop->isAncestor(def))
      return v;
    for (Value o : def->getOperands())
      value(o);
    return b.clone(*def, map)->getResult(cast<OpResult>(v).getResultNumber());
  };
  for (Value i : load.getIndices())
    value(i);
  Value loaded = b.clone(*load, map)->getResult(0);
  Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(loaded.getType()));
  return arith::SelectOp::create(b, loc, inRange, loaded, zero);
}

void ContractionBuilder::storeOutput(Value batch, Value m, Value n, Value sum) {
  Value ok = arith::AndIOp::create(b, loc, less(m, c.m), less(n, c.n));
  auto guard = scf::IfOp::create(b, loc, ok, /*withElseRegion=*/false);
  OpBuilder::InsertionGuard g(b);
  b.setInsertionPointToStart(guard.thenBlock());
  IRMapping map;
  mapDims(map, c.batchDims, batch);
  mapDims(map, c.mDims, m);
  mapDims(map, c.nDims, n);
  for (Operation &op : c.loop.getBody()->without_terminator())
    b.clone(op, map);
  promoteAccumulators(guard);
  auto [r, store] = reductionOf(guard);
  b.setInsertionPoint(r);
  r.getResult(0).replaceAllUsesWith(arith::AddFOp::create(b, loc, r.getInitArgs()[0], sum));
  r.erase();
}

} // namespace onnxc::codegen
