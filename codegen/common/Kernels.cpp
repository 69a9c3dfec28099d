// Kernel grouping shared by --profile's hooks and --report (see Kernels.h).
#include "codegen/common/Kernels.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

using namespace mlir;

namespace onnxc::codegen {

namespace {
/// Longest kernel name kept (a fused block can span many nodes).
constexpr size_t kMaxNameLength = 240;

/// Whether `op` does work a kernel is made of (not an allocation, a view, a
/// constant or a profiling hook).
bool isWork(Operation &op) {
  if (auto call = dyn_cast<func::CallOp>(op))
    return !call.getCallee().starts_with("onnxc_profile_");
  return op.getNumRegions() > 0 || isa<linalg::LinalgOp, memref::CopyOp>(op);
}
} // namespace

void collectNodeNames(Location loc, llvm::SetVector<StringRef> &names) {
  loc->walk([&](Location l) {
    if (auto name = dyn_cast<NameLoc>(l))
      if (auto child = dyn_cast<NameLoc>(name.getChildLoc()); child && child.getName() != "initializer")
        names.insert(name.getName());
    return WalkResult::advance();
  });
}

llvm::SetVector<StringRef> nodeNamesOf(ArrayRef<Operation *> ops) {
  llvm::SetVector<StringRef> names;
  for (Operation *op : ops)
    op->walk([&](Operation *inner) { collectNodeNames(inner->getLoc(), names); });
  return names;
}

SmallVector<Kernel> kernelsOf(Block &block) {
  SmallVector<Kernel> kernels;
  for (Operation &op : block.without_terminator()) {
    if (!isWork(op))
      continue;
    std::string name;
    for (StringRef n : nodeNamesOf({&op})) {
      if (name.size() + n.size() + 1 > kMaxNameLength) {
        name += "+...";
        break;
      }
      name += (name.empty() ? "" : "+") + n.str();
    }
    if (name.empty())
      name = "(unnamed)";
    if (kernels.empty() || kernels.back().name != name)
      kernels.push_back({name, {}});
    kernels.back().ops.push_back(&op);
  }
  return kernels;
}

} // namespace onnxc::codegen
