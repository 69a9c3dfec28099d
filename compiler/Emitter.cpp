// Emits the public artifacts: the C ABI entry points, the C header, machine code.
#include "compiler/Emitter.h"
#include "compiler/Importer.h"
#include "dialects/onnx/OnnxUtils.h"

#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/Passes/PassBuilder.h"

using namespace mlir;

namespace onnxc {

ModelSignature signatureOf(func::FuncOp func, const std::string &name) {
  ModelSignature sig;
  sig.name = name;
  auto describe = [](Type t, StringAttr n) {
    auto rt = cast<RankedTensorType>(t);
    return TensorSignature{n ? n.str() : std::string(), onnx::onnxCodeFromElementType(rt.getElementType()),
                           std::vector<int64_t>(rt.getShape().begin(), rt.getShape().end())};
  };
  for (unsigned i = 0; i < func.getNumArguments(); ++i)
    sig.inputs.push_back(describe(func.getArgument(i).getType(),
                                  func.getArgAttrOfType<StringAttr>(i, onnx::kValueNameAttr)));
  for (unsigned i = 0; i < func.getNumResults(); ++i)
    sig.outputs.push_back(describe(func.getResultTypes()[i],
                                   func.getResultAttrOfType<StringAttr>(i, onnx::kValueNameAttr)));
  return sig;
}

llvm::GlobalVariable *constantGlobal(llvm::Module &m, llvm::Constant *init, const llvm::Twine &name) {
  auto *g = new llvm::GlobalVariable(m, init->getType(), /*isConstant=*/true,
                                     llvm::GlobalValue::PrivateLinkage, init, name);
  g->setAlignment(llvm::Align(8));
  g->setUnnamedAddr(llvm::GlobalValue::UnnamedAddr::Global);
  return g;
}

void addModelInfo(llvm::Module &m, const ModelSignature &sig) {
  llvm::LLVMContext &ctx = m.getContext();
  const llvm::DataLayout &dl = m.getDataLayout();
  auto *ptrTy = llvm::PointerType::getUnqual(ctx);
  auto *i32 = llvm::Type::getInt32Ty(ctx);
  auto *sizeTy = dl.getIntPtrType(ctx);

  // onnxc_tensor_info {const char *name; int32_t elem_type; int32_t rank; const int64_t *dims;}
  auto *tensorInfoTy = llvm::StructType::get(ctx, {ptrTy, i32, i32, ptrTy});
  auto tensorArray = [&](const std::vector<TensorSignature> &ts, const char *kind) -> llvm::Constant * {
    std::vector<llvm::Constant *> entries;
    for (size_t i = 0; i < ts.size(); ++i) {
      llvm::Constant *name = llvm::ConstantDataArray::getString(ctx, ts[i].name);
      std::vector<uint64_t> dims(ts[i].dims.begin(), ts[i].dims.end());
      llvm::Constant *dimsInit = llvm::ConstantDataArray::get(ctx, dims);
      std::string base = sig.name + "_" + kind + std::to_string(i);
      entries.push_back(llvm::ConstantStruct::get(
          tensorInfoTy, {constantGlobal(m, name, base + "_name"), llvm::ConstantInt::get(i32, ts[i].elemType),
                         llvm::ConstantInt::get(i32, ts[i].dims.size()),
                         constantGlobal(m, dimsInit, base + "_dims")}));
    }
    auto *arrTy = llvm::ArrayType::get(tensorInfoTy, entries.size());
    return constantGlobal(m, llvm::ConstantArray::get(arrTy, entries), sig.name + "_" + kind + "s");
  };
  // onnxc_model_info {name; num_inputs, num_outputs; inputs, outputs; workspace_size, workspace_align}
  auto *modelInfoTy = llvm::StructType::get(ctx, {ptrTy, i32, i32, ptrTy, ptrTy, sizeTy, sizeTy});
  llvm::Constant *info = llvm::ConstantStruct::get(
      modelInfoTy, {constantGlobal(m, llvm::ConstantDataArray::getString(ctx, sig.name), sig.name + "_model_name"),
                    llvm::ConstantInt::get(i32, sig.inputs.size()), llvm::ConstantInt::get(i32, sig.outputs.size()),
                    tensorArray(sig.inputs, "input"), tensorArray(sig.outputs, "output"),
                    llvm::ConstantInt::get(sizeTy, sig.workspaceSize),
                    llvm::ConstantInt::get(sizeTy, sig.workspaceAlign)});
  llvm::GlobalVariable *infoGlobal = constantGlobal(m, info, sig.name + "_model_info");

  auto *infoFn = llvm::Function::Create(llvm::FunctionType::get(ptrTy, false),
                                        llvm::GlobalValue::ExternalLinkage, sig.name + "_info", m);
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", infoFn));
  b.CreateRet(infoGlobal);
}

std::vector<llvm::Value *> emitArgumentChecks(llvm::IRBuilder<> &b, const ModelSignature &sig, llvm::Value *inputs,
                                              llvm::Value *outputs, llvm::Value *ws) {
  llvm::LLVMContext &ctx = b.getContext();
  llvm::Function *fn = b.GetInsertBlock()->getParent();
  auto *ptrTy = llvm::PointerType::getUnqual(ctx);
  auto *i32 = llvm::Type::getInt32Ty(ctx);
  auto *sizeTy = fn->getParent()->getDataLayout().getIntPtrType(ctx);
  // Each check branches to a block returning `code` when `bad` holds.
  auto check = [&](llvm::Value *bad, int code) {
    auto *fail = llvm::BasicBlock::Create(ctx, "fail", fn);
    auto *next = llvm::BasicBlock::Create(ctx, "next", fn);
    b.CreateCondBr(bad, fail, next);
    b.SetInsertPoint(fail);
    b.CreateRet(llvm::ConstantInt::get(i32, code));
    b.SetInsertPoint(next);
  };
  std::vector<llvm::Value *> args;
  auto loadPointers = [&](llvm::Value *array, size_t n, int code) {
    if (n == 0)
      return;
    check(b.CreateIsNull(array), code);
    for (size_t i = 0; i < n; ++i) {
      llvm::Value *p = b.CreateLoad(ptrTy, b.CreateConstGEP1_64(ptrTy, array, i));
      check(b.CreateIsNull(p), code);
      args.push_back(p);
    }
  };
  loadPointers(inputs, sig.inputs.size(), 1);
  loadPointers(outputs, sig.outputs.size(), 2);
  if (sig.workspaceSize > 0) {
    check(b.CreateIsNull(ws), 3);
    llvm::Value *addr = b.CreatePtrToInt(ws, sizeTy);
    check(b.CreateICmpNE(b.CreateAnd(addr, sig.workspaceAlign - 1), llvm::ConstantInt::get(sizeTy, 0)), 4);
  }
  args.push_back(ws);
  return args;
}

void addAbiEntryPoints(llvm::Module &m, const ModelSignature &sig, llvm::StringRef implName) {
  llvm::LLVMContext &ctx = m.getContext();
  auto *ptrTy = llvm::PointerType::getUnqual(ctx);
  auto *i32 = llvm::Type::getInt32Ty(ctx);
  addModelInfo(m, sig);
  // int NAME_run(const void *const *inputs, void *const *outputs, void *workspace)
  auto *runFn = llvm::Function::Create(llvm::FunctionType::get(i32, {ptrTy, ptrTy, ptrTy}, false),
                                       llvm::GlobalValue::ExternalLinkage, sig.name + "_run", m);
  llvm::Function *impl = m.getFunction(implName);
  impl->setLinkage(llvm::GlobalValue::InternalLinkage);
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", runFn));
  std::vector<llvm::Value *> args = emitArgumentChecks(b, sig, runFn->getArg(0), runFn->getArg(1), runFn->getArg(2));
  b.CreateCall(impl, args);
  b.CreateRet(llvm::ConstantInt::get(i32, 0));
}

/// `s` made safe for a C comment on one line.
static std::string commentSafe(const std::string &s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = s[i];
    if ((c == '*' && i + 1 < s.size() && s[i + 1] == '/') || (c == '/' && i + 1 < s.size() && s[i + 1] == '*'))
      out += c == '*' ? "*\\" : "/\\"; // neither ends nor opens a comment
    else if (c < 0x20 || c >= 0x7f)
      out += '?';
    else
      out += (char)c;
  }
  return out;
}

std::string emitHeader(const ModelSignature &sig) {
  std::string guard = "ONNXC_MODEL_" + sig.name + "_H";
  for (char &c : guard)
    c = std::toupper((unsigned char)c);
  std::string s;
  llvm::raw_string_ostream os(s);
  os << "/* " << sig.name << ".h: generated by onnxc; the C ABI of compiled model '" << sig.name << "'. */\n"
     << "#ifndef " << guard << "\n#define " << guard << "\n\n#include <onnxc/runtime.h>\n\n"
     << "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
  auto list = [&](const char *kind, const std::vector<TensorSignature> &ts) {
    for (size_t i = 0; i < ts.size(); ++i) {
      os << " *   " << kind << " " << i << ": '" << commentSafe(ts[i].name) << "' type " << ts[i].elemType << " [";
      for (size_t d = 0; d < ts[i].dims.size(); ++d)
        os << (d ? "x" : "") << ts[i].dims[d];
      os << "]\n";
    }
  };
  os << "/*\n";
  list("input", sig.inputs);
  list("output", sig.outputs);
  os << " */\n\n"
     << "/* Bytes of scratch " << (sig.cuda ? "device memory" : "memory") << " NAME_run needs ("
     << sig.workspaceAlign << "-byte aligned). */\n"
     << "#define " << sig.name << "_WORKSPACE_SIZE ((size_t)" << sig.workspaceSize << "u)\n\n"
     << "/* Names, types and shapes of the inputs and outputs. */\n"
     << "const onnxc_model_info *" << sig.name << "_info(void);\n\n";
  if (sig.cuda)
    os << "/* Loads the kernels and uploads the weights in the current CUDA context (else the\n"
       << " * primary context of device ONNXC_CUDA_DEVICE, default 0); idempotent. Optional:\n"
       << " * the first run loads. Returns 0 or an ONNXC_ERR_* code. */\n"
       << "int " << sig.name << "_load(void);\n\n"
       << "/* Frees what " << sig.name << "_load made, in every context; not while a run is in flight. */\n"
       << "void " << sig.name << "_unload(void);\n\n"
       << "/* Enqueues the model on `stream` (a CUstream; NULL: the default stream). inputs,\n"
       << " * outputs and workspace are device pointers. After " << sig.name << "_load it never\n"
       << " * allocates and never synchronizes (it can be captured into a CUDA graph).\n"
       << " * Returns 0 or an ONNXC_ERR_* code (onnxc_cuda_last_error tells more). */\n"
       << "int " << sig.name
       << "_run_async(const void *const *inputs, void *const *outputs, void *workspace, void *stream);\n\n"
       << "/* " << sig.name << "_run_async on the default stream, then waits for it. */\n";
  else
    os << "/* Runs the model; returns 0 or an ONNXC_ERR_* code. */\n";
  os << "int " << sig.name << "_run(const void *const *inputs, void *const *outputs, void *workspace);\n\n"
     << "#ifdef __cplusplus\n}\n#endif\n\n#endif\n";
  return s;
}

void optimizeModule(llvm::Module &module, llvm::TargetMachine &tm, int optLevel, bool unrollLoops) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PipelineTuningOptions tuning;
  tuning.LoopUnrolling = unrollLoops;
  tuning.LoopInterleaving = unrollLoops;
  llvm::PassBuilder pb(&tm, tuning);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::OptimizationLevel level = optLevel == 0   ? llvm::OptimizationLevel::O0
                                  : optLevel == 1 ? llvm::OptimizationLevel::O1
                                  : optLevel == 2 ? llvm::OptimizationLevel::O2
                                                  : llvm::OptimizationLevel::O3;
  llvm::ModulePassManager mpm = optLevel == 0 ? pb.buildO0DefaultPipeline(level)
                                              : pb.buildPerModuleDefaultPipeline(level);
  mpm.run(module, mam);
}

bool emitMachineCode(llvm::Module &module, llvm::TargetMachine &tm, bool assembly,
                     llvm::raw_pwrite_stream &os) {
  llvm::legacy::PassManager pm;
  auto type = assembly ? llvm::CodeGenFileType::AssemblyFile : llvm::CodeGenFileType::ObjectFile;
  if (tm.addPassesToEmitFile(pm, os, nullptr, type))
    return false;
  pm.run(module);
  return true;
}

} // namespace onnxc
