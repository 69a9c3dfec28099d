// Reductions in formed kernels: which ones split over a block's warps, their identity, and which walk memory contiguously.
#include "codegen/gpu/KernelBodies.h"

#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;

namespace onnxc::codegen {

/// The op that combines a reduction's values (add, max, min) when the
/// reduction of `loop` (one output per iteration) can be split into kSlices
/// partial results, else null: one serial reduction nest accumulating into
/// one element, and too few outputs to keep the GPU busy otherwise.
Operation *splitCombiner(scf::ParallelOp loop, int64_t total) {
  if (total >= kMinThreads)
    return nullptr;
  scf::ForOp r;
  for (Operation &op : loop.getBody()->without_terminator()) {
    if (r)
      return nullptr; // work after the reduction
    r = dyn_cast<scf::ForOp>(op);
  }
  std::optional<int64_t> lb = r ? getConstantIntValue(r.getLowerBound()) : std::nullopt,
                         ub = r ? getConstantIntValue(r.getUpperBound()) : std::nullopt,
                         step = r ? getConstantIntValue(r.getStep()) : std::nullopt;
  if (!r || r.getNumRegionIterArgs() || !lb || !ub || !step || (*ub - *lb) / *step < 2 * kSlices)
    return nullptr;
  SmallVector<memref::StoreOp> stores;
  r.walk([&](memref::StoreOp st) { stores.push_back(st); });
  if (stores.size() != 1 || !isa<scf::ForOp>(stores[0]->getParentOp()) ||
      !llvm::all_of(stores[0].getIndices(), [&](Value i) { return r.isDefinedOutsideOfLoop(i); }))
    return nullptr;
  Value out = stores[0].getMemRef();
  Operation *combine = stores[0].getValueToStore().getDefiningOp();
  if (!combine || !isa<arith::AddFOp, arith::MaximumFOp, arith::MaxNumFOp, arith::MinimumFOp, arith::MinNumFOp>(combine))
    return nullptr;
  auto acc = combine->getOperand(0).getDefiningOp<memref::LoadOp>();
  if (!acc || acc.getMemRef() != out || !llvm::equal(acc.getIndices(), stores[0].getIndices()))
    return nullptr;
  bool clean = !r.walk([&](Operation *op) {
                   bool writes = !isMemoryEffectFree(op) && !isa<memref::LoadOp, memref::StoreOp, scf::ForOp, scf::YieldOp>(op);
                   bool readsOut = isa<memref::LoadOp>(op) && op != acc && cast<memref::LoadOp>(op).getMemRef() == out;
                   return writes || readsOut ? WalkResult::interrupt() : WalkResult::advance();
                 }).wasInterrupted();
  return clean ? combine : nullptr;
}

/// The value every slice of a `combine` reduction starts from.
Value identityOf(OpBuilder &b, Location loc, Operation *combine, Type type) {
  auto ft = cast<FloatType>(type);
  APFloat value = isa<arith::AddFOp>(combine) ? APFloat::getZero(ft.getFloatSemantics())
                  : isa<arith::MaximumFOp, arith::MaxNumFOp>(combine)
                      ? APFloat::getInf(ft.getFloatSemantics(), /*Negative=*/true)
                      : APFloat::getInf(ft.getFloatSemantics());
  return arith::ConstantOp::create(b, loc, FloatAttr::get(type, value));
}

/// True when the one reduction loop of `loop` (splitCombiner's form) walks
/// memory contiguously: no loop nested in it, and every load that moves with
/// its index has that index last (Softmax, LayerNorm, ReduceMean over the
/// last axis), long enough for a warp's lanes to share it.
bool alongContiguous(scf::ParallelOp loop) {
  scf::ForOp r;
  for (Operation &op : loop.getBody()->without_terminator())
    r = dyn_cast<scf::ForOp>(op);
  std::optional<int64_t> lb = getConstantIntValue(r.getLowerBound()), ub = getConstantIntValue(r.getUpperBound()),
                         step = getConstantIntValue(r.getStep());
  if (!lb || !ub || !step || (*ub - *lb) / *step < 2 * 32)
    return false;
  Value iv = r.getInductionVar();
  bool contiguous = true, any = false;
  r.getBody()->walk([&](Operation *op) {
    if (isa<scf::ForOp>(op))
      contiguous = false;
    if (auto load = dyn_cast<memref::LoadOp>(op)) {
      bool moves = llvm::any_of(load.getIndices(), [&](Value i) { return dependsOn(i, iv, r.getBody()); });
      if (moves && load.getIndices().back() != iv)
        contiguous = false;
      any |= moves;
    }
  });
  return contiguous && any;
}

} // namespace onnxc::codegen
