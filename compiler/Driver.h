// compileModel(): the one entry that turns a parsed ONNX model into onnxc's artifacts (for onnxc, tests, the fuzzer).
#ifndef ONNXC_COMPILER_DRIVER_H
#define ONNXC_COMPILER_DRIVER_H

#include "compiler/Cuda.h"
#include "compiler/Emitter.h"
#include "compiler/Importer.h"
#include "compiler/Pipeline.h"
#include "target/TargetInfo.h"

#include "llvm/Support/raw_ostream.h"

#include <optional>
#include <string>

namespace onnxc {

/// What to compile and how far.
struct CompileOptions {
  ImportOptions import;
  /// The C symbol prefix (a C identifier).
  std::string name = "model";
  Phase phase = Phase::Obj;
  int optLevel = 3;
  /// GPU targets: the toolkit, and whether to stop before mapping to threads
  /// and build a host (CPU-ABI) object of the same loops instead.
  CudaOptions cuda;
  bool gpuHostEmulation = false;
  std::string precision = "fp32"; // GPU: fp32, fp16 or bf16 (tensor cores)
  /// Print each phase's and pass's wall time to the diagnostics stream (--time-phases).
  bool timePhases = false;
  /// Show the phase and share done on a terminal once the compile passes 2 s.
  bool progress = false;
  /// Time each kernel through the shim's onnxc_profile_* hooks (CPU targets).
  bool profile = false;
  /// Gather what --report shows (Artifacts::report), naming this onnxc version.
  bool report = false;
  std::string version;
};

/// What a compilation produces.
struct Artifacts {
  /// The object file (Phase::Obj), assembly, LLVM IR or MLIR text.
  std::string output;
  /// The C header (Phase::Obj only).
  std::string header;
  ModelSignature signature;
  /// --report's HTML page (when CompileOptions::report and the object was made).
  std::string report;
};

/// Compiles `model` for `target` up to `options.phase`. Errors are printed to
/// `diagnostics` as `onnxc: error: ...` lines; returns nothing on error.
/// `model` must outlive the call (weights are referenced, not copied).
std::optional<Artifacts> compileModel(const ::onnx::ModelProto &model, const CompileOptions &options,
                                      const TargetInfo &target, llvm::raw_ostream &diagnostics);

} // namespace onnxc

#endif // ONNXC_COMPILER_DRIVER_H
