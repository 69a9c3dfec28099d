// Gives every destination-passing op its own tensor.empty / linalg.fill init (CSE merges identical ones).
//
// One merged init shared by many ops bufferizes to one buffer that lives from
// the first op to the last, so the workspace planner cannot reuse its bytes
// in between. A copy of the init beside each user gives each result its own
// buffer with its own, short, live range.
#include "codegen/Passes.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;

namespace onnxc::codegen {
#define GEN_PASS_DEF_SPLITSHAREDINITS
#include "codegen/Passes.h.inc"

namespace {

/// Whether `op` is an init worth cloning: an empty tensor, or a fill of one
/// with a constant.
bool isClonableInit(Operation *op) {
  if (isa<tensor::EmptyOp>(op))
    return true;
  auto fill = dyn_cast<linalg::FillOp>(op);
  return fill && fill.getOutputs()[0].getDefiningOp<tensor::EmptyOp>() &&
         matchPattern(fill.getInputs()[0], m_Constant());
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
        if (auto fill = dyn_cast<linalg::FillOp>(init))
          map.map(fill.getOutputs()[0], b.clone(*fill.getOutputs()[0].getDefiningOp())->getResult(0));
        use->set(b.clone(*init, map)->getResult(0));
      }
      if (init->use_empty()) {
        Operation *empty = isa<linalg::FillOp>(init) ? init->getOperand(1).getDefiningOp() : nullptr;
        init->erase();
        if (empty && empty->use_empty())
          empty->erase();
      }
    }
  }
};

} // namespace
} // namespace onnxc::codegen
