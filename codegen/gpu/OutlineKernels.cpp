// Outlines every gpu.launch into one gpu.module, kernels named after their ONNX nodes, taking only base buffers and scalars.
#include "codegen/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Utils/GPUUtils.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/SetVector.h"

#include <functional>

using namespace mlir;

namespace onnxc::codegen {
#define GEN_PASS_DEF_OUTLINEKERNELS
#include "codegen/Passes.h.inc"

namespace {

/// The ONNX node names of the ops in `launch`, in order, without repeats
/// (graph inputs, outputs and initializers are values, not nodes).
SmallVector<std::string> nodeNames(gpu::LaunchOp launch) {
  llvm::SetVector<StringRef> names;
  auto add = [&](Location l) {
    auto loc = dyn_cast<NameLoc>(l);
    auto kind = loc ? dyn_cast<NameLoc>(loc.getChildLoc()) : NameLoc();
    if (loc && !(kind && llvm::is_contained({"initializer", "input", "output"}, kind.getName().getValue())))
      names.insert(loc.getName().getValue());
  };
  launch.walk([&](Operation *op) { add(op->getLoc()); });
  add(launch.getLoc());
  return SmallVector<std::string>(names.begin(), names.end());
}

/// A PTX-safe symbol: "k<index>_<first node>" with [A-Za-z0-9_] only.
std::string kernelName(size_t index, ArrayRef<std::string> nodes) {
  std::string name = "k" + std::to_string(index);
  if (!nodes.empty()) {
    name += "_";
    for (char c : nodes.front().substr(0, 40))
      name += std::isalnum((unsigned char)c) ? c : '_';
  }
  return name;
}

/// Address arithmetic and views are recomputed inside the kernel, so that a
/// kernel's parameters are the function's buffers and loop indices only.
bool sinkable(Operation *op) {
  return op->getNumRegions() == 0 && isMemoryEffectFree(op) && !isa<memref::GetGlobalOp>(op);
}

/// Clones into `launch` every sinkable op whose result it uses from above,
/// transitively, operands before users (upstream's sinking keeps the operand
/// count, which would leave views with strided layouts as kernel parameters).
void sinkIntoLaunch(gpu::LaunchOp launch) {
  Region &body = launch.getBody();
  OpBuilder b(&body.front(), body.front().begin());
  IRMapping cloned;
  std::function<void(Operation *)> sink = [&](Operation *def) {
    if (cloned.contains(def->getResult(0)))
      return;
    for (Value operand : def->getOperands())
      if (Operation *inner = operand.getDefiningOp(); inner && sinkable(inner))
        sink(inner);
    b.clone(*def, cloned);
  };
  llvm::SetVector<Value> above;
  getUsedValuesDefinedAbove(body, above);
  for (Value v : above)
    if (Operation *def = v.getDefiningOp(); def && sinkable(def) && def->getNumResults() > 0)
      sink(def);
  for (Value v : above)
    if (Value copy = cloned.lookupOrNull(v))
      replaceAllUsesInRegionWith(v, copy, body);
}

struct OutlineKernelsPass : impl::OutlineKernelsBase<OutlineKernelsPass> {
  using OutlineKernelsBase::OutlineKernelsBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<gpu::LaunchOp> launches;
    module.walk([&](gpu::LaunchOp l) { launches.push_back(l); });
    if (launches.empty())
      return;
    MLIRContext *ctx = module.getContext();
    module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(), UnitAttr::get(ctx));
    OpBuilder b(ctx);
    b.setInsertionPointToEnd(module.getBody());
    auto kernels = gpu::GPUModuleOp::create(b, module.getLoc(), moduleName);
    SymbolTable symbols(kernels);
    SmallVector<Attribute> table;
    for (auto [i, launch] : llvm::enumerate(launches)) {
      sinkIntoLaunch(launch);
      SmallVector<std::string> nodes = nodeNames(launch);
      SmallVector<Value> operands;
      gpu::GPUFuncOp func = outlineKernelFunc(launch, kernelName(i, nodes), operands);
      symbols.insert(func);
      b.setInsertionPoint(launch);
      auto call = gpu::LaunchFuncOp::create(b, launch.getLoc(), func, launch.getGridSizeOperandValues(),
                                            launch.getBlockSizeOperandValues(),
                                            launch.getDynamicSharedMemorySize(), operands);
      (void)call;
      launch.erase();
      table.push_back(b.getDictionaryAttr({b.getNamedAttr("name", b.getStringAttr(func.getName())),
                                           b.getNamedAttr("nodes", b.getStringAttr(llvm::join(nodes, ", ")))}));
    }
    module->setAttr(kKernelTableAttr, b.getArrayAttr(table));
  }
};

} // namespace
} // namespace onnxc::codegen
