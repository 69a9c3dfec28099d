// --profile: a clock read before and a record call after each kernel (group of top-level loop nests of one ONNX node set).
#include "codegen/Passes.h"
#include "codegen/common/Kernels.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

using namespace mlir;

namespace onnxc::codegen {
#define GEN_PASS_DEF_INSERTPROFILEHOOKS
#include "codegen/Passes.h.inc"

namespace {

constexpr const char *kNow = "onnxc_profile_now";
constexpr const char *kRecord = "onnxc_profile_kernel";

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
        for (Kernel &kernel : kernelsOf(block)) {
          const std::string &name = kernel.name;
          ArrayRef<Operation *> ops = kernel.ops;
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
