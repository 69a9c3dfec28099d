// Formats MLIR diagnostics as `onnxc: error: <what> (node '<name>', op <Op>)`.
#include "compiler/Diagnostics.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Location.h"

using namespace mlir;

namespace onnxc {

/// The first NameLoc inside `loc` (through fused and call-site locations).
static NameLoc findNameLoc(Location loc) {
  if (auto n = dyn_cast<NameLoc>(loc))
    return n;
  if (auto f = dyn_cast<FusedLoc>(loc))
    for (Location l : f.getLocations())
      if (NameLoc n = findNameLoc(l))
        return n;
  if (auto c = dyn_cast<CallSiteLoc>(loc))
    return findNameLoc(c.getCallee());
  return {};
}

std::string describeLocation(Location loc) {
  NameLoc n = findNameLoc(loc);
  if (!n)
    return "";
  auto kind = dyn_cast<NameLoc>(n.getChildLoc());
  std::string name = n.getName().str(), what = kind ? kind.getName().str() : "";
  if (what == "initializer" || what == "input" || what == "output")
    return " (" + what + " '" + name + "')";
  if (what.empty())
    return " (node '" + name + "')";
  return " (node '" + name + "', op " + what + ")";
}

DiagnosticPrinter::DiagnosticPrinter(MLIRContext &ctx, llvm::raw_ostream &os) : ctx(ctx) {
  id = ctx.getDiagEngine().registerHandler([this, &os](Diagnostic &diag) {
    const char *kind = diag.getSeverity() == DiagnosticSeverity::Error     ? "error"
                       : diag.getSeverity() == DiagnosticSeverity::Warning ? "warning"
                                                                           : "note";
    if (diag.getSeverity() == DiagnosticSeverity::Error)
      ++errors;
    std::string msg = diag.str();
    // Ops report "'onnx.Conv' op <what>"; the suffix already names the op.
    if (msg.rfind("'", 0) == 0) {
      size_t pos = msg.find("' op ");
      if (pos != std::string::npos)
        msg = msg.substr(pos + 5);
    }
    os << "onnxc: " << kind << ": " << msg << describeLocation(diag.getLocation()) << "\n";
    for (Diagnostic &note : diag.getNotes())
      os << "onnxc: note: " << note.str() << describeLocation(note.getLocation()) << "\n";
    return success();
  });
}

DiagnosticPrinter::~DiagnosticPrinter() { ctx.getDiagEngine().eraseHandler(id); }

} // namespace onnxc
