// --profile: a clock read before and a record call after each kernel (group of top-level loop nests of one ONNX node set).
#include "codegen/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "llvm/ADT/SetVector.h"

using namespace mlir;

namespace onnxc::codegen {
#define GEN_PASS_DEF_INSERTPROFILEHOOKS
#include "codegen/Passes.h.inc"

namespace {

constexpr const char *kNow = "onnxc_profile_now";
constexpr const char *kRecord = "onnxc_profile_kernel";
/// Longest kernel name kept (a fused block can span many nodes).
constexpr size_t kMaxNameLength = 240;

/// Adds the ONNX node names in `loc` to `names`: the importer gives each op
/// loc("node name"(loc("OpType"))); initializers are loc("name"("initializer")).
void collectNodeNames(Location loc, llvm::SetVector<StringRef> &names) {
  loc->walk([&](Location l) {
    if (auto name = dyn_cast<NameLoc>(l))
      if (auto child = dyn_cast<NameLoc>(name.getChildLoc()); child && child.getName() != "initializer")
        names.insert(name.getName());
    return WalkResult::advance();
  });
}

/// Whether `op` does work a kernel is made of (not an allocation, a view or a constant).
bool isWork(Operation &op) {
  if (auto call = dyn_cast<func::CallOp>(op))
    return call.getCallee() != kNow && call.getCallee() != kRecord;
  return op.getNumRegions() > 0 || isa<linalg::LinalgOp, memref::CopyOp>(op);
}

std::string kernelName(ArrayRef<Operation *> ops) {
  llvm::SetVector<StringRef> names;
  for (Operation *op : ops)
    op->walk([&](Operation *inner) { collectNodeNames(inner->getLoc(), names); });
  std::string name;
  for (StringRef n : names) {
    if (name.size() + n.size() + 1 > kMaxNameLength) {
      name += "+...";
      break;
    }
    name += (name.empty() ? "" : "+") + n.str();
  }
  return name.empty() ? "(unnamed)" : name;
}

struct InsertProfileHooksPass : impl::InsertProfileHooksBase<InsertProfileHooksPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    auto ptr = LLVM::LLVMPointerType::get(ctx);
    auto i64 = IntegerType::get(ctx, 64);
    OpBuilder mb = OpBuilder::atBlockBegin(module.getBody());
    auto declare = [&](const char *name, FunctionType type) {
      auto f = func::FuncOp::create(mb, module.getLoc(), name, type);
      f.setPrivate();
      return f;
    };
    SmallVector<func::FuncOp> funcs;
    for (auto f : module.getOps<func::FuncOp>())
      if (!f.isExternal())
        funcs.push_back(f);
    func::FuncOp now = declare(kNow, FunctionType::get(ctx, {}, {i64}));
    func::FuncOp record = declare(kRecord, FunctionType::get(ctx, {ptr, i64}, {}));
    unsigned count = 0;
    llvm::StringMap<std::string> globals; // kernel name -> its string's symbol
    for (func::FuncOp f : funcs) {
      for (Block &block : f.getBody()) {
        // Kernels: runs of work ops with the same node names.
        SmallVector<std::pair<std::string, SmallVector<Operation *>>> kernels;
        for (Operation &op : block.without_terminator()) {
          if (!isWork(op))
            continue;
          std::string name = kernelName({&op});
          if (kernels.empty() || kernels.back().first != name)
            kernels.push_back({name, {}});
          kernels.back().second.push_back(&op);
        }
        for (auto &[name, ops] : kernels) {
          std::string &symbol = globals[name];
          if (symbol.empty()) {
            symbol = "__onnxc_kernel_name_" + std::to_string(count++);
            OpBuilder gb = OpBuilder::atBlockEnd(module.getBody());
            auto type = LLVM::LLVMArrayType::get(IntegerType::get(ctx, 8), name.size() + 1);
            LLVM::GlobalOp::create(gb, f.getLoc(), type, /*isConstant=*/true, LLVM::Linkage::Internal, symbol,
                                   gb.getStringAttr(name + '\0'));
          }
          OpBuilder b(ops.front());
          Value start = func::CallOp::create(b, ops.front()->getLoc(), now).getResult(0);
          b.setInsertionPointAfter(ops.back());
          Value str = LLVM::AddressOfOp::create(b, ops.back()->getLoc(), ptr, symbol);
          func::CallOp::create(b, ops.back()->getLoc(), record, ValueRange{str, start});
        }
      }
    }
  }
};

} // namespace
} // namespace onnxc::codegen
