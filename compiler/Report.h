// --report: one self-contained HTML page on what the compiler made of a model (kernels, memory plan, sizes, phase times).
#ifndef ONNXC_COMPILER_REPORT_H
#define ONNXC_COMPILER_REPORT_H

#include "compiler/Emitter.h"

#include "mlir/IR/BuiltinOps.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace onnx {
class ModelProto;
}

namespace onnxc {

struct ReportKernel {
  std::string name;
  std::vector<std::string> nodes;
  int64_t flops = 0, bytes = 0;
  std::string tile;
  bool vectorized = false, parallel = false;
};

struct ReportBuffer {
  int64_t start, end, bytes, offset; // program points [start, end], workspace bytes [offset, offset + bytes)
  std::string nodes;                 // the ONNX nodes that write it
};

struct ReportData {
  std::string modelName, producer, target, onnxcVersion;
  std::vector<std::pair<std::string, int64_t>> opsets; // domain ("" = ai.onnx), version
  std::map<std::string, int> nodeCounts;               // op type -> nodes (subgraphs included)
  ModelSignature signature;
  std::vector<ReportKernel> kernels;
  std::vector<ReportBuffer> buffers;
  int64_t points = 0; // program points of the memory plan
  uint64_t textBytes = 0, constantBytes = 0;
  std::vector<std::pair<std::string, double>> phaseSeconds;
};

/// The HTML page (inline CSS and SVG; no script, no network).
std::string renderReport(const ReportData &data);

/// Fills the model's part (name, producer, opsets, node counts) from `model`.
void describeModel(const ::onnx::ModelProto &model, ReportData &data);

/// Reads what code generation left on `module` (onnxc.report.* attributes).
void readCodegenReport(mlir::ModuleOp module, ReportData &data);

/// Sizes of the object file's code and constant sections.
void measureObject(llvm::StringRef object, ReportData &data);

} // namespace onnxc

#endif // ONNXC_COMPILER_REPORT_H
