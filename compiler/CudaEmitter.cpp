// The CUDA host object's C ABI: NAME_load/unload/run_async/run/info, the kernel table, the fatbin and the shim descriptor.
#include "compiler/Cuda.h"
#include "codegen/Passes.h"

#include "llvm/IR/IRBuilder.h"

namespace onnxc {

void addCudaEntryPoints(llvm::Module &m, const ModelSignature &sig, llvm::StringRef implName,
                        const CudaBinary &binary) {
  llvm::LLVMContext &ctx = m.getContext();
  auto *ptrTy = llvm::PointerType::getUnqual(ctx);
  auto *i32 = llvm::Type::getInt32Ty(ctx);
  auto *sizeTy = m.getDataLayout().getIntPtrType(ctx);
  auto *voidTy = llvm::Type::getVoidTy(ctx);
  addModelInfo(m, sig);

  // The fatbin where NVIDIA's tools look for it (cuobjdump, nsight).
  auto *image = new llvm::GlobalVariable(m, llvm::ArrayType::get(llvm::Type::getInt8Ty(ctx), binary.image.size()),
                                         true, llvm::GlobalValue::PrivateLinkage,
                                         llvm::ConstantDataArray::getString(ctx, binary.image, false),
                                         sig.name + "_fatbin");
  image->setAlignment(llvm::Align(16));
  if (binary.fatbin)
    image->setSection(".nv_fatbin");

  // onnxc_cuda_kernel[] {name, nodes}
  auto *kernelTy = llvm::StructType::get(ctx, {ptrTy, ptrTy});
  std::vector<llvm::Constant *> kernels;
  for (size_t i = 0; i < binary.kernels.size(); ++i) {
    std::string base = sig.name + "_kernel" + std::to_string(i);
    kernels.push_back(llvm::ConstantStruct::get(
        kernelTy, {constantGlobal(m, llvm::ConstantDataArray::getString(ctx, binary.kernels[i].name), base + "_name"),
                   constantGlobal(m, llvm::ConstantDataArray::getString(ctx, binary.kernels[i].nodes),
                                  base + "_nodes")}));
  }
  llvm::Constant *kernelTable =
      constantGlobal(m, llvm::ConstantArray::get(llvm::ArrayType::get(kernelTy, kernels.size()), kernels),
                     sig.name + "_kernels");

  // onnxc_cuda_module {model_name, fatbin, fatbin_size, kernels, num_kernels, weights, weights_size}
  llvm::GlobalVariable *weights = m.getGlobalVariable(codegen::kWeightsGlobal, /*AllowInternal=*/true);
  uint64_t weightBytes = weights ? m.getDataLayout().getTypeAllocSize(weights->getValueType()) : 0;
  auto *moduleTy = llvm::StructType::get(ctx, {ptrTy, ptrTy, sizeTy, ptrTy, i32, ptrTy, sizeTy});
  llvm::Constant *desc = llvm::ConstantStruct::get(
      moduleTy,
      {constantGlobal(m, llvm::ConstantDataArray::getString(ctx, sig.name), sig.name + "_cuda_name"), image,
       llvm::ConstantInt::get(sizeTy, binary.image.size()), kernelTable, llvm::ConstantInt::get(i32, kernels.size()),
       weights ? (llvm::Constant *)weights : llvm::ConstantPointerNull::get(ptrTy),
       llvm::ConstantInt::get(sizeTy, weightBytes)});
  llvm::GlobalVariable *module = constantGlobal(m, desc, sig.name + "_cuda_module");

  auto shim = [&](const char *name, llvm::Type *ret, llvm::ArrayRef<llvm::Type *> params) {
    return m.getOrInsertFunction(name, llvm::FunctionType::get(ret, params, false));
  };
  auto runShim = shim("onnxc_cuda_run", i32, {ptrTy, ptrTy, i32, ptrTy, ptrTy});
  auto weightsShim = shim("onnxc_cuda_weights", ptrTy, {ptrTy});

  // static void NAME_dispatch(onnxc_cuda_call *call, void *const *args): args are
  // the inputs, outputs and workspace; the impl takes the weights and call after them.
  llvm::Function *impl = m.getFunction(implName);
  impl->setLinkage(llvm::GlobalValue::InternalLinkage);
  size_t numArgs = sig.inputs.size() + sig.outputs.size() + 1;
  auto *dispatch = llvm::Function::Create(llvm::FunctionType::get(voidTy, {ptrTy, ptrTy}, false),
                                          llvm::GlobalValue::InternalLinkage, sig.name + "_dispatch", m);
  {
    llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", dispatch));
    std::vector<llvm::Value *> args;
    for (size_t i = 0; i < numArgs; ++i)
      args.push_back(b.CreateLoad(ptrTy, b.CreateConstGEP1_64(ptrTy, dispatch->getArg(1), i)));
    args.push_back(b.CreateCall(weightsShim, {dispatch->getArg(0)}));
    args.push_back(dispatch->getArg(0));
    b.CreateCall(impl, args);
    b.CreateRetVoid();
  }

  // int NAME_run_async(inputs, outputs, workspace, stream) and NAME_run(inputs, outputs, workspace).
  auto addRun = [&](const std::string &name, bool async) {
    std::vector<llvm::Type *> params{ptrTy, ptrTy, ptrTy};
    if (async)
      params.push_back(ptrTy);
    auto *fn = llvm::Function::Create(llvm::FunctionType::get(i32, params, false), llvm::GlobalValue::ExternalLinkage,
                                      name, m);
    llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", fn));
    llvm::Value *array = b.CreateAlloca(ptrTy, llvm::ConstantInt::get(i32, numArgs));
    std::vector<llvm::Value *> args = emitArgumentChecks(b, sig, fn->getArg(0), fn->getArg(1), fn->getArg(2));
    for (size_t i = 0; i < args.size(); ++i)
      b.CreateStore(args[i], b.CreateConstGEP1_64(ptrTy, array, i));
    llvm::Value *stream = async ? (llvm::Value *)fn->getArg(3) : llvm::ConstantPointerNull::get(ptrTy);
    b.CreateRet(b.CreateCall(runShim, {module, stream, llvm::ConstantInt::get(i32, async ? 0 : 1), dispatch, array}));
  };
  addRun(sig.name + "_run_async", true);
  addRun(sig.name + "_run", false);

  // int NAME_load(void) and void NAME_unload(void).
  auto *load = llvm::Function::Create(llvm::FunctionType::get(i32, false), llvm::GlobalValue::ExternalLinkage,
                                      sig.name + "_load", m);
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", load));
  b.CreateRet(b.CreateCall(shim("onnxc_cuda_load", i32, {ptrTy}), {module}));
  auto *unload = llvm::Function::Create(llvm::FunctionType::get(voidTy, false), llvm::GlobalValue::ExternalLinkage,
                                        sig.name + "_unload", m);
  b.SetInsertPoint(llvm::BasicBlock::Create(ctx, "entry", unload));
  b.CreateCall(shim("onnxc_cuda_unload", voidTy, {ptrTy}), {module});
  b.CreateRetVoid();
}

} // namespace onnxc
