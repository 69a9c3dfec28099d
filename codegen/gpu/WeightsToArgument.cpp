// Gathers every constant global into one weights blob that the entry function takes as a trailing argument (device weights).
#include "codegen/Passes.h"
#include "target/TargetInfo.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/DialectResourceBlobManager.h"

using namespace mlir;

namespace onnxc::codegen {
#define GEN_PASS_DEF_WEIGHTSTOARGUMENT
#include "codegen/Passes.h.inc"

namespace {

int64_t elementBytes(Type t) { return std::max<int64_t>(1, (t.getIntOrFloatBitWidth() + 7) / 8); }

/// Appends `attr`'s elements, row-major, one element per elementBytes()
/// (i1 as one byte), to `out`. Fails on data it cannot read.
LogicalResult appendData(ElementsAttr attr, MemRefType type, std::vector<char> &out) {
  Type elem = type.getElementType();
  int64_t n = type.getNumElements(), bytes = elementBytes(elem);
  size_t base = out.size();
  out.resize(base + n * bytes);
  char *dst = out.data() + base;
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    if (elem.isInteger(1)) {
      int64_t i = 0;
      for (bool v : dense.getValues<bool>())
        dst[i++] = v;
      return success();
    }
    ArrayRef<char> raw = dense.getRawData();
    if (dense.isSplat()) {
      for (int64_t i = 0; i < n; ++i)
        std::memcpy(dst + i * bytes, raw.data(), bytes);
      return success();
    }
    if ((int64_t)raw.size() != n * bytes)
      return failure();
    std::memcpy(dst, raw.data(), raw.size());
    return success();
  }
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob || (int64_t)blob->getData().size() != n * bytes || elem.isInteger(1))
      return failure();
    std::memcpy(dst, blob->getData().data(), n * bytes);
    return success();
  }
  return failure();
}

struct WeightsToArgumentPass : impl::WeightsToArgumentBase<WeightsToArgumentPass> {
  using WeightsToArgumentBase::WeightsToArgumentBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    int64_t align = targetOf(module).weightAlign;
    std::vector<char> blob;
    llvm::StringMap<int64_t> offsets;
    SmallVector<memref::GlobalOp> globals(module.getOps<memref::GlobalOp>());
    for (memref::GlobalOp global : globals) {
      auto init = dyn_cast_or_null<ElementsAttr>(global.getInitialValueAttr());
      if (!global.getConstant() || !init || !global.getType().hasStaticShape()) {
        global.emitError("only constant, initialized globals can live in GPU memory");
        return signalPassFailure();
      }
      blob.resize((blob.size() + align - 1) / align * align);
      offsets[global.getSymName()] = blob.size();
      if (failed(appendData(init, global.getType(), blob))) {
        global.emitError("cannot read the data of this constant");
        return signalPassFailure();
      }
    }
    MLIRContext *ctx = module.getContext();
    auto blobType = MemRefType::get({(int64_t)blob.size()}, IntegerType::get(ctx, 8));
    for (auto func : module.getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
      auto alignAttr = NamedAttribute(StringAttr::get(ctx, kAlignAttr), IntegerAttr::get(IntegerType::get(ctx, 64), align));
      if (failed(func.insertArgument(func.getNumArguments(), blobType, DictionaryAttr::get(ctx, {alignAttr}),
                                     func.getLoc())))
        return signalPassFailure();
      Value weights = func.getArgument(func.getNumArguments() - 1);
      SmallVector<memref::GetGlobalOp> uses;
      func.walk([&](memref::GetGlobalOp g) { uses.push_back(g); });
      for (memref::GetGlobalOp g : uses) {
        OpBuilder b(g);
        Value offset = arith::ConstantIndexOp::create(b, g.getLoc(), offsets.lookup(g.getName()));
        auto type = cast<MemRefType>(g.getType());
        Value view = memref::ViewOp::create(b, g.getLoc(), type, weights, offset, ValueRange{});
        g.replaceAllUsesWith(view);
        g.erase();
      }
    }
    for (memref::GlobalOp global : globals)
      global.erase();
    // The blob itself, for the host object (uploaded to the device on load).
    OpBuilder b(ctx);
    b.setInsertionPointToStart(module.getBody());
    auto data = DenseElementsAttr::getFromRawBuffer(RankedTensorType::get({(int64_t)blob.size()}, blobType.getElementType()),
                                                    ArrayRef<char>(blob));
    memref::GlobalOp::create(b, module.getLoc(), kWeightsGlobal, b.getStringAttr("private"), blobType, data,
                             /*constant=*/true, b.getI64IntegerAttr(align));
  }
};

} // namespace
} // namespace onnxc::codegen
