// The CUDA back end's last steps: kernels to PTX, cubins and a fatbin (toolkit tools), and the host object's entry points.
#ifndef ONNXC_COMPILER_CUDA_H
#define ONNXC_COMPILER_CUDA_H

#include "compiler/Emitter.h"
#include "target/TargetInfo.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/IR/Module.h"

#include <optional>
#include <string>
#include <vector>

namespace onnxc {

/// Where the CUDA toolkit is and what to make with it.
struct CudaOptions {
  std::string toolkit; // --cuda-toolkit; "" = $CUDA_HOME, else /usr/local/cuda
  bool ptxOnly = false; // embed PTX only (JIT-compiled by the driver); no ptxas needed
};

struct CudaKernel {
  std::string name, nodes;
};

/// The device code of a model.
struct CudaBinary {
  std::string ptx;   // for the lowest architecture (the JIT fallback)
  std::string image; // a fatbin, or (PTX only) the NUL-terminated PTX
  bool fatbin = false;
  std::vector<CudaKernel> kernels; // in launch-index order
};

/// The toolkit folder `options` names, or nullopt with `error` naming the flag.
std::optional<std::string> findCudaToolkit(const CudaOptions &options, std::string &error);

/// Serializes the module's gpu.module (PTX through MLIR's NVVM target with
/// libdevice linked; then `ptxas` per architecture and `fatbinary`) and erases
/// it, leaving the host code. Errors go to `diagnostics` as `onnxc: error:`.
std::optional<CudaBinary> buildCudaBinary(mlir::ModuleOp module, const TargetInfo &target,
                                          const CudaOptions &options, llvm::raw_ostream &diagnostics);

/// Adds NAME_info, NAME_load, NAME_unload, NAME_run_async and NAME_run, the
/// kernel table and the fatbin (section .nv_fatbin) to the host module whose
/// `implName` launches the kernels through the shim.
void addCudaEntryPoints(llvm::Module &module, const ModelSignature &sig, llvm::StringRef implName,
                        const CudaBinary &binary);

} // namespace onnxc

#endif // ONNXC_COMPILER_CUDA_H
