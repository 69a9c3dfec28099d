// Helpers on formed kernel bodies: dependence on a loop index, accumulators in registers, the reduction of a body.
#include "codegen/gpu/KernelBodies.h"

#include "mlir/Dialect/SCF/Utils/Utils.h"

using namespace mlir;

namespace onnxc::codegen {

/// True when `v` is computed from `iv` inside `body`.
bool dependsOn(Value v, Value iv, Block *body) {
  if (v == iv)
    return true;
  Operation *def = v.getDefiningOp();
  if (!def || !body->getParentOp()->isAncestor(def))
    return false;
  return llvm::any_of(def->getOperands(), [&](Value o) { return dependsOn(o, iv, body); });
}

/// Keeps a reduction's accumulator in a register: a loop whose body loads
/// and stores one element at loop-invariant indices (and touches that buffer
/// nowhere else) carries the value instead. Innermost loops first, so that a
/// conv's three reduction loops all carry it. Each kernel comes from one
/// linalg op, whose output the memory plan keeps apart from its inputs.
void promoteAccumulators(Operation *root) {
  SmallVector<scf::ForOp> loops;
  root->walk([&](scf::ForOp loop) { loops.push_back(loop); }); // post-order: inner first
  for (scf::ForOp loop : loops) {
    for (auto load : llvm::to_vector(loop.getBody()->getOps<memref::LoadOp>())) {
      Value m = load.getMemRef();
      auto invariant = [&](Value v) { return loop.isDefinedOutsideOfLoop(v); };
      if (!invariant(m) || !llvm::all_of(load.getIndices(), invariant))
        continue;
      memref::StoreOp store;
      bool other = false;
      loop.getBody()->walk([&](Operation *op) {
        if (op == load || !llvm::is_contained(op->getOperands(), m))
          return;
        auto s = dyn_cast<memref::StoreOp>(op);
        if (!store && s && s->getBlock() == loop.getBody() && s.getMemRef() == m && llvm::equal(s.getIndices(), load.getIndices()) &&
            load->isBeforeInBlock(s))
          store = s;
        else
          other = true;
      });
      if (!store || other) // (another access to the buffer: maybe the same element)
        continue;
      // load before the loop, carry the value, store after it.
      OpBuilder b(loop);
      auto initial = memref::LoadOp::create(b, load.getLoc(), m, load.getIndices());
      Value stored = store.getValueToStore();
      IRRewriter rewriter(loop.getContext());
      auto yielder = [&](OpBuilder &, Location, ArrayRef<BlockArgument>) -> SmallVector<Value> { return {stored}; };
      FailureOr<LoopLikeOpInterface> carried =
          loop.replaceWithAdditionalYields(rewriter, ValueRange{initial}, /*replaceInitOperandUsesInLoop=*/false, yielder);
      if (failed(carried))
        continue;
      auto newLoop = cast<scf::ForOp>(carried->getOperation());
      load.replaceAllUsesWith(newLoop.getRegionIterArgs().back());
      b.setInsertionPointAfter(newLoop);
      memref::StoreOp::create(b, store.getLoc(), newLoop.getResults().back(), m, store.getIndices());
      store.erase();
      load.erase();
      loop = newLoop;
    }
  }
}

/// The reduction loop of a formed body (after promotion) and the store of its result.
std::pair<scf::ForOp, memref::StoreOp> reductionOf(scf::IfOp body) {
  for (auto r : body.thenBlock()->getOps<scf::ForOp>())
    if (r.getNumResults() == 1 && r->hasOneUse())
      if (auto store = dyn_cast<memref::StoreOp>(*r->getUsers().begin()))
        return {r, store};
  return {};
}

} // namespace onnxc::codegen
