// Formats MLIR diagnostics as `onnxc: error: <what> (node '<name>', op <Op>)`.
#ifndef ONNXC_COMPILER_DIAGNOSTICS_H
#define ONNXC_COMPILER_DIAGNOSTICS_H

#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/raw_ostream.h"

namespace onnxc {

/// The `(node 'x', op Y)` suffix for a location built by the importer, or "".
std::string describeLocation(mlir::Location loc);

/// Prints every diagnostic of `ctx` to `os` in onnxc's format while alive.
class DiagnosticPrinter {
public:
  DiagnosticPrinter(mlir::MLIRContext &ctx, llvm::raw_ostream &os);
  ~DiagnosticPrinter();
  bool hadError() const { return errors > 0; }

private:
  mlir::MLIRContext &ctx;
  mlir::DiagnosticEngine::HandlerID id;
  int errors = 0;
};

} // namespace onnxc

#endif // ONNXC_COMPILER_DIAGNOSTICS_H
