// --report's data gathered during code generation: FLOPs per ONNX node, and each kernel's nodes, bytes, tile and threads.
#include "codegen/Passes.h"
#include "codegen/common/Kernels.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

using namespace mlir;

namespace onnxc::codegen {
#define GEN_PASS_DEF_COUNTNODEFLOPS
#define GEN_PASS_DEF_REPORTKERNELS
#include "codegen/Passes.h.inc"

namespace {

/// Arithmetic per iteration of a linalg op's body (an FMA body counts 2).
int64_t bodyOps(linalg::LinalgOp op) {
  int64_t n = 0;
  for (Operation &inner : op->getRegion(0).front().without_terminator())
    if (isa<arith::ArithDialect, math::MathDialect>(inner.getDialect()) && !isa<arith::ConstantOp>(inner))
      ++n;
  return n;
}

struct CountNodeFlopsPass : impl::CountNodeFlopsBase<CountNodeFlopsPass> {
  void runOnOperation() override {
    llvm::StringMap<int64_t> flops;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (op->getNumRegions() != 1 || op->getRegion(0).empty())
        return;
      int64_t iterations = 1;
      for (int64_t range : op.getStaticLoopRanges())
        iterations = ShapedType::isDynamic(range) ? iterations : iterations * range;
      llvm::SetVector<StringRef> names;
      collectNodeNames(op->getLoc(), names);
      if (!names.empty())
        flops[names.front()] += iterations * bodyOps(op);
    });
    Builder b(&getContext());
    SmallVector<NamedAttribute> entries;
    for (auto &[name, count] : flops)
      entries.push_back(b.getNamedAttr(name, b.getI64IntegerAttr(count)));
    getOperation()->setAttr(kReportNodeFlopsAttr, b.getDictionaryAttr(entries));
  }
};

/// The buffer a view is of: through subviews, casts and reshapes, up to a
/// workspace buffer (a memref.view), a global or an argument.
Value rootBuffer(Value v) {
  while (auto view = v.getDefiningOp<ViewLikeOpInterface>()) {
    if (isa<memref::ViewOp>(view.getOperation()))
      break;
    v = view.getViewSource();
  }
  return v;
}

/// Bytes of the distinct buffers that `ops` load from or store to (each whole).
int64_t bufferBytes(ArrayRef<Operation *> ops) {
  llvm::SmallPtrSet<Value, 16> seen;
  int64_t bytes = 0;
  for (Operation *op : ops)
    op->walk([&](Operation *inner) {
      if (!isa<MemoryEffectOpInterface>(inner) || isa<ViewLikeOpInterface>(inner) ||
          isa<memref::AllocOp, memref::AllocaOp, memref::DeallocOp>(inner))
        return;
      for (Value v : inner->getOperands()) {
        if (!isa<MemRefType>(v.getType()))
          continue;
        Value root = rootBuffer(v);
        auto type = dyn_cast<MemRefType>(root.getType());
        if (!type || !type.hasStaticShape() || !seen.insert(root).second)
          continue;
        bytes += type.getNumElements() * std::max<int64_t>(1, type.getElementTypeBitWidth() / 8);
      }
    });
  return bytes;
}

struct ReportKernelsPass : impl::ReportKernelsBase<ReportKernelsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    Builder b(&getContext());
    auto nodeFlops = module->getAttrOfType<DictionaryAttr>(kReportNodeFlopsAttr);
    SmallVector<Kernel> kernels;
    for (auto f : module.getOps<func::FuncOp>())
      for (Block &block : f.getBody())
        kernels.append(kernelsOf(block));
    // A node's FLOPs go to the kernel holding most of its ops (a conv's tiles,
    // not the fill of its padded input that carries its name too).
    llvm::StringMap<std::pair<size_t, int64_t>> owner; // node -> (kernel, ops there)
    for (auto [i, kernel] : llvm::enumerate(kernels)) {
      llvm::StringMap<int64_t> counts;
      for (Operation *op : kernel.ops)
        op->walk([&](Operation *inner) {
          llvm::SetVector<StringRef> names;
          collectNodeNames(inner->getLoc(), names);
          for (StringRef n : names)
            ++counts[n];
        });
      for (auto &[n, c] : counts) {
        auto [it, fresh] = owner.try_emplace(n, i, c);
        if (!fresh && c > it->second.second)
          it->second = {i, c};
      }
    }
    SmallVector<int64_t> flops(kernels.size(), 0);
    if (nodeFlops)
      for (auto &[n, o] : owner)
        if (auto f = nodeFlops.getAs<IntegerAttr>(n))
          flops[o.first] += f.getInt();
    SmallVector<Attribute> entries;
    for (auto [i, kernel] : llvm::enumerate(kernels)) {
      bool vectorized = false, parallel = false;
      StringAttr tile;
      for (Operation *op : kernel.ops)
        op->walk([&](Operation *inner) {
          vectorized |= llvm::any_of(inner->getResultTypes(), [](Type t) { return isa<VectorType>(t); });
          parallel |= inner->hasAttr(kParallelAttr);
          if (!tile)
            tile = inner->getAttrOfType<StringAttr>(kTileAttr);
        });
      SmallVector<Attribute> nodes;
      for (StringRef n : nodeNamesOf(kernel.ops))
        nodes.push_back(b.getStringAttr(n));
      entries.push_back(b.getDictionaryAttr({
          b.getNamedAttr("name", b.getStringAttr(kernel.name)),
          b.getNamedAttr("nodes", b.getArrayAttr(nodes)),
          b.getNamedAttr("flops", b.getI64IntegerAttr(flops[i])),
          b.getNamedAttr("bytes", b.getI64IntegerAttr(bufferBytes(kernel.ops))),
          b.getNamedAttr("tile", tile ? tile : b.getStringAttr("")),
          b.getNamedAttr("vectorized", b.getBoolAttr(vectorized)),
          b.getNamedAttr("parallel", b.getBoolAttr(parallel)),
      }));
    }
    module->setAttr(kReportKernelsAttr, b.getArrayAttr(entries));
  }
};

} // namespace
} // namespace onnxc::codegen
