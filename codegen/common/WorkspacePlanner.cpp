// The workspace planner pass: every buffer becomes a view into one caller-provided workspace.
#include "codegen/common/MemoryPlan.h"
#include "codegen/Passes.h"
#include "codegen/common/Kernels.h"
#include "target/TargetInfo.h"

#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/SetVector.h"

using namespace mlir;

namespace onnxc::codegen {
#define GEN_PASS_DEF_PLANWORKSPACE
#include "codegen/Passes.h.inc"

namespace {

/// The op in `block` that contains `op` (or null).
Operation *topLevelAncestor(Block &block, Operation *op) {
  while (op && op->getBlock() != &block)
    op = op->getParentOp();
  return op;
}

/// Every user of `root` and of the memrefs derived from it (views, casts, reshapes).
SmallVector<Operation *> usersThroughAliases(Value root) {
  SmallVector<Operation *> users;
  SmallVector<Value> worklist{root};
  llvm::SetVector<Value> seen;
  while (!worklist.empty()) {
    Value v = worklist.pop_back_val();
    if (!seen.insert(v))
      continue;
    for (Operation *user : v.getUsers()) {
      users.push_back(user);
      // An op that returns memrefs without writing memory returns aliases.
      if (isMemoryEffectFree(user) || isa<ViewLikeOpInterface>(user))
        for (Value r : user->getResults())
          if (isa<BaseMemRefType>(r.getType()))
            worklist.push_back(r);
    }
  }
  return users;
}

int64_t byteSize(MemRefType t) {
  int64_t bits = t.getElementTypeBitWidth();
  return t.getNumElements() * std::max<int64_t>(1, (bits + 7) / 8);
}

struct PlanWorkspacePass : impl::PlanWorkspaceBase<PlanWorkspacePass> {
  using PlanWorkspaceBase::PlanWorkspaceBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    int64_t total = 0;
    for (auto func : module.getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
      if (failed(planFunction(func, total)))
        return signalPassFailure();
    }
    module->setAttr(kWorkspaceSizeAttr, IntegerAttr::get(IntegerType::get(&getContext(), 64), total));
  }

  /// Keeps the plan of the function with the most buffers as module
  /// attributes for --report: [first use, last use, bytes, offset] per buffer
  /// (program points are the function's top-level ops), and its node names.
  void keepPlan(func::FuncOp func, ArrayRef<memref::AllocOp> allocs, const std::vector<BufferRequest> &requests,
                  const MemoryPlan &plan, int64_t points) {
    ModuleOp module = getOperation();
    auto previous = module->getAttrOfType<DenseI64ArrayAttr>(kReportBuffersAttr);
    if (previous && previous.size() >= (int64_t)requests.size() * 4)
      return;
    Builder b(func.getContext());
    SmallVector<int64_t> flat;
    SmallVector<Attribute> names;
    for (size_t i = 0; i < allocs.size(); ++i) {
      flat.append({requests[i].start, requests[i].end, requests[i].size, plan.offsets[i]});
      std::string name;
      memref::AllocOp alloc = allocs[i];
      for (StringRef n : nodeNamesOf({alloc.getOperation()}))
        name += (name.empty() ? "" : "+") + n.str();
      names.push_back(b.getStringAttr(name));
    }
    module->setAttr(kReportBuffersAttr, b.getDenseI64ArrayAttr(flat));
    module->setAttr(kReportBufferNamesAttr, b.getArrayAttr(names));
    module->setAttr(kReportPointsAttr, b.getI64IntegerAttr(points));
  }

  LogicalResult planFunction(func::FuncOp func, int64_t &total) {
    Block &entry = func.getBody().front();
    SmallVector<memref::AllocOp> allocs;
    WalkResult walk = func.walk([&](Operation *op) {
      if (isa<memref::DeallocOp>(op)) {
        op->erase();
        return WalkResult::skip();
      }
      if (auto alloc = dyn_cast<memref::AllocOp>(op)) {
        MemRefType t = alloc.getType();
        if (!t.hasStaticShape() || !t.getLayout().isIdentity() || !alloc.getDynamicSizes().empty()) {
          alloc.emitError("buffer with a dynamic shape or layout cannot be planned");
          return WalkResult::interrupt();
        }
        allocs.push_back(alloc);
      }
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return failure();

    // Program points: positions of the entry block's ops.
    DenseMap<Operation *, int64_t> position;
    int64_t index = 0;
    for (Operation &op : entry)
      position[&op] = index++;
    std::vector<BufferRequest> requests;
    for (memref::AllocOp alloc : allocs) {
      int64_t start = position.lookup(topLevelAncestor(entry, alloc));
      int64_t end = start;
      for (Operation *user : usersThroughAliases(alloc.getResult())) {
        Operation *top = topLevelAncestor(entry, user);
        if (!top)
          continue;
        start = std::min(start, position.lookup(top));
        end = std::max(end, position.lookup(top));
      }
      requests.push_back({start, end, byteSize(alloc.getType())});
    }
    MemoryPlan plan = planMemory(requests, alignment > 0 ? alignment : targetOf(func).workspaceAlign);
    if (recordPlan)
      keepPlan(func, allocs, requests, plan, index);

    OpBuilder b(func.getContext());
    auto wsType = MemRefType::get({plan.totalSize}, b.getI8Type());
    unsigned argIndex = func.getNumArguments();
    // NAME_run refuses a workspace that is not aligned to the target's workspace_align.
    auto alignAttr = b.getNamedAttr(kAlignAttr, b.getI64IntegerAttr(targetOf(func).workspaceAlign));
    if (failed(func.insertArgument(argIndex, wsType, b.getDictionaryAttr({alignAttr}), func.getLoc())))
      return failure();
    Value ws = func.getArgument(argIndex);
    for (auto [alloc, offset] : llvm::zip(allocs, plan.offsets)) {
      b.setInsertionPoint(alloc);
      Value off = arith::ConstantIndexOp::create(b, alloc.getLoc(), offset);
      Value view = memref::ViewOp::create(b, alloc.getLoc(), alloc.getType(), ws, off, ValueRange{});
      alloc.getResult().replaceAllUsesWith(view);
      alloc.erase();
    }
    total = std::max(total, plan.totalSize);
    return success();
  }
};
} // namespace
} // namespace onnxc::codegen
