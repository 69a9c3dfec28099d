// Resolves --target/--mcpu/--mattr into a TargetInfo, and records it on (and reads it from) the MLIR module.
#include "target/TargetInfo.h"

#include "mlir/Dialect/DLTI/DLTI.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

using namespace mlir;

namespace onnxc {
namespace {

/// A --target alias: its triple and its CPU ("" = the host CPU when the host
/// has this architecture, else a generic one). Fixed cores refuse extra features.
struct Alias {
  const char *name, *triple, *cpu;
  bool fixedCore;
};
const Alias kAliases[] = {
    {"x86_64", "x86_64-unknown-linux-gnu", "", false},
    {"aarch64", "aarch64-unknown-linux-gnu", "", false},
    {"cortex-m4", "thumbv7em-none-eabihf", "cortex-m4", true},
    {"cortex-m7", "thumbv7em-none-eabihf", "cortex-m7", true},
    {"cortex-m55", "thumbv8.1m.main-none-eabihf", "cortex-m55", true},
    // NVIDIA GPUs: an x86-64 host object with the kernels embedded.
    {"cuda", "x86_64-unknown-linux-gnu", "x86-64", false},
};

/// The GPU architectures --cuda-arch accepts (ptxas 13 starts at sm_75;
/// mma.sync with bf16 and cp.async need sm_80).
const char *const kCudaArchs[] = {"sm_80", "sm_86", "sm_87", "sm_89", "sm_90", "sm_100", "sm_120"};
const char *const kDefaultCudaArchs = "sm_80,sm_90";

void initializeLLVMTargets() {
  static bool done = [] {
    llvm::InitializeAllTargetInfos();
    llvm::InitializeAllTargets();
    llvm::InitializeAllTargetMCs();
    llvm::InitializeAllAsmPrinters();
    llvm::InitializeAllAsmParsers(); // module-level assembly (prepareLLVMModule)
    return true;
  }();
  (void)done;
}

std::string knownTargetList() {
  return llvm::join(knownTargets(), ", ") + ", or a full LLVM triple";
}

/// Checks every +name/-name of `mattr` against `sti`'s features; for a fixed
/// core also that '+name' is a feature the core has.
bool checkFeatures(const std::string &mattr, const llvm::MCSubtargetInfo &sti, bool fixedCore,
                   const std::string &targetName, std::string &error) {
  llvm::SmallVector<llvm::StringRef> parts;
  llvm::StringRef(mattr).split(parts, ',', -1, /*KeepEmpty=*/false);
  for (llvm::StringRef f : parts) {
    f = f.trim();
    if (f.size() < 2 || (f[0] != '+' && f[0] != '-')) {
      error = "--mattr '" + f.str() + "': each feature must be written +name or -name";
      return false;
    }
    llvm::StringRef name = f.drop_front();
    bool known = llvm::any_of(sti.getAllProcessorFeatures(),
                              [&](const llvm::SubtargetFeatureKV &kv) { return name == kv.Key; });
    if (!known) {
      error = "--mattr '" + f.str() + "': '" + name.str() + "' is not a feature of target '" + targetName +
              "' (known targets: " + knownTargetList() + ")";
      return false;
    }
    if (fixedCore && f[0] == '+' && !sti.checkFeatures(f)) {
      error = "--mattr '" + f.str() + "': the " + targetName + " has no '" + name.str() +
              "' (known targets: " + knownTargetList() + ")";
      return false;
    }
  }
  return true;
}

/// Fills the facts that follow from the triple and the subtarget's features.
void deriveFacts(TargetInfo &t, const llvm::Triple &triple, const llvm::MCSubtargetInfo &sti,
                 const llvm::DataLayout &dl) {
  auto has = [&](const char *feature) { return sti.checkFeatures(std::string("+") + feature); };
  t.dataLayout = dl.getStringRepresentation();
  t.pointerBits = dl.getPointerSizeInBits();
  t.indexBits = t.pointerBits;
  bool bareMetal = triple.getOS() == llvm::Triple::UnknownOS;
  t.hasThreads = !bareMetal;
  t.pic = !bareMetal;
  t.compactCode = bareMetal;
  if (triple.isX86()) {
    t.vectorBits = has("avx512f") ? 512 : has("avx") ? 256 : 128;
    t.vectorRegisters = has("avx512f") ? 32 : 16;
  } else if (triple.isAArch64()) {
    t.vectorBits = 128;
    t.vectorRegisters = 32;
  } else if (triple.isARM() || triple.isThumb()) {
    if (has("mve.fp")) {
      t.vectorBits = 128;
      t.vectorRegisters = 8; // q0-q7
    } else if (has("neon")) {
      t.vectorBits = 128;
      t.vectorRegisters = 16;
    } else {
      t.vectorBits = 0;
      t.vectorRegisters = has("fpregs") ? 32 : 8; // s0-s31
    }
    t.hardwareF64 = has("fp64");
    auto env = triple.getEnvironment();
    t.floatAbi = env == llvm::Triple::EABIHF || env == llvm::Triple::GNUEABIHF || env == llvm::Triple::MuslEABIHF
                     ? FloatAbi::Hard
                     : FloatAbi::Soft;
  } else {
    t.vectorBits = 0;
    t.vectorRegisters = 16;
  }
}

} // namespace

int64_t TargetInfo::maxAccumulators() const {
  if (vectorBits && vectorRegisters >= 16)
    return vectorRegisters * 3 / 4; // the rest hold the lane vectors and a broadcast
  int64_t half = std::max<int64_t>(vectorRegisters / 2, 1);
  return std::min<int64_t>(half, vectorBits ? 8 : 16);
}

const std::vector<std::string> &knownTargets() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const Alias &a : kAliases)
      v.push_back(a.name);
    return v;
  }();
  return names;
}

std::optional<TargetInfo> resolveTarget(const std::string &target, const std::string &mcpu,
                                        const std::string &mattr, std::string &error) {
  initializeLLVMTargets();
  llvm::Triple host(llvm::sys::getDefaultTargetTriple());
  std::string name = target;
  if (name.empty())
    name = host.getArch() == llvm::Triple::x86_64 ? "x86_64"
           : host.isAArch64()                     ? "aarch64"
                                                  : host.str();
  TargetInfo t;
  t.name = name;
  const Alias *alias = nullptr;
  for (const Alias &a : kAliases)
    if (name == a.name)
      alias = &a;
  if (alias) {
    t.triple = llvm::Triple::normalize(alias->triple);
  } else if (name.find('-') != std::string::npos &&
             llvm::Triple(llvm::Triple::normalize(name)).getArch() != llvm::Triple::UnknownArch) {
    t.triple = llvm::Triple::normalize(name);
  } else {
    error = "unknown --target '" + name + "' (known targets: " + knownTargetList() + ")";
    return std::nullopt;
  }
  llvm::Triple triple(t.triple);
  std::string lookupError;
  const llvm::Target *llvmTarget = llvm::TargetRegistry::lookupTarget(triple, lookupError);
  if (!llvmTarget) {
    error = "--target '" + name + "': LLVM has no backend for triple '" + t.triple +
            "' (known targets: " + knownTargetList() + ")";
    return std::nullopt;
  }
  // The CPU: --mcpu, else the alias's core, else the host's when it runs the code.
  std::unique_ptr<llvm::MCSubtargetInfo> base(llvmTarget->createMCSubtargetInfo(triple, "", ""));
  if (!mcpu.empty()) {
    if (!base || !base->isCPUStringValid(mcpu)) {
      error = "--mcpu '" + mcpu + "' is not a CPU of target '" + name + "' (known targets: " + knownTargetList() + ")";
      return std::nullopt;
    }
    t.cpu = mcpu;
  } else if (alias && *alias->cpu) {
    t.cpu = alias->cpu;
  } else {
    t.cpu = triple.getArch() == host.getArch() ? llvm::sys::getHostCPUName().str() : "generic";
  }
  std::unique_ptr<llvm::MCSubtargetInfo> core(llvmTarget->createMCSubtargetInfo(triple, t.cpu, ""));
  if (!core || !checkFeatures(mattr, *core, alias && alias->fixedCore, name, error))
    return std::nullopt;
  t.features = mattr;
  std::unique_ptr<llvm::MCSubtargetInfo> sti(llvmTarget->createMCSubtargetInfo(triple, t.cpu, t.features));
  std::unique_ptr<llvm::TargetMachine> tm(
      llvmTarget->createTargetMachine(triple, t.cpu, t.features, llvm::TargetOptions(), std::nullopt));
  if (!sti || !tm) {
    error = "--target '" + name + "': cannot create a target machine for '" + t.triple + "'";
    return std::nullopt;
  }
  deriveFacts(t, triple, *sti, tm->createDataLayout());
  if (name == "cuda") {
    t.family = TargetFamily::Gpu;
    t.workspaceAlign = 256; // cudaMalloc's alignment; 16-byte vector loads anywhere
    t.weightAlign = 256;
    t.gpuArchs = *parseCudaArchs(kDefaultCudaArchs, error);
  }
  if (t.floatAbi == FloatAbi::Hard && !sti->checkFeatures("+fpregs")) {
    error = "--target '" + name + "' uses the hard-float ABI, but CPU '" + t.cpu + "'" +
            (t.features.empty() ? "" : " with --mattr '" + t.features + "'") +
            " has no FPU: name a core with an FPU with --mcpu (e.g. cortex-m4) and keep its FPU (known targets: " +
            knownTargetList() + ")";
    return std::nullopt;
  }
  return t;
}

std::optional<std::vector<std::string>> parseCudaArchs(const std::string &spec, std::string &error) {
  llvm::SmallVector<llvm::StringRef> parts;
  llvm::StringRef(spec).split(parts, ',', -1, /*KeepEmpty=*/false);
  std::vector<std::pair<int, std::string>> archs;
  for (llvm::StringRef p : parts) {
    p = p.trim();
    if (!llvm::is_contained(kCudaArchs, p)) {
      std::vector<std::string> known(std::begin(kCudaArchs), std::end(kCudaArchs));
      error = "--cuda-arch '" + p.str() + "' is not a supported GPU architecture (supported: " +
              llvm::join(known, ", ") + ")";
      return std::nullopt;
    }
    int number = 0;
    p.drop_front(3).getAsInteger(10, number);
    if (!llvm::is_contained(archs, std::make_pair(number, p.str())))
      archs.push_back({number, p.str()});
  }
  if (archs.empty()) {
    error = "--cuda-arch is empty (give e.g. sm_80,sm_90)";
    return std::nullopt;
  }
  llvm::sort(archs);
  std::vector<std::string> out;
  for (auto &a : archs)
    out.push_back(a.second);
  return out;
}

std::unique_ptr<llvm::TargetMachine> createTargetMachine(const TargetInfo &t, int optLevel, std::string &error) {
  initializeLLVMTargets();
  llvm::Triple triple(t.triple);
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return nullptr;
  llvm::TargetOptions options;
  if (t.floatAbi == FloatAbi::Hard)
    options.FloatABIType = llvm::FloatABI::Hard;
  else if (t.floatAbi == FloatAbi::Soft)
    options.FloatABIType = llvm::FloatABI::Soft;
  auto level = optLevel == 0   ? llvm::CodeGenOptLevel::None
               : optLevel == 1 ? llvm::CodeGenOptLevel::Less
               : optLevel == 2 ? llvm::CodeGenOptLevel::Default
                               : llvm::CodeGenOptLevel::Aggressive;
  return std::unique_ptr<llvm::TargetMachine>(target->createTargetMachine(
      triple, t.cpu, t.features, options, t.pic ? llvm::Reloc::PIC_ : llvm::Reloc::Static, std::nullopt, level));
}

void prepareLLVMModule(llvm::Module &module, const TargetInfo &target, const llvm::TargetMachine &tm) {
  module.setTargetTriple(tm.getTargetTriple());
  module.setDataLayout(tm.createDataLayout());
  const llvm::Triple &triple = tm.getTargetTriple();
  if ((triple.isARM() || triple.isThumb()) && target.floatAbi == FloatAbi::Hard)
    module.appendModuleInlineAsm(".eabi_attribute 28, 1"); // Tag_ABI_VFP_args: VFP registers
}

void attachTarget(ModuleOp module, const TargetInfo &t) {
  MLIRContext *ctx = module.getContext();
  ctx->getOrLoadDialect<DLTIDialect>();
  ctx->getOrLoadDialect<LLVM::LLVMDialect>();
  Builder b(ctx);
  module->setAttr(LLVM::LLVMDialect::getTargetTripleAttrName(), b.getStringAttr(t.triple));
  module->setAttr(LLVM::LLVMDialect::getDataLayoutAttrName(), b.getStringAttr(t.dataLayout));
  auto indexEntry = DataLayoutEntryAttr::get(IndexType::get(ctx), b.getI64IntegerAttr(t.indexBits));
  module->setAttr(DLTIDialect::kDataLayoutAttrName,
                  DataLayoutSpecAttr::get(ctx, ArrayRef<DataLayoutEntryInterface>{indexEntry}));
  SmallVector<NamedAttribute> facts{
      b.getNamedAttr("name", b.getStringAttr(t.name)),
      b.getNamedAttr("cpu", b.getStringAttr(t.cpu)),
      b.getNamedAttr("features", b.getStringAttr(t.features)),
      b.getNamedAttr("family", b.getStringAttr(t.family == TargetFamily::Gpu ? "gpu" : "cpu")),
      b.getNamedAttr("vector_bits", b.getI64IntegerAttr(t.vectorBits)),
      b.getNamedAttr("vector_registers", b.getI64IntegerAttr(t.vectorRegisters)),
      b.getNamedAttr("index_bits", b.getI64IntegerAttr(t.indexBits)),
      b.getNamedAttr("pointer_bits", b.getI64IntegerAttr(t.pointerBits)),
      b.getNamedAttr("threads", b.getBoolAttr(t.hasThreads)),
      b.getNamedAttr("compact_code", b.getBoolAttr(t.compactCode)),
      b.getNamedAttr("hardware_f64", b.getBoolAttr(t.hardwareF64)),
      b.getNamedAttr("workspace_align", b.getI64IntegerAttr(t.workspaceAlign)),
      b.getNamedAttr("weight_align", b.getI64IntegerAttr(t.weightAlign)),
      b.getNamedAttr("gpu_archs", b.getStrArrayAttr(llvm::SmallVector<llvm::StringRef>(t.gpuArchs.begin(),
                                                                                         t.gpuArchs.end()))),
  };
  module->setAttr(kTargetAttr, b.getDictionaryAttr(facts));
}

TargetInfo targetOf(Operation *op) {
  TargetInfo t;
  t.vectorBits = 512;
  t.vectorRegisters = 32;
  auto module = dyn_cast<ModuleOp>(op);
  if (!module)
    module = op->getParentOfType<ModuleOp>();
  DictionaryAttr facts = module ? module->getAttrOfType<DictionaryAttr>(kTargetAttr) : DictionaryAttr();
  if (!facts)
    return t;
  auto str = [&](const char *key, std::string &out) {
    if (auto a = facts.getAs<StringAttr>(key))
      out = a.str();
  };
  auto num = [&](const char *key, int64_t &out) {
    if (auto a = facts.getAs<IntegerAttr>(key))
      out = a.getInt();
  };
  auto flag = [&](const char *key, bool &out) {
    if (auto a = facts.getAs<BoolAttr>(key))
      out = a.getValue();
  };
  str("name", t.name);
  str("cpu", t.cpu);
  str("features", t.features);
  if (auto family = facts.getAs<StringAttr>("family"))
    t.family = family.getValue() == "gpu" ? TargetFamily::Gpu : TargetFamily::Cpu;
  num("vector_bits", t.vectorBits);
  num("vector_registers", t.vectorRegisters);
  num("index_bits", t.indexBits);
  num("pointer_bits", t.pointerBits);
  flag("threads", t.hasThreads);
  flag("compact_code", t.compactCode);
  flag("hardware_f64", t.hardwareF64);
  num("workspace_align", t.workspaceAlign);
  num("weight_align", t.weightAlign);
  if (auto archs = facts.getAs<ArrayAttr>("gpu_archs"))
    for (auto a : archs.getAsValueRange<StringAttr>())
      t.gpuArchs.push_back(a.str());
  if (auto triple = module->getAttrOfType<StringAttr>(LLVM::LLVMDialect::getTargetTripleAttrName()))
    t.triple = triple.str();
  if (auto dl = module->getAttrOfType<StringAttr>(LLVM::LLVMDialect::getDataLayoutAttrName()))
    t.dataLayout = dl.str();
  return t;
}

} // namespace onnxc
