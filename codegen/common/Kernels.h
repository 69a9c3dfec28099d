// Kernels: runs of a function's top-level work ops that come from the same ONNX nodes (what --profile times, --report lists).
#ifndef ONNXC_CODEGEN_KERNELS_H
#define ONNXC_CODEGEN_KERNELS_H

#include "mlir/IR/Block.h"
#include "llvm/ADT/SetVector.h"

#include <string>

namespace onnxc::codegen {

/// Module attributes that --report reads after code generation.
constexpr const char *kReportKernelsAttr = "onnxc.report.kernels";     // kernels (ReportKernels)
constexpr const char *kReportNodeFlopsAttr = "onnxc.report.node_flops"; // node name -> FLOPs (CountNodeFlops)
constexpr const char *kReportBuffersAttr = "onnxc.report.buffers";     // [start, end, bytes, offset] per buffer
constexpr const char *kReportBufferNamesAttr = "onnxc.report.buffer_names";
constexpr const char *kReportPointsAttr = "onnxc.report.points"; // program points of the planned function
/// Discardable attribute on the loops a reduction's register tiles became: their shape.
constexpr const char *kTileAttr = "onnxc.tile";

/// Adds the ONNX node names in `loc` (the importer gives each op
/// loc("node name"(loc("OpType"))); initializers are skipped).
void collectNodeNames(mlir::Location loc, llvm::SetVector<llvm::StringRef> &names);

/// The node names of `ops` and everything nested in them, in order of appearance.
llvm::SetVector<llvm::StringRef> nodeNamesOf(llvm::ArrayRef<mlir::Operation *> ops);

struct Kernel {
  std::string name; // node names joined by '+' (at most about 240 characters)
  llvm::SmallVector<mlir::Operation *> ops;
};

/// The kernels of `block`: its top-level work ops (loop nests, linalg ops,
/// copies, calls; not allocations, views or constants) grouped into runs of
/// equal node names.
llvm::SmallVector<Kernel> kernelsOf(mlir::Block &block);

} // namespace onnxc::codegen

#endif // ONNXC_CODEGEN_KERNELS_H
