// Host side of GPU models: each gpu.launch_func becomes a call to the shim's onnxc_cuda_launch through a trailing `call` argument.
#include "codegen/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"

using namespace mlir;

namespace onnxc::codegen {
#define GEN_PASS_DEF_LOWERLAUNCHES
#include "codegen/Passes.h.inc"

namespace {

struct LowerLaunchesPass : impl::LowerLaunchesBase<LowerLaunchesPass> {
  using LowerLaunchesBase::LowerLaunchesBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = module.getContext();
    OpBuilder b(ctx);
    auto ptrTy = LLVM::LLVMPointerType::get(ctx);
    auto i32 = b.getI32Type(), i64 = b.getI64Type();

    llvm::StringMap<int32_t> kernelIndex;
    if (auto table = module->getAttrOfType<ArrayAttr>(kKernelTableAttr))
      for (auto [i, entry] : llvm::enumerate(table.getAsRange<DictionaryAttr>()))
        kernelIndex[entry.getAs<StringAttr>("name").getValue()] = i;

    // void onnxc_cuda_launch(call, kernel, gx, gy, gz, bx, by, bz, shared, params)
    b.setInsertionPointToStart(module.getBody());
    auto launchTy = LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(ctx),
                                                {ptrTy, i32, i32, i32, i32, i32, i32, i32, i32, ptrTy});
    auto launchFn = LLVM::LLVMFuncOp::create(b, module.getLoc(), "onnxc_cuda_launch", launchTy);

    for (auto func : module.getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
      if (failed(func.insertArgument(func.getNumArguments(), ptrTy, {}, func.getLoc())))
        return signalPassFailure();
      Value call = func.getArgument(func.getNumArguments() - 1);
      Block &entry = func.getBody().front();
      SmallVector<gpu::LaunchFuncOp> launches;
      func.walk([&](gpu::LaunchFuncOp l) { launches.push_back(l); });
      for (gpu::LaunchFuncOp launch : launches) {
        Location loc = launch.getLoc();
        // Parameter slots live in the entry block (no stack growth in host loops).
        b.setInsertionPointToStart(&entry);
        auto one = LLVM::ConstantOp::create(b, loc, i64, 1);
        SmallVector<Value> slots;
        for (Value arg : launch.getKernelOperands()) {
          Type slotTy = isa<MemRefType>(arg.getType()) ? Type(ptrTy)
                        : arg.getType().isIndex()       ? Type(indexBits == 32 ? i32 : i64)
                                                        : arg.getType();
          slots.push_back(LLVM::AllocaOp::create(b, loc, ptrTy, slotTy, one));
        }
        auto count = LLVM::ConstantOp::create(b, loc, i64, std::max<int64_t>(slots.size(), 1));
        Value params = LLVM::AllocaOp::create(b, loc, ptrTy, ptrTy, count);

        b.setInsertionPoint(launch);
        for (auto [i, arg] : llvm::enumerate(launch.getKernelOperands())) {
          Value v = arg;
          if (isa<MemRefType>(arg.getType())) {
            Value addr = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, arg);
            v = LLVM::IntToPtrOp::create(b, loc, ptrTy, arith::IndexCastUIOp::create(b, loc, i64, addr).getResult());
          } else if (arg.getType().isIndex()) {
            v = arith::IndexCastOp::create(b, loc, indexBits == 32 ? Type(i32) : Type(i64), arg);
          }
          LLVM::StoreOp::create(b, loc, v, slots[i]);
          Value at = LLVM::GEPOp::create(b, loc, ptrTy, ptrTy, params, ArrayRef<LLVM::GEPArg>{(int32_t)i});
          LLVM::StoreOp::create(b, loc, slots[i], at);
        }
        auto dim = [&](Value v) { return arith::IndexCastOp::create(b, loc, i32, v).getResult(); };
        auto grid = launch.getGridSizeOperandValues(), block = launch.getBlockSizeOperandValues();
        Value shared = launch.getDynamicSharedMemorySize()
                           ? launch.getDynamicSharedMemorySize()
                           : LLVM::ConstantOp::create(b, loc, i32, 0).getResult();
        auto kernel = kernelIndex.find(launch.getKernelName().getValue());
        if (kernel == kernelIndex.end()) {
          launch.emitError("kernel missing from the kernel table");
          return signalPassFailure();
        }
        Value index = LLVM::ConstantOp::create(b, loc, i32, kernel->second);
        LLVM::CallOp::create(b, loc, launchFn,
                             ValueRange{call, index, dim(grid.x), dim(grid.y), dim(grid.z), dim(block.x),
                                        dim(block.y), dim(block.z), shared, params});
        launch.erase();
      }
    }
  }
};

} // namespace
} // namespace onnxc::codegen
