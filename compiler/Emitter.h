// Emits the public artifacts: the C ABI entry points, the C header, machine code.
#ifndef ONNXC_COMPILER_EMITTER_H
#define ONNXC_COMPILER_EMITTER_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"

#include <memory>
#include <string>
#include <vector>

namespace onnxc {

struct TensorSignature {
  std::string name;
  int32_t elemType; // ONNX TensorProto data type
  std::vector<int64_t> dims;    // -1 where known only at run time
  std::vector<int64_t> maxDims; // the bounds (= dims where static)
};

/// What the header and NAME_info describe.
struct ModelSignature {
  std::string name;
  std::vector<TensorSignature> inputs, outputs;
  uint64_t workspaceSize = 0;
  uint64_t workspaceAlign = 64; // the target's
  bool cuda = false;            // CUDA entry points (load, unload, run_async)
  /// Entries of the hidden last result that carries the run-time dims of
  /// the outputs (the -1 dims, in output order); 0 when every dim is static.
  size_t runtimeDimCount = 0;
};

/// Reads names, types and shapes of the imported function (tensor form).
ModelSignature signatureOf(mlir::func::FuncOp func, const std::string &name);

/// Adds NAME_run and NAME_run_dynamic (argument checks, then a call to
/// `implName`) and NAME_info.
void addAbiEntryPoints(llvm::Module &module, const ModelSignature &sig,
                       llvm::StringRef implName);

/// A private constant global holding `init`, 8-byte aligned.
llvm::GlobalVariable *constantGlobal(llvm::Module &m, llvm::Constant *init, const llvm::Twine &name);

/// Adds NAME_info and the model description it returns.
void addModelInfo(llvm::Module &m, const ModelSignature &sig);

/// At `b`'s insertion point (in a function returning int): returns the ABI
/// error code when an input, output or the workspace is NULL or the workspace
/// is misaligned; else yields the input and output pointers and the workspace.
std::vector<llvm::Value *> emitArgumentChecks(llvm::IRBuilder<> &b, const ModelSignature &sig, llvm::Value *inputs,
                                              llvm::Value *outputs, llvm::Value *ws);

/// The C header text for the model.
std::string emitHeader(const ModelSignature &sig);

/// Runs LLVM's optimization pipeline at `optLevel` (0-3) for `tm`; without
/// `unrollLoops` LLVM adds no unrolling of its own (the register tiles are
/// already unrolled; flash-bound targets keep their code small).
void optimizeModule(llvm::Module &module, llvm::TargetMachine &tm, int optLevel, bool unrollLoops);

/// Writes an object file or assembly for `module`; false on failure.
bool emitMachineCode(llvm::Module &module, llvm::TargetMachine &tm, bool assembly,
                     llvm::raw_pwrite_stream &os);

} // namespace onnxc

#endif // ONNXC_COMPILER_EMITTER_H
