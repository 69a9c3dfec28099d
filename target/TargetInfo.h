// The target seam: every fact about the machine code is for, resolved once from --target/--mcpu/--mattr.
#ifndef ONNXC_TARGET_TARGETINFO_H
#define ONNXC_TARGET_TARGETINFO_H

#include "mlir/IR/BuiltinOps.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace llvm {
class Module;
class TargetMachine;
} // namespace llvm

namespace onnxc {

/// Which code generator a target uses (one pipeline per family).
enum class TargetFamily { Cpu, Gpu };

enum class FloatAbi { Default, Soft, Hard };

/// What the compiler knows about the machine it compiles for. Resolved once by
/// resolveTarget(); attached to the MLIR module by attachTarget(); passes read
/// the facts they need back with targetOf().
struct TargetInfo {
  std::string name;     // the alias (x86_64, cortex-m4, ...) or the triple as given
  std::string triple;   // LLVM target triple
  std::string cpu;      // LLVM CPU name
  std::string features; // LLVM feature string (+a,-b)
  std::string dataLayout;
  TargetFamily family = TargetFamily::Cpu;
  int64_t vectorBits = 0;      // bits per vector register; 0: no vector registers
  int64_t vectorRegisters = 0; // registers that hold a vector tile (FP registers when scalar)
  int64_t indexBits = 64;      // width of `index` and of sizes in generated code
  int64_t pointerBits = 64;
  bool hasThreads = true;      // parallel loops go through onnxc_parallel_for_measured
  bool pic = true;             // position-independent code (hosted targets)
  bool compactCode = false;    // flash/RAM-bound: no LLVM unrolling; padded inputs read through guards
  bool hardwareF64 = true;     // double-precision floating point in hardware
  FloatAbi floatAbi = FloatAbi::Default;
  int64_t workspaceAlign = 64; // bytes; the C ABI's workspace_align
  int64_t weightAlign = 64;    // bytes; alignment of constant weights
  // GPU targets: the host object is for `triple`; kernels are for these
  // architectures ("sm_80", ...; the first is the lowest, also shipped as PTX).
  std::vector<std::string> gpuArchs;

  /// Accumulators a register tile may hold: three quarters of a vector register
  /// file of 16 or more (12 on AVX2, 24 on AVX-512 and NEON), else half the
  /// registers, at most 16 scalars.
  int64_t maxAccumulators() const;
};

/// The --target aliases, in the order the error message lists them.
const std::vector<std::string> &knownTargets();

/// Resolves `target` (an alias, a full LLVM triple, or "" for the host) with
/// `mcpu`/`mattr`. On failure returns nullopt and sets `error` to a one-line
/// message naming the offending flag.
std::optional<TargetInfo> resolveTarget(const std::string &target, const std::string &mcpu,
                                        const std::string &mattr, std::string &error);

/// Parses a --cuda-arch list ("sm_80,sm_90"): known architectures, sorted,
/// without repeats. On failure returns nullopt and sets `error`.
std::optional<std::vector<std::string>> parseCudaArchs(const std::string &spec, std::string &error);

/// The LLVM target machine for `target` at -O`optLevel`, or null with `error`.
std::unique_ptr<llvm::TargetMachine> createTargetMachine(const TargetInfo &target, int optLevel,
                                                         std::string &error);

/// Stamps an LLVM module for `tm`: triple, data layout, and on hard-float ARM
/// the Tag_ABI_VFP_args build attribute (LLVM leaves it out when no function
/// passes floats, and GNU ld then refuses to link with hard-float code).
void prepareLLVMModule(llvm::Module &module, const TargetInfo &target, const llvm::TargetMachine &tm);

/// Records the target on `module`: llvm.target_triple, llvm.data_layout, the
/// DLTI index width, and the onnxc.target facts the code generators read.
void attachTarget(mlir::ModuleOp module, const TargetInfo &target);

/// The target facts recorded on `op`'s module (defaults of a 64-bit hosted CPU
/// with 512-bit vectors when none is recorded, as in hand-written lit tests).
TargetInfo targetOf(mlir::Operation *op);

/// Module attribute holding the target facts (a dictionary).
constexpr const char *kTargetAttr = "onnxc.target";

} // namespace onnxc

#endif // ONNXC_TARGET_TARGETINFO_H
