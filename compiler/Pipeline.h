// Compilation phases and the pass pipelines that lead to each one.
#ifndef ONNXC_COMPILER_PIPELINE_H
#define ONNXC_COMPILER_PIPELINE_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"

namespace onnxc {

/// Where `--emit` stops; each phase includes the ones before it.
enum class Phase { Onnx, Linalg, LlvmDialect, Llvm, Asm, Obj };

/// Registers every dialect and pass onnxc uses (for onnxc and onnxc-opt).
void registerAllOnnxc(mlir::DialectRegistry &registry);
void registerOnnxcPasses();

/// Target facts the pass pipeline depends on.
struct PipelineOptions {
  int64_t vectorBits = 512; // width of the target's vector registers
};

/// Adds the passes that bring an imported module to `phase` (MLIR phases only).
mlir::LogicalResult addPasses(mlir::PassManager &pm, Phase phase,
                              const PipelineOptions &options = {});

} // namespace onnxc

#endif // ONNXC_COMPILER_PIPELINE_H
