// Vector to LLVM dialect with the index width of the module's data layout (upstream's pass assumes 64-bit).
#include "codegen/Passes.h"

#include "mlir/Conversion/LLVMCommon/ConversionTarget.h"
#include "mlir/Conversion/LLVMCommon/TypeConverter.h"
#include "mlir/Conversion/VectorToLLVM/ConvertVectorToLLVM.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/Interfaces/DataLayoutInterfaces.h"
#include "mlir/Transforms/DialectConversion.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

using namespace mlir;

namespace onnxc::codegen {
#define GEN_PASS_DEF_CONVERTVECTORTOLLVM
#include "codegen/Passes.h.inc"

namespace {
struct ConvertVectorToLLVMPass : impl::ConvertVectorToLLVMBase<ConvertVectorToLLVMPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    // First the vector ops without a direct LLVM form become ones with one.
    {
      RewritePatternSet patterns(ctx);
      vector::populateVectorMaskMaterializationPatterns(patterns, /*force32BitVectorIndices=*/true);
      vector::populateVectorToVectorCanonicalizationPatterns(patterns);
      vector::populateVectorBroadcastLoweringPatterns(patterns);
      vector::populateVectorContractLoweringPatterns(patterns, vector::VectorContractLowering::Dot);
      vector::populateVectorMaskOpLoweringPatterns(patterns);
      vector::populateVectorShapeCastLoweringPatterns(patterns);
      vector::populateVectorInterleaveLoweringPatterns(patterns);
      vector::populateVectorTransposeLoweringPatterns(patterns, vector::VectorTransposeLowering::EltWise);
      vector::populateVectorTransferLoweringPatterns(patterns, /*maxTransferRank=*/1);
      if (failed(applyPatternsGreedily(module, std::move(patterns))))
        return signalPassFailure();
    }
    LowerToLLVMOptions options(ctx, DataLayout(module));
    LLVMTypeConverter converter(ctx, options);
    RewritePatternSet patterns(ctx);
    populateVectorToLLVMConversionPatterns(converter, patterns, /*reassociateFPReductions=*/false,
                                           /*force32BitVectorIndices=*/true);
    LLVMConversionTarget target(*ctx);
    target.addLegalDialect<arith::ArithDialect, memref::MemRefDialect, func::FuncDialect>();
    target.addIllegalDialect<vector::VectorDialect>();
    if (failed(applyPartialConversion(module, target, std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
} // namespace onnxc::codegen
