// Stores the constant weights that only feed tensor-core kernels as fp16/bf16 (--precision=fp16|bf16): half the bytes to upload and read.
#include "codegen/gpu/Contraction.h"

#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/APFloat.h"

using namespace mlir;

namespace onnxc::codegen {
#define GEN_PASS_DEF_NARROWWEIGHTS
#include "codegen/Passes.h.inc"

namespace {

/// The f32 values of a constant, or nothing when they cannot be read.
std::optional<std::vector<float>> valuesOf(Attribute attr, int64_t n) {
  std::vector<float> out;
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    if (!dense.getElementType().isF32())
      return std::nullopt;
    out.reserve(n);
    for (float v : dense.getValues<float>())
      out.push_back(v);
    return out;
  }
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob || (int64_t)blob->getData().size() != n * 4)
      return std::nullopt;
    out.resize(n);
    std::memcpy(out.data(), blob->getData().data(), n * 4);
    return out;
  }
  return std::nullopt;
}

/// `values` rounded to nearest even in `type` (f16 or bf16), as raw bytes.
std::vector<char> narrowed(const std::vector<float> &values, FloatType type) {
  std::vector<char> out(values.size() * 2);
  for (size_t i = 0; i < values.size(); ++i) {
    llvm::APFloat v(values[i]);
    bool lost;
    v.convert(type.getFloatSemantics(), llvm::APFloat::rmNearestTiesToEven, &lost);
    uint16_t bits = v.bitcastToAPInt().getZExtValue();
    std::memcpy(out.data() + 2 * i, &bits, 2);
  }
  return out;
}

MemRefType withElement(Type t, Type element) { return MemRefType::Builder(cast<MemRefType>(t)).setElementType(element); }

struct NarrowWeightsPass : impl::NarrowWeightsBase<NarrowWeightsPass> {
  using NarrowWeightsBase::NarrowWeightsBase;

  void runOnOperation() override {
    if (precision != "fp16" && precision != "bf16")
      return;
    ModuleOp module = getOperation();
    MLIRContext *ctx = module.getContext();
    FloatType narrow = precision == "bf16" ? FloatType(BFloat16Type::get(ctx)) : FloatType(Float16Type::get(ctx));
    // The operand loads of the loop nests that will run on the tensor cores.
    llvm::DenseSet<Operation *> operands;
    module.walk([&](scf::ParallelOp loop) {
      if (loop->getParentOfType<scf::ParallelOp>())
        return;
      SmallVector<int64_t> counts, lbs, steps;
      if (!staticBounds(loop, counts, lbs, steps))
        return;
      std::optional<Contraction> c = matchContraction(loop, counts, lbs, steps);
      if (c && suitsTensorCores(*c, precision)) {
        operands.insert(c->a);
        operands.insert(c->b);
      }
    });
    // Each global's views and loads; narrowed when every load is such an operand.
    llvm::StringMap<SmallVector<memref::GetGlobalOp>> uses;
    module.walk([&](memref::GetGlobalOp g) { uses[g.getName()].push_back(g); });
    for (auto global : module.getOps<memref::GlobalOp>()) {
      auto type = global.getType();
      auto init = dyn_cast_or_null<ElementsAttr>(global.getInitialValueAttr());
      if (!global.getConstant() || !init || !type.getElementType().isF32() || !type.hasStaticShape() ||
          !uses.count(global.getSymName()))
        continue;
      SmallVector<Value> views;
      SmallVector<memref::LoadOp> loads;
      bool narrowable = true;
      std::function<void(Value)> visit = [&](Value v) {
        views.push_back(v);
        for (Operation *user : v.getUsers()) {
          if (auto load = dyn_cast<memref::LoadOp>(user); load && operands.contains(load))
            loads.push_back(load);
          else if (isa<memref::ExpandShapeOp, memref::CollapseShapeOp, memref::SubViewOp>(user))
            visit(user->getResult(0));
          else
            narrowable = false;
        }
      };
      for (memref::GetGlobalOp g : uses[global.getSymName()])
        visit(g.getResult());
      std::optional<std::vector<float>> values;
      if (!narrowable || loads.empty() || !(values = valuesOf(init, type.getNumElements())))
        continue;
      auto dataType = RankedTensorType::get(type.getShape(), narrow);
      std::vector<char> data = narrowed(*values, narrow);
      global.setInitialValueAttr(DenseElementsAttr::getFromRawBuffer(dataType, data));
      global.setType(withElement(type, narrow));
      for (Value v : views)
        v.setType(withElement(v.getType(), narrow));
      for (memref::LoadOp load : loads) {
        load.getResult().setType(narrow);
        OpBuilder b(load->getContext());
        b.setInsertionPointAfter(load);
        auto ext = arith::ExtFOp::create(b, load.getLoc(), Float32Type::get(ctx), load.getResult());
        load.getResult().replaceAllUsesExcept(ext, ext);
      }
    }
  }
};

} // namespace
} // namespace onnxc::codegen
