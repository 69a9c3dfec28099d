// Kernels to device code: PTX from MLIR's NVVM target (libdevice linked), then ptxas per architecture and fatbinary.
#include "compiler/Cuda.h"
#include "codegen/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/IR/CompilationInterfaces.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"

#include <cstdlib>

using namespace mlir;

namespace onnxc {
namespace {

/// A temporary file removed when this goes out of scope.
struct TempFile {
  llvm::SmallString<128> path;
  explicit TempFile(llvm::StringRef suffix) {
    if (llvm::sys::fs::createTemporaryFile("onnxc", suffix, path))
      path.clear();
  }
  ~TempFile() {
    if (!path.empty())
      llvm::sys::fs::remove(path);
  }
};

/// Runs `tool` with `args`; on failure sets `error` to its first lines of output.
bool runTool(const std::string &tool, llvm::ArrayRef<std::string> args, std::string &error) {
  TempFile log(".log");
  std::vector<llvm::StringRef> argv{tool};
  for (const std::string &a : args)
    argv.push_back(a);
  std::optional<llvm::StringRef> redirects[] = {std::nullopt, llvm::StringRef(log.path), llvm::StringRef(log.path)};
  std::string execError;
  int rc = llvm::sys::ExecuteAndWait(tool, argv, std::nullopt, redirects, /*SecondsToWait=*/600, 0, &execError);
  if (rc == 0)
    return true;
  std::string text;
  if (auto buffer = llvm::MemoryBuffer::getFile(log.path))
    text = (*buffer)->getBuffer().take_front(2000).str();
  error = llvm::sys::path::filename(tool).str() + " failed" + (execError.empty() ? "" : " (" + execError + ")") +
          (text.empty() ? "" : ": " + text);
  return false;
}

bool writeFile(llvm::StringRef path, llvm::StringRef data) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec)
    return false;
  os << data;
  return !os.has_error();
}

} // namespace

std::optional<std::string> findCudaToolkit(const CudaOptions &options, std::string &error) {
  std::string dir = options.toolkit;
  std::string flag = "--cuda-toolkit";
  if (dir.empty()) {
    const char *home = std::getenv("CUDA_HOME");
    dir = home && *home ? home : "/usr/local/cuda";
    flag = home && *home ? "CUDA_HOME" : "the default --cuda-toolkit";
  }
  for (const char *part : {"bin/ptxas", "bin/fatbinary", "nvvm/libdevice/libdevice.10.bc"}) {
    llvm::SmallString<256> path(dir);
    llvm::sys::path::append(path, part);
    if (!llvm::sys::fs::exists(path)) {
      error = "no CUDA toolkit at '" + dir + "' (" + flag + "; '" + part +
              "' is missing): install the CUDA toolkit, give --cuda-toolkit=DIR, or use --cuda-ptx-only";
      return std::nullopt;
    }
  }
  return dir;
}

std::optional<CudaBinary> buildCudaBinary(ModuleOp module, const TargetInfo &target, const CudaOptions &options,
                                          llvm::raw_ostream &diagnostics) {
  auto fail = [&](const llvm::Twine &msg) -> std::optional<CudaBinary> {
    diagnostics << "onnxc: error: " << msg << "\n";
    return std::nullopt;
  };
  CudaBinary binary;
  if (auto table = module->getAttrOfType<ArrayAttr>(codegen::kKernelTableAttr))
    for (auto entry : table.getAsRange<DictionaryAttr>())
      binary.kernels.push_back({entry.getAs<StringAttr>("name").str(), entry.getAs<StringAttr>("nodes").str()});
  auto kernels = llvm::to_vector(module.getOps<gpu::GPUModuleOp>());
  if (kernels.size() > 1)
    return fail("internal error: more than one gpu.module");

  std::string toolkit, error;
  if (std::optional<std::string> dir = findCudaToolkit(options, error))
    toolkit = *dir;
  else if (!options.ptxOnly)
    return fail(error);

  if (!kernels.empty()) {
    gpu::GPUModuleOp gpuModule = kernels.front();
    auto targets = gpuModule.getTargetsAttr();
    auto nvvm = targets && targets.size() == 1 ? dyn_cast<gpu::TargetAttrInterface>(targets[0]) : nullptr;
    if (!nvvm)
      return fail("internal error: the gpu.module has no NVVM target");
    gpu::TargetOptions serializeOptions(toolkit, {}, "", "", gpu::CompilationTarget::Assembly);
    std::optional<SmallVector<char, 0>> ptx = nvvm.serializeToObject(gpuModule, serializeOptions);
    if (!ptx)
      return fail("generating PTX for the kernels failed");
    binary.ptx.assign(ptx->begin(), ptx->end());
    while (!binary.ptx.empty() && binary.ptx.back() == '\0')
      binary.ptx.pop_back();
    gpuModule.erase();
  }
  // Unresolved device library calls would fail in ptxas or at load time.
  size_t ext = binary.ptx.find(".extern .func");
  if (ext != std::string::npos) {
    size_t end = binary.ptx.find_first_of("(;\n", ext);
    return fail("the kernels call '" + binary.ptx.substr(ext + 14, end - ext - 14) +
                "', which libdevice should provide: give --cuda-toolkit=DIR of a CUDA toolkit with "
                "nvvm/libdevice");
  }
  if (kernels.empty())
    return binary; // nothing to load (the shim skips an empty image)
  if (options.ptxOnly) {
    binary.image = binary.ptx + '\0';
    return binary;
  }

  // SASS for every architecture, PTX of the lowest for the driver's JIT.
  TempFile ptxFile(".ptx"), fatbinFile(".fatbin");
  if (!writeFile(ptxFile.path, binary.ptx))
    return fail("cannot write a temporary file for ptxas");
  std::vector<std::unique_ptr<TempFile>> cubins;
  std::vector<std::string> fatbinArgs{"--64", "--create=" + fatbinFile.path.str().str()};
  std::string ptxas = toolkit + "/bin/ptxas", fatbinary = toolkit + "/bin/fatbinary";
  for (const std::string &arch : target.gpuArchs) {
    cubins.push_back(std::make_unique<TempFile>(".cubin"));
    std::string cubin = cubins.back()->path.str().str();
    if (!runTool(ptxas, {"-arch=" + arch, "-O3", ptxFile.path.str().str(), "-o", cubin}, error))
      return fail("assembling the kernels for " + arch + ": " + error);
    fatbinArgs.push_back("--image3=kind=elf,sm=" + arch.substr(3) + ",file=" + cubin);
  }
  fatbinArgs.push_back("--image3=kind=ptx,sm=" + target.gpuArchs.front().substr(3) + ",file=" +
                       ptxFile.path.str().str());
  if (!runTool(fatbinary, fatbinArgs, error))
    return fail("making the fatbin: " + error);
  auto buffer = llvm::MemoryBuffer::getFile(fatbinFile.path, /*IsText=*/false);
  if (!buffer)
    return fail("cannot read the fatbin fatbinary wrote");
  binary.image = (*buffer)->getBuffer().str();
  binary.fatbin = true;
  return binary;
}

} // namespace onnxc
