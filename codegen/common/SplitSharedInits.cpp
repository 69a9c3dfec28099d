// Gives every destination-passing op its own tensor.empty / constant fill init (CSE merges identical ones).
//
// One merged init shared by many ops bufferizes to one buffer that lives from
// the first op to the last, so the workspace planner cannot reuse its bytes
// in between. A copy of the init beside each user gives each result its own
// buffer with its own, short, live range.
#include "codegen/Passes.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/RegionUtils.h"

using namespace mlir;

namespace onnxc::codegen {
#define GEN_PASS_DEF_SPLITSHAREDINITS
#include "codegen/Passes.h.inc"

namespace {

/// Whether `op` is an init worth cloning: an empty tensor, or a fill of one
/// from constants (linalg.fill, or an all-parallel generic such as a bias
/// broadcast that reads only constants and not its output).
bool isClonableInit(Operation *op) {
  if (isa<tensor::EmptyOp>(op))
    return true;
  auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
  if (!linalgOp || linalgOp.getNumDpsInits() != 1 || linalgOp.getNumReductionLoops() ||
      !linalgOp.getDpsInits()[0].getDefiningOp<tensor::EmptyOp>() ||
      !llvm::all_of(linalgOp.getDpsInputs(), [](Value v) { return matchPattern(v, m_Constant()); }))
    return false;
  if (isa<linalg::FillOp>(op))
    return true;
  auto generic = dyn_cast<linalg::GenericOp>(op);
  if (!generic || !generic.getRegionOutputArgs()[0].use_empty())
    return false;
  SetVector<Value> captured;
  getUsedValuesDefinedAbove(generic.getRegion(), captured);
  return llvm::all_of(captured, [](Value v) { return matchPattern(v, m_Constant()); });
}

struct SplitSharedInitsPass : impl::SplitSharedInitsBase<SplitSharedInitsPass> {
  void runOnOperation() override {
    SmallVector<Operation *> inits;
    getOperation().walk([&](Operation *op) {
      if (op->getNumResults() == 1 && isClonableInit(op) && !op->getResult(0).hasOneUse())
        inits.push_back(op);
    });
    for (Operation *init : inits) {
      // Linalg destination operands get a copy, and so does a concat's first
      // insert_slice into an empty tensor (a slice pair over a filled buffer
      // must keep reading and writing the same tensor).
      SmallVector<OpOperand *> uses;
      for (OpOperand &use : init->getResult(0).getUses()) {
        auto linalgOp = dyn_cast<linalg::LinalgOp>(use.getOwner());
        auto insert = dyn_cast<tensor::InsertSliceOp>(use.getOwner());
        if ((linalgOp && linalgOp.isDpsInit(&use)) ||
            (insert && &use == &insert.getDestMutable() && isa<tensor::EmptyOp>(init)))
          uses.push_back(&use);
      }
      for (OpOperand *use : uses) {
        OpBuilder b(use->getOwner());
        IRMapping map;
        if (auto fill = dyn_cast<linalg::LinalgOp>(init))
          map.map(fill.getDpsInits()[0], b.clone(*fill.getDpsInits()[0].getDefiningOp())->getResult(0));
        use->set(b.clone(*init, map)->getResult(0));
      }
      if (init->use_empty()) {
        auto fill = dyn_cast<linalg::LinalgOp>(init);
        Operation *empty = fill ? fill.getDpsInits()[0].getDefiningOp() : nullptr;
        init->erase();
        if (empty && empty->use_empty())
          empty->erase();
      }
    }
  }
};

} // namespace
} // namespace onnxc::codegen
