// libFuzzer target: model bytes -> protobuf parse -> onnxc::importModel -> verify -> onnx (and small linalg) passes.
#include "compiler/Importer.h"
#include "compiler/Pipeline.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"

#include <google/protobuf/io/coded_stream.h>
#include <onnx/onnx_pb.h>

#include <climits>
#include <cstdint>
#include <cstdlib>

namespace {
/// Dialects and passes are registered once; each input gets a fresh context.
struct Setup {
  mlir::DialectRegistry registry;
  Setup() {
    onnxc::registerOnnxcPasses();
    onnxc::registerAllOnnxc(registry);
  }
};
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static Setup setup;
  if (size == 0 || size > INT_MAX)
    return 0;
  ::onnx::ModelProto model;
  {
    google::protobuf::io::CodedInputStream stream(data, (int)size);
    stream.SetTotalBytesLimit(INT_MAX);
    stream.SetRecursionLimit(64);
    if (!model.ParseFromCodedStream(&stream) || !stream.ConsumedEntireMessage())
      return 0;
  }

  mlir::MLIRContext ctx(setup.registry);
  ctx.disableMultithreading();
  mlir::ScopedDiagnosticHandler swallow(&ctx, [](mlir::Diagnostic &) { return mlir::success(); });

  onnxc::ImportOptions options;
  options.funcName = "fuzz_impl";
  options.maxNodes = 4096;
  options.maxConstantBytes = int64_t(16) << 20;
  options.maxTensorBytes = int64_t(256) << 20;
  // externalData stays null: external data is an error, the fuzzer reads no files.
  mlir::OwningOpRef<mlir::ModuleOp> module = onnxc::importModel(ctx, model, options);
  if (!module || failed(mlir::verify(*module)))
    return 0;

  // Small models also go through the onnx->linalg lowering (each execution stays fast);
  // the linalg phase includes the onnx-level passes.
  static const bool lowerToLinalg = !getenv("ONNXC_FUZZ_NO_LINALG");
  bool small = lowerToLinalg && size <= 8192 && model.graph().node_size() <= 32;
  mlir::PassManager pm(&ctx);
  if (failed(onnxc::addPasses(pm, small ? onnxc::Phase::Linalg : onnxc::Phase::Onnx)))
    abort();
  (void)pm.run(*module);
  return 0;
}
