// libFuzzer target: model bytes -> protobuf parse -> onnxc::compileModel up to the onnx (small models: linalg) phase.
#include "compiler/Driver.h"

#include "llvm/Support/raw_ostream.h"

#include <google/protobuf/io/coded_stream.h>
#include <onnx/onnx_pb.h>

#include <climits>
#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const onnxc::TargetInfo target = [] {
    std::string error;
    return *onnxc::resolveTarget("x86_64", "", "", error);
  }();
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

  onnxc::CompileOptions options;
  options.name = "fuzz";
  options.import.maxNodes = 4096;
  options.import.maxConstantBytes = int64_t(16) << 20;
  options.import.maxTensorBytes = int64_t(256) << 20;
  // externalData stays null: external data is an error, the fuzzer reads no files.
  // Small models also go through the onnx->linalg lowering (each execution stays fast).
  static const bool lowerToLinalg = !getenv("ONNXC_FUZZ_NO_LINALG");
  bool small = lowerToLinalg && size <= 8192 && model.graph().node_size() <= 32;
  options.phase = small ? onnxc::Phase::Linalg : onnxc::Phase::Onnx;
  (void)onnxc::compileModel(model, options, target, llvm::nulls());
  return 0;
}
