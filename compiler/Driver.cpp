// compileModel(): import, the ONNX phase once, the target family's pipeline, then LLVM IR, machine code and header.
#include "compiler/Driver.h"
#include "compiler/Progress.h"
#include "compiler/Report.h"
#include "codegen/Passes.h"
#include "compiler/Diagnostics.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/Timing.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/Target/TargetMachine.h"

using namespace mlir;

namespace onnxc {
namespace {

std::string printed(Operation *op) {
  std::string text;
  llvm::raw_string_ostream os(text);
  op->print(os);
  return text;
}

/// Refuses element types the target cannot compute with (f64 without a
/// double-precision FPU: LLVM would call soft-float helpers outside the shim).
LogicalResult checkTargetTypes(ModuleOp module, const TargetInfo &target) {
  if (target.hardwareF64)
    return success();
  auto isF64 = [](Type t) { return getElementTypeOrSelf(t).isF64(); };
  WalkResult walk = module.walk([&](Operation *op) {
    if (llvm::any_of(op->getResultTypes(), isF64) || llvm::any_of(op->getOperandTypes(), isF64)) {
      op->emitError() << "f64 tensors need a double-precision FPU, which target '" << target.name
                      << "' lacks (convert the model to f32, or compile for a core with FP64)";
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return failure(walk.wasInterrupted());
}

/// Bytes of every tensor the graph holds at once at most: an upper bound of
/// any buffer the GPU kernels index (inputs, outputs, weights, workspace).
uint64_t totalTensorBytes(ModuleOp module) {
  uint64_t total = 0;
  auto add = [&](Type t) {
    auto tensor = dyn_cast<RankedTensorType>(t);
    if (tensor && tensor.hasStaticShape() && tensor.getElementType().isIntOrFloat())
      total += tensor.getNumElements() * ((tensor.getElementTypeBitWidth() + 7) / 8);
  };
  module.walk([&](Operation *op) {
    for (Type t : op->getResultTypes())
      add(t);
    for (Region &r : op->getRegions())
      for (Block &b : r)
        for (BlockArgument a : b.getArguments())
          add(a.getType());
  });
  return total;
}

/// A phase of the compile: a timer named by a string literal (its address is
/// the timer's identity), and the progress line's phase, spanning shares
/// [from, to) of a typical compile (densenet121: half in MLIR passes, a quarter
/// in the LLVM back end).
TimingScope phase(TimingScope &root, Progress &progress, const char *name, double from, double to) {
  progress.phase(name, from, to);
  return root.nest(static_cast<const void *>(name), [name] { return std::string(name); });
}

} // namespace

std::optional<Artifacts> compileModel(const ::onnx::ModelProto &model, const CompileOptions &options,
                                      const TargetInfo &target, llvm::raw_ostream &diagnostics) {
  DialectRegistry registry;
  registerAllOnnxc(registry);
  MLIRContext ctx(registry);
  ctx.disableMultithreading();
  ctx.printOpOnDiagnostic(false); // errors name the node; no IR dumps
  DiagnosticPrinter printer(ctx, diagnostics);
  auto fail = [&](const llvm::Twine &msg) -> std::optional<Artifacts> {
    diagnostics << "onnxc: error: " << msg << "\n";
    return std::nullopt;
  };

  // --time-phases: one tree of wall times (phases, and the passes inside them), printed
  // when the manager goes out of scope; disabled timers cost nothing.
  DefaultTimingManager timing;
  timing.setEnabled(options.timePhases);
  timing.setDisplayMode(DefaultTimingManager::DisplayMode::Tree);
  timing.setOutput(createOutputStrategy(DefaultTimingManager::OutputFormat::Text, diagnostics));
  TimingScope root = timing.getRootScope();
  Progress progress(options.progress);

  ImportOptions importOptions = options.import;
  importOptions.funcName = options.name + "_impl";
  importOptions.noRuntimeDims = target.family == TargetFamily::Gpu && !options.gpuHostEmulation;
  TimingScope importTimer = phase(root, progress, "import (ONNX graph to the onnx dialect)", 0.0, 0.03);
  OwningOpRef<ModuleOp> module = importModel(ctx, model, importOptions);
  importTimer.stop();
  if (!module)
    return std::nullopt;
  attachTarget(*module, target);

  // Each pass manager takes --mlir-print-ir-* when the tool registered them.
  PassManager onnxPm(&ctx), pm(&ctx);
  if (failed(applyPassManagerCLOptions(onnxPm)) || failed(applyPassManagerCLOptions(pm)))
    return fail("bad pass manager options");

  // The ONNX phase runs once; the C signature is read from its result.
  addOnnxPasses(onnxPm);
  TimingScope onnxTimer = phase(root, progress, "graph passes (onnx dialect)", 0.03, 0.06);
  onnxPm.enableTiming(onnxTimer);
  onnxPm.addInstrumentation(progress.passCounter(onnxPm.size()));
  if (failed(onnxPm.run(*module)) || failed(checkTargetTypes(*module, target)))
    return std::nullopt;
  onnxTimer.stop();
  Artifacts artifacts;
  if (options.phase == Phase::Onnx) {
    artifacts.output = printed(*module);
    return artifacts;
  }
  auto func = *module->getOps<func::FuncOp>().begin();
  artifacts.signature = signatureOf(func, options.name);
  artifacts.signature.workspaceAlign = target.workspaceAlign;
  // Names live on in the signature; later phases need no argument attributes.
  func.setAllArgAttrs(llvm::ArrayRef<DictionaryAttr>{});
  func.setAllResultAttrs(llvm::ArrayRef<DictionaryAttr>{});

  bool cuda = target.family == TargetFamily::Gpu && !options.gpuHostEmulation;
  artifacts.signature.cuda = cuda;
  addLinalgPasses(pm);
  if (options.phase >= Phase::LlvmDialect) {
    codegen::GpuCodegenOptions gpu;
    gpu.hostEmulation = options.gpuHostEmulation;
    gpu.precision = options.precision;
    // 32-bit index arithmetic in kernels while no buffer can reach 2 GiB.
    gpu.kernelIndexBits = totalTensorBytes(*module) < (uint64_t(1) << 31) ? 32 : 64;
    codegen::CpuCodegenOptions cpu;
    cpu.profile = options.profile;
    cpu.report = options.report;
    addCodegenPasses(pm, target, gpu, cpu);
  }
  TimingScope codegenTimer = phase(root, progress, "lowering and code generation passes (MLIR)", 0.06, 0.58);
  pm.enableTiming(codegenTimer);
  pm.addInstrumentation(progress.passCounter(pm.size()));
  if (failed(pm.run(*module)))
    return std::nullopt;
  codegenTimer.stop();
  ReportData report;
  if (options.report)
    readCodegenReport(*module, report);
  if (options.phase <= Phase::LlvmDialect) {
    artifacts.output = printed(*module);
    return artifacts;
  }
  std::optional<CudaBinary> kernels;
  if (cuda) {
    CudaOptions cudaOptions = options.cuda;
    cudaOptions.ptxOnly |= options.phase == Phase::Ptx; // PTX needs no ptxas
    kernels = buildCudaBinary(*module, target, cudaOptions, diagnostics);
    if (!kernels)
      return std::nullopt;
    if (options.phase == Phase::Ptx) {
      artifacts.output = kernels->ptx;
      return artifacts;
    }
  }

  std::string error;
  std::unique_ptr<llvm::TargetMachine> tm = createTargetMachine(target, options.optLevel, error);
  if (!tm)
    return fail("cannot create the target machine: " + error);
  TimingScope translateTimer = phase(root, progress, "LLVM IR translation", 0.58, 0.62);
  llvm::LLVMContext llvmCtx;
  std::unique_ptr<llvm::Module> llvmModule = translateModuleToLLVMIR(*module, llvmCtx, options.name);
  if (!llvmModule)
    return fail("internal error: translation to LLVM IR failed");
  prepareLLVMModule(*llvmModule, target, *tm);
  if (auto ws = (*module)->getAttrOfType<IntegerAttr>(codegen::kWorkspaceSizeAttr))
    artifacts.signature.workspaceSize = ws.getInt();
  if (kernels)
    addCudaEntryPoints(*llvmModule, artifacts.signature, importOptions.funcName, *kernels);
  else
    addAbiEntryPoints(*llvmModule, artifacts.signature, importOptions.funcName);
  translateTimer.stop();
  TimingScope optimizeTimer = phase(root, progress, "LLVM optimization", 0.62, 0.77);
  optimizeModule(*llvmModule, *tm, options.optLevel, /*unrollLoops=*/!target.compactCode);
  optimizeTimer.stop();

  llvm::raw_string_ostream os(artifacts.output);
  if (options.phase == Phase::Llvm) {
    llvmModule->print(os, nullptr);
    return artifacts;
  }
  TimingScope machineTimer = phase(root, progress, "machine code (LLVM back end)", 0.77, 1.0);
  llvm::SmallString<0> code;
  llvm::raw_svector_ostream codeStream(code);
  if (!emitMachineCode(*llvmModule, *tm, options.phase == Phase::Asm, codeStream))
    return fail("target '" + target.name + "' cannot emit this file type");
  artifacts.output.assign(code.begin(), code.end());
  if (options.phase == Phase::Obj)
    artifacts.header = emitHeader(artifacts.signature);
  if (options.report) {
    describeModel(model, report);
    measureObject(artifacts.output, report);
    report.signature = artifacts.signature;
    report.target = target.name;
    report.onnxcVersion = options.version;
    report.phaseSeconds = progress.phaseSeconds();
    artifacts.report = renderReport(report);
  }
  return artifacts;
}

} // namespace onnxc
