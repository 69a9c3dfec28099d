// onnxc: compiles an ONNX model into an object file plus a C header (the command-line driver).
#include "compiler/Driver.h"
#include "compiler/ExternalData.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/ToolOutputFile.h"

#include <google/protobuf/io/coded_stream.h>
#include <onnx/onnx_pb.h>

using namespace llvm;

// --help lists these; LLVM and MLIR options stay accepted but hidden.
static cl::OptionCategory onnxcOptions("onnxc options");
static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<model.onnx>"), cl::Required,
                                      cl::cat(onnxcOptions));
static cl::opt<std::string> outputFile("o", cl::desc("Output file (OUT.o writes OUT.h too; - for stdout)"),
                                       cl::value_desc("file"), cl::init(""), cl::cat(onnxcOptions));
static cl::opt<std::string> nameOpt("name", cl::desc("Symbol prefix (a C identifier); default: output stem"),
                                    cl::cat(onnxcOptions));
static cl::opt<std::string> targetOpt("target",
                                      cl::desc("x86_64|aarch64|cortex-m4|cortex-m7|cortex-m55|cuda|TRIPLE (default: the host)"),
                                      cl::init(""), cl::cat(onnxcOptions));
static cl::opt<std::string> mcpu("mcpu",
                                 cl::desc("LLVM CPU name (default: the target's core, or the host CPU for host targets)"),
                                 cl::init(""), cl::cat(onnxcOptions));
static cl::opt<std::string> mattr("mattr", cl::desc("LLVM target features"), cl::init(""), cl::cat(onnxcOptions));
static cl::opt<char> optLevel("O", cl::desc("Optimization level 0-3 (default 3)"), cl::Prefix, cl::init('3'),
                              cl::cat(onnxcOptions));
static cl::list<std::string> inputShapes("input-shape", cl::desc("Fix an input's shape: NAME:1x3x224x224"),
                                         cl::cat(onnxcOptions));
static cl::list<std::string> boundInputs("bind-input",
                                         cl::desc("Fix an input's value: NAME=TENSOR.pb (a serialized TensorProto)"),
                                         cl::cat(onnxcOptions));
static cl::opt<std::string> emit("emit", cl::desc("onnx|linalg|llvm-dialect|ptx|llvm|asm|obj (ptx: CUDA only)"),
                                 cl::init("obj"), cl::cat(onnxcOptions));
static cl::opt<std::string> cudaArch("cuda-arch",
                                     cl::desc("CUDA: GPU architectures to build SASS for (default sm_80,sm_90; "
                                              "the lowest also as PTX)"),
                                     cl::init(""), cl::cat(onnxcOptions));
static cl::opt<std::string> cudaToolkit("cuda-toolkit",
                                        cl::desc("CUDA: toolkit folder with bin/ptxas, bin/fatbinary and "
                                                 "nvvm/libdevice (default: $CUDA_HOME, else /usr/local/cuda)"),
                                        cl::init(""), cl::cat(onnxcOptions));
static cl::opt<bool> cudaPtxOnly("cuda-ptx-only",
                                 cl::desc("CUDA: embed PTX only, JIT-compiled by the driver (no ptxas needed)"),
                                 cl::init(false), cl::cat(onnxcOptions));
static cl::opt<std::string> precision("precision",
                                      cl::desc("CUDA: fp32 (default), or tf32/fp16/bf16: matmul and conv operands "
                                               "rounded to that type on the tensor cores, fp32 accumulation"),
                                      cl::init("fp32"), cl::cat(onnxcOptions));
static cl::opt<bool> quiet("q", cl::desc("Quiet: no progress line on a terminal during long compiles"),
                           cl::cat(onnxcOptions));
static cl::opt<bool> profileOpt("profile",
                                cl::desc("Time each kernel at run time through the runtime shim (ONNXC_PROFILE=trace.json, "
                                         "onnxc_profile_summary()); CPU targets"),
                                cl::cat(onnxcOptions));
static cl::opt<std::string> reportFile("report",
                                       cl::desc("Write an HTML report (kernels, memory plan, sizes, phase times) to "
                                                "FILE.html; needs an object (-o OUT.o)"),
                                       cl::value_desc("FILE.html"), cl::init(""), cl::cat(onnxcOptions));
static cl::opt<bool> timePhases("time-phases",
                                cl::desc("Print the wall time of each compile phase and pass to stderr"),
                                cl::init(false), cl::cat(onnxcOptions));
static cl::opt<bool> gpuHostEmulation(
    "gpu-host-emulation",
    cl::desc("CUDA: build the GPU kernels' loops as a host object with the CPU ABI (a check of the GPU tiling)"),
    cl::init(false), cl::cat(onnxcOptions));
static cl::opt<uint64_t> maxFileSize("max-file-size", cl::desc("Largest model file accepted, bytes"),
                                     cl::init(uint64_t(2) << 30), cl::cat(onnxcOptions));
static cl::opt<int64_t> maxNodes("max-nodes", cl::desc("Most nodes accepted in a graph"),
                                 cl::init(onnxc::ImportOptions().maxNodes), cl::cat(onnxcOptions));
static cl::opt<int64_t> maxTripCount("max-trip-count",
                                     cl::desc("Bound on the steps of a Loop whose trip count is known only at run "
                                              "time (it is unrolled to the bound and stops at the trip count)"),
                                     cl::init(0), cl::cat(onnxcOptions));
static cl::opt<int64_t> injectOpFailure("inject-op-failure",
                                        cl::desc("Testing: make the Nth op the importer builds fail (-1: count them)"),
                                        cl::init(0), cl::Hidden, cl::cat(onnxcOptions));
static cl::opt<int> maxNesting("max-nesting", cl::desc("Deepest subgraph nesting accepted"), cl::init(16),
                               cl::cat(onnxcOptions));
static cl::opt<int64_t> maxConstantBytes("max-constant-bytes", cl::desc("Most constant bytes accepted"),
                                         cl::init(onnxc::ImportOptions().maxConstantBytes), cl::cat(onnxcOptions));
static cl::opt<int64_t> maxTensorBytes("max-tensor-bytes", cl::desc("Largest tensor an op may produce, bytes"),
                                       cl::init(onnxc::ImportOptions().maxTensorBytes), cl::cat(onnxcOptions));

static int fail(const Twine &msg) {
  errs() << "onnxc: error: " << msg << "\n";
  return 1;
}

/// A C identifier made from `s` (invalid characters become '_').
static std::string sanitizeIdentifier(StringRef s) {
  std::string out;
  for (char c : s)
    out += (isalnum((unsigned char)c) || c == '_') ? c : '_';
  if (out.empty() || isdigit((unsigned char)out[0]))
    out = "m_" + out;
  return out;
}

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  mlir::registerMLIRContextCLOptions();
  mlir::registerAsmPrinterCLOptions();
  onnxc::registerOnnxcPasses(); // pass names for --mlir-print-ir-before=PASS
  mlir::registerPassManagerCLOptions();
  cl::HideUnrelatedOptions(onnxcOptions);
  cl::SetVersionPrinter([](raw_ostream &os) {
    os << "onnxc " ONNXC_VERSION " (LLVM/MLIR " LLVM_VERSION_STRING ")\n";
  });
  cl::ParseCommandLineOptions(argc, argv, "onnxc: ahead-of-time compiler for ONNX models\n");

  std::map<std::string, onnxc::Phase> phases = {
      {"onnx", onnxc::Phase::Onnx},           {"linalg", onnxc::Phase::Linalg},
      {"llvm-dialect", onnxc::Phase::LlvmDialect}, {"ptx", onnxc::Phase::Ptx}, {"llvm", onnxc::Phase::Llvm},
      {"asm", onnxc::Phase::Asm},             {"obj", onnxc::Phase::Obj}};
  if (!phases.count(emit))
    return fail("unknown --emit value '" + emit + "'");
  onnxc::Phase phase = phases[emit];
  if (optLevel < '0' || optLevel > '3')
    return fail("optimization level must be -O0 to -O3");
  int level = optLevel - '0';
  std::string targetError;
  std::optional<onnxc::TargetInfo> target = onnxc::resolveTarget(targetOpt, mcpu, mattr, targetError);
  if (!target)
    return fail(targetError);
  bool cuda = target->family == onnxc::TargetFamily::Gpu;
  if (!cuda && (phase == onnxc::Phase::Ptx || !cudaArch.empty() || !cudaToolkit.empty() || cudaPtxOnly ||
                gpuHostEmulation || precision != "fp32"))
    return fail("--emit=ptx, --cuda-arch, --cuda-toolkit, --cuda-ptx-only, --gpu-host-emulation and --precision "
                "need --target=cuda");
  if (precision != "fp32" && precision != "tf32" && precision != "fp16" && precision != "bf16")
    return fail("--precision '" + precision + "' is not supported (fp32, tf32, fp16 or bf16)");
  if (cuda && !cudaArch.empty()) {
    std::optional<std::vector<std::string>> archs = onnxc::parseCudaArchs(cudaArch, targetError);
    if (!archs)
      return fail(targetError);
    target->gpuArchs = *archs;
  }
  if (cuda && !gpuHostEmulation && !cudaPtxOnly && phase >= onnxc::Phase::Llvm) {
    onnxc::CudaOptions toolkitOptions;
    toolkitOptions.toolkit = cudaToolkit;
    if (!onnxc::findCudaToolkit(toolkitOptions, targetError))
      return fail(targetError);
  }
  std::string out = outputFile.empty() ? (phase == onnxc::Phase::Obj ? "model.o" : "-") : outputFile.getValue();
  if (phase == onnxc::Phase::Obj && out == "-")
    return fail("an object file needs a file name (-o OUT.o)");

  onnxc::CompileOptions compile;
  compile.phase = phase;
  compile.optLevel = level;
  compile.cuda.toolkit = cudaToolkit;
  compile.cuda.ptxOnly = cudaPtxOnly;
  compile.gpuHostEmulation = gpuHostEmulation;
  compile.precision = precision;
  compile.timePhases = timePhases;
  compile.progress = !quiet;
  compile.profile = profileOpt;
  compile.version = ONNXC_VERSION;
  // The report file opens before compiling: a path that cannot be written fails now.
  std::unique_ptr<ToolOutputFile> report;
  if (!reportFile.empty()) {
    if (phase != onnxc::Phase::Obj)
      return fail("--report needs an object file (no --emit, or --emit=obj)");
    if (cuda)
      return fail("--report supports the CPU targets only (not --target=cuda)");
    std::string error;
    report = mlir::openOutputFile(reportFile, &error);
    if (!report)
      return fail("cannot write the report: " + error);
    compile.report = true;
  }
  if (profileOpt && cuda)
    return fail("--profile supports the CPU targets only (not --target=cuda)");
  onnxc::ImportOptions &options = compile.import;
  for (const std::string &spec : inputShapes) {
    size_t colon = spec.rfind(':');
    if (colon == std::string::npos || colon == 0)
      return fail("--input-shape expects NAME:DIMS, got '" + spec + "'");
    std::vector<int64_t> dims;
    SmallVector<StringRef> parts;
    StringRef(spec).substr(colon + 1).split(parts, 'x');
    for (StringRef p : parts) {
      int64_t d;
      if (p.getAsInteger(10, d) || d < 0)
        return fail("bad dimension '" + p + "' in --input-shape '" + spec + "'");
      dims.push_back(d);
    }
    options.inputShapes[spec.substr(0, colon)] = dims;
  }
  std::vector<std::unique_ptr<::onnx::TensorProto>> boundValues;
  for (const std::string &spec : boundInputs) {
    size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size())
      return fail("--bind-input expects NAME=TENSOR.pb, got '" + spec + "'");
    std::string file = spec.substr(eq + 1);
    auto buffer = MemoryBuffer::getFile(file, /*IsText=*/false, /*RequiresNullTerminator=*/false);
    if (!buffer)
      return fail("cannot read '" + file + "': " + buffer.getError().message());
    if ((*buffer)->getBufferSize() > maxFileSize)
      return fail("'" + file + "' is larger than the limit of " + Twine(maxFileSize) + " bytes");
    auto tensor = std::make_unique<::onnx::TensorProto>();
    if (!tensor->ParseFromArray((*buffer)->getBufferStart(), (int)(*buffer)->getBufferSize()))
      return fail("'" + file + "' is not a serialized ONNX TensorProto");
    if (!options.boundInputs.emplace(spec.substr(0, eq), tensor.get()).second)
      return fail("--bind-input names '" + spec.substr(0, eq) + "' twice");
    boundValues.push_back(std::move(tensor));
  }
  std::string name = !nameOpt.empty() ? nameOpt.getValue()
                     : out == "-"     ? "model"
                                      : sys::path::stem(out).str();
  name = sanitizeIdentifier(name);
  if (!nameOpt.empty() && name != nameOpt)
    return fail("--name '" + nameOpt + "' is not a C identifier");
  compile.name = name;
  options.maxNodes = maxNodes;
  options.failOpBuildAt = injectOpFailure;
  if (maxTripCount < 0)
    return fail("--max-trip-count must not be negative");
  options.maxTripCount = maxTripCount;
  // External data may only come from the model's own folder.
  onnxc::ExternalDataStore externalData;
  externalData.modelDir = sys::path::parent_path(inputFile).str();
  if (externalData.modelDir.empty())
    externalData.modelDir = ".";
  options.externalData = &externalData;
  options.maxConstantBytes = maxConstantBytes;
  options.maxTensorBytes = maxTensorBytes;

  // Read and parse the model with bounded resources.
  uint64_t size;
  if (std::error_code ec = sys::fs::file_size(inputFile, size))
    return fail("cannot read '" + inputFile + "': " + ec.message());
  if (size > maxFileSize)
    return fail("'" + inputFile + "' is larger than the limit of " + Twine(maxFileSize) +
                " bytes (raise it with --max-file-size)");
  auto buffer = MemoryBuffer::getFile(inputFile, /*IsText=*/false, /*RequiresNullTerminator=*/false);
  if (!buffer)
    return fail("cannot read '" + inputFile + "': " + buffer.getError().message());
  if ((*buffer)->getBufferSize() > INT_MAX)
    return fail("'" + inputFile + "' is larger than protobuf's 2 GiB limit (store the weights as external data)");
  // Each subgraph level nests three messages (attribute, graph, node); the rest of
  // a model needs about 10 (types nest too).
  ::onnx::ModelProto model;
  auto parse = [&](int recursionLimit) {
    google::protobuf::io::CodedInputStream stream(
        reinterpret_cast<const uint8_t *>((*buffer)->getBufferStart()), (int)(*buffer)->getBufferSize());
    stream.SetTotalBytesLimit(INT_MAX);
    stream.SetRecursionLimit(recursionLimit);
    return (*buffer)->getBufferSize() != 0 && model.ParseFromCodedStream(&stream) &&
           stream.ConsumedEntireMessage();
  };
  int recursionLimit = 10 + 3 * std::min<int>(std::max<int>(maxNesting, 0), 10000);
  if (!parse(recursionLimit)) {
    if (parse(recursionLimit + 3000)) // only too deep: say so
      return fail("'" + inputFile + "' nests subgraphs deeper than " + Twine(maxNesting) +
                  " levels (raise it with --max-nesting)");
    return fail("'" + inputFile + "' is not a valid ONNX model (protobuf parsing failed)");
  }
  buffer->reset();

  std::optional<onnxc::Artifacts> artifacts = onnxc::compileModel(model, compile, *target, errs());
  if (!artifacts)
    return 1;

  std::string error;
  auto output = mlir::openOutputFile(out, &error);
  if (!output)
    return fail(error);
  output->os() << artifacts->output;
  if (phase == onnxc::Phase::Obj) {
    SmallString<256> header(out);
    sys::path::replace_extension(header, ".h");
    auto headerFile = mlir::openOutputFile(header, &error);
    if (!headerFile)
      return fail(error);
    headerFile->os() << artifacts->header;
    headerFile->keep();
  }
  output->keep();
  if (report) {
    report->os() << artifacts->report;
    report->keep();
  }
  return 0;
}
