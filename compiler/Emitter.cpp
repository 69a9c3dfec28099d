// Emits the public artifacts: the C ABI entry points, the C header, machine code.
#include "compiler/Emitter.h"
#include "compiler/Importer.h"
#include "dialects/onnx/OnnxUtils.h"

#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/Passes/PassBuilder.h"

using namespace mlir;

namespace onnxc {

/// ONNXC_ERR_SHAPE (runtime.h).
constexpr int ONNXC_ERR_SHAPE_CODE = 11;

ModelSignature signatureOf(func::FuncOp func, const std::string &name) {
  ModelSignature sig;
  sig.name = name;
  auto describe = [](Type t, StringAttr n, DenseI64ArrayAttr runtimeDims) {
    auto rt = cast<RankedTensorType>(t);
    TensorSignature ts{n ? n.str() : std::string(), onnx::onnxCodeFromElementType(rt.getElementType()),
                       std::vector<int64_t>(rt.getShape().begin(), rt.getShape().end()), {}};
    ts.maxDims = ts.dims;
    if (runtimeDims)
      for (int64_t d : runtimeDims.asArrayRef())
        ts.dims[d] = -1;
    return ts;
  };
  for (unsigned i = 0; i < func.getNumArguments(); ++i)
    sig.inputs.push_back(describe(func.getArgument(i).getType(),
                                  func.getArgAttrOfType<StringAttr>(i, onnx::kValueNameAttr), {}));
  unsigned numOutputs = func.getNumResults();
  if (func->hasAttr(onnx::kOutputDimsResultAttr)) {
    --numOutputs;
    sig.runtimeDimCount = cast<RankedTensorType>(func.getResultTypes().back()).getNumElements();
  }
  for (unsigned i = 0; i < numOutputs; ++i)
    sig.outputs.push_back(describe(func.getResultTypes()[i],
                                   func.getResultAttrOfType<StringAttr>(i, onnx::kValueNameAttr),
                                   func.getResultAttrOfType<DenseI64ArrayAttr>(i, onnx::kRuntimeDimsAttr)));
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

  // onnxc_tensor_info {const char *name; int32_t elem_type; int32_t rank; const int64_t *dims, *max_dims;}
  auto *tensorInfoTy = llvm::StructType::get(ctx, {ptrTy, i32, i32, ptrTy, ptrTy});
  auto tensorArray = [&](const std::vector<TensorSignature> &ts, const char *kind) -> llvm::Constant * {
    std::vector<llvm::Constant *> entries;
    for (size_t i = 0; i < ts.size(); ++i) {
      llvm::Constant *name = llvm::ConstantDataArray::getString(ctx, ts[i].name);
      std::vector<uint64_t> dims(ts[i].dims.begin(), ts[i].dims.end());
      std::vector<uint64_t> maxDims(ts[i].maxDims.begin(), ts[i].maxDims.end());
      std::string base = sig.name + "_" + kind + std::to_string(i);
      entries.push_back(llvm::ConstantStruct::get(
          tensorInfoTy, {constantGlobal(m, name, base + "_name"), llvm::ConstantInt::get(i32, ts[i].elemType),
                         llvm::ConstantInt::get(i32, ts[i].dims.size()),
                         constantGlobal(m, llvm::ConstantDataArray::get(ctx, dims), base + "_dims"),
                         constantGlobal(m, llvm::ConstantDataArray::get(ctx, maxDims), base + "_max_dims")}));
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

namespace {
/// Builds the argument checks of an entry point: each failing check returns
/// its ONNXC_ERR_* code.
struct EntryChecks {
  llvm::IRBuilder<> &b;
  llvm::Function *fn = b.GetInsertBlock()->getParent();
  llvm::LLVMContext &ctx = b.getContext();
  llvm::Type *ptrTy = llvm::PointerType::getUnqual(ctx);

  void failIf(llvm::Value *bad, int code) {
    auto *fail = llvm::BasicBlock::Create(ctx, "fail", fn);
    auto *next = llvm::BasicBlock::Create(ctx, "next", fn);
    b.CreateCondBr(bad, fail, next);
    b.SetInsertPoint(fail);
    b.CreateRet(llvm::ConstantInt::get(llvm::Type::getInt32Ty(ctx), code));
    b.SetInsertPoint(next);
  }
  void workspace(const ModelSignature &sig, llvm::Value *ws) {
    if (sig.workspaceSize == 0)
      return;
    auto *sizeTy = fn->getParent()->getDataLayout().getIntPtrType(ctx);
    failIf(b.CreateIsNull(ws), 3);
    llvm::Value *addr = b.CreatePtrToInt(ws, sizeTy);
    failIf(b.CreateICmpNE(b.CreateAnd(addr, sig.workspaceAlign - 1), llvm::ConstantInt::get(sizeTy, 0)), 4);
  }
  /// Room for the run-time dims the implementation writes (hidden last output).
  llvm::Value *runtimeDims(const ModelSignature &sig) {
    auto *i64 = llvm::Type::getInt64Ty(ctx);
    return b.CreateAlloca(i64, llvm::ConstantInt::get(i64, std::max<size_t>(sig.runtimeDimCount, 1)));
  }
};
} // namespace

std::vector<llvm::Value *> emitArgumentChecks(llvm::IRBuilder<> &b, const ModelSignature &sig, llvm::Value *inputs,
                                              llvm::Value *outputs, llvm::Value *ws) {
  EntryChecks checks{b};
  std::vector<llvm::Value *> args;
  auto loadPointers = [&](llvm::Value *array, size_t n, int code) {
    if (n == 0)
      return;
    checks.failIf(b.CreateIsNull(array), code);
    for (size_t i = 0; i < n; ++i) {
      llvm::Value *p = b.CreateLoad(checks.ptrTy, b.CreateConstGEP1_64(checks.ptrTy, array, i));
      checks.failIf(b.CreateIsNull(p), code);
      args.push_back(p);
    }
  };
  loadPointers(inputs, sig.inputs.size(), 1);
  loadPointers(outputs, sig.outputs.size(), 2);
  if (sig.runtimeDimCount)
    args.push_back(checks.runtimeDims(sig));
  checks.workspace(sig, ws);
  args.push_back(ws);
  return args;
}

/// int NAME_run_dynamic(const onnxc_tensor *inputs, onnxc_tensor *outputs, void *ws):
/// checks every rank and input dim against the model, runs it, and writes
/// each output's dims (the run-time ones from the hidden dims output).
static void addRunDynamic(llvm::Module &m, const ModelSignature &sig, llvm::Function *impl) {
  llvm::LLVMContext &ctx = m.getContext();
  auto *ptrTy = llvm::PointerType::getUnqual(ctx);
  auto *i32 = llvm::Type::getInt32Ty(ctx);
  auto *i64 = llvm::Type::getInt64Ty(ctx);
  auto *tensorTy = llvm::StructType::get(ctx, {ptrTy, i32, ptrTy}); // onnxc_tensor {data; rank; dims}
  auto *fn = llvm::Function::Create(llvm::FunctionType::get(i32, {ptrTy, ptrTy, ptrTy}, false),
                                    llvm::GlobalValue::ExternalLinkage, sig.name + "_run_dynamic", m);
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", fn));
  EntryChecks checks{b};
  std::vector<llvm::Value *> args, outDims;
  auto tensors = [&](llvm::Value *array, const std::vector<TensorSignature> &ts, int nullCode, bool outputs) {
    if (ts.empty())
      return;
    checks.failIf(b.CreateIsNull(array), nullCode);
    for (size_t i = 0; i < ts.size(); ++i) {
      llvm::Value *t = b.CreateConstGEP1_64(tensorTy, array, i);
      llvm::Value *data = b.CreateLoad(ptrTy, b.CreateStructGEP(tensorTy, t, 0));
      checks.failIf(b.CreateIsNull(data), nullCode);
      llvm::Value *rank = b.CreateLoad(i32, b.CreateStructGEP(tensorTy, t, 1));
      checks.failIf(b.CreateICmpNE(rank, llvm::ConstantInt::get(i32, ts[i].dims.size())), ONNXC_ERR_SHAPE_CODE);
      llvm::Value *dims = b.CreateLoad(ptrTy, b.CreateStructGEP(tensorTy, t, 2));
      if (!ts[i].dims.empty())
        checks.failIf(b.CreateIsNull(dims), ONNXC_ERR_SHAPE_CODE);
      if (!outputs)
        for (size_t d = 0; d < ts[i].dims.size(); ++d)
          checks.failIf(b.CreateICmpNE(b.CreateLoad(i64, b.CreateConstGEP1_64(i64, dims, d)),
                                       llvm::ConstantInt::get(i64, ts[i].maxDims[d])),
                        ONNXC_ERR_SHAPE_CODE);
      args.push_back(data);
      if (outputs)
        outDims.push_back(dims);
    }
  };
  tensors(fn->getArg(0), sig.inputs, 1, false);
  tensors(fn->getArg(1), sig.outputs, 2, true);
  llvm::Value *runtimeDims = checks.runtimeDims(sig);
  if (sig.runtimeDimCount)
    args.push_back(runtimeDims);
  checks.workspace(sig, fn->getArg(2));
  args.push_back(fn->getArg(2));
  b.CreateCall(impl, args);
  size_t next = 0;
  for (size_t i = 0; i < sig.outputs.size(); ++i)
    for (size_t d = 0; d < sig.outputs[i].dims.size(); ++d) {
      llvm::Value *v = sig.outputs[i].dims[d] >= 0
                           ? (llvm::Value *)llvm::ConstantInt::get(i64, sig.outputs[i].dims[d])
                           : b.CreateLoad(i64, b.CreateConstGEP1_64(i64, runtimeDims, next++));
      b.CreateStore(v, b.CreateConstGEP1_64(i64, outDims[i], d));
    }
  b.CreateRet(llvm::ConstantInt::get(i32, 0));
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
  addRunDynamic(m, sig, impl);
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
      for (size_t d = 0; d < ts[i].dims.size(); ++d) {
        os << (d ? "x" : "");
        if (ts[i].dims[d] < 0) // known at run time, up to the bound
          os << "<=" << ts[i].maxDims[d];
        else
          os << ts[i].dims[d];
      }
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
  os << "int " << sig.name << "_run(const void *const *inputs, void *const *outputs, void *workspace);\n\n";
  if (!sig.cuda)
    os << "/* Runs the model on tensors with their dims: checks every rank and input dim,\n"
       << " * writes each output's dims (a dim marked <=N above is known only at run time;\n"
       << " * its output needs room for N, and elements past the written dims are zero).\n"
       << " * Returns 0 or an ONNXC_ERR_* code (ONNXC_ERR_SHAPE for wrong ranks or dims). */\n"
       << "#define " << sig.name << "_HAS_RUN_DYNAMIC 1\n"
       << "int " << sig.name
       << "_run_dynamic(const onnxc_tensor *inputs, onnxc_tensor *outputs, void *workspace);\n\n";
  os << "#ifdef __cplusplus\n}\n#endif\n\n#endif\n";
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
