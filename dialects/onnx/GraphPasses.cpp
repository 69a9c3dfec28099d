// Graph-level rewrites on the onnx dialect (BatchNormalization folding).
#include "dialects/onnx/OnnxUtils.h"
#include "dialects/onnx/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include <cmath>

using namespace mlir;

namespace onnxc::onnx {
#define GEN_PASS_DEF_FOLDBATCHNORM
#include "dialects/onnx/Passes.h.inc"

namespace {
struct FoldBatchNormIntoConv : OpRewritePattern<BatchNormalizationOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(BatchNormalizationOp bn,
                                PatternRewriter &rewriter) const override {
    auto conv = bn.getX().getDefiningOp<ConvOp>();
    if (!conv || !conv->hasOneUse())
      return rewriter.notifyMatchFailure(bn, "input is not a single-use Conv");
    auto w = getConstantF32Data(conv.getW());
    auto scale = getConstantF32Data(bn.getScale());
    auto beta = getConstantF32Data(bn.getB());
    auto mean = getConstantF32Data(bn.getInputMean());
    auto var = getConstantF32Data(bn.getInputVar());
    if (!w || !scale || !beta || !mean || !var)
      return rewriter.notifyMatchFailure(bn, "weights or statistics are not constant f32");
    size_t m = scale->size();
    std::vector<float> bias(m, 0.0f);
    if (!isNone(conv.getB())) {
      auto b = getConstantF32Data(conv.getB());
      if (!b)
        return rewriter.notifyMatchFailure(bn, "conv bias is not constant");
      bias = *b;
    }
    float eps = bn.getEpsilon().convertToFloat();
    size_t perChannel = w->size() / m;
    for (size_t c = 0; c < m; ++c) {
      float s = (*scale)[c] / std::sqrt((*var)[c] + eps);
      for (size_t i = 0; i < perChannel; ++i)
        (*w)[c * perChannel + i] *= s;
      bias[c] = (bias[c] - (*mean)[c]) * s + (*beta)[c];
    }
    auto wType = cast<RankedTensorType>(conv.getW().getType());
    auto bType = RankedTensorType::get({(int64_t)m}, wType.getElementType());
    Value newW = ConstantOp::create(rewriter, conv.getW().getLoc(),
                                    DenseElementsAttr::get(wType, ArrayRef<float>(*w)));
    Value newB = ConstantOp::create(rewriter, bn.getLoc(),
                                    DenseElementsAttr::get(bType, ArrayRef<float>(bias)));
    rewriter.modifyOpInPlace(conv, [&] {
      conv->setOperand(1, newW);
      conv->setOperand(2, newB);
    });
    rewriter.replaceOp(bn, conv.getY());
    return success();
  }
};

struct FoldBatchNormPass : impl::FoldBatchNormBase<FoldBatchNormPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldBatchNormIntoConv>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
} // namespace onnxc::onnx
