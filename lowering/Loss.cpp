// Lowers onnx NegativeLogLikelihoodLoss to linalg and SoftmaxCrossEntropyLoss to LogSoftmax + NLL.
#include "dialects/onnx/OnnxDialect.h"
#include "dialects/onnx/OnnxUtils.h"
#include "lowering/Common.h"

using namespace mlir;
using namespace onnxc::onnx;

namespace onnxc::lowering {
namespace {

struct NllLowering : OpConversionPattern<NegativeLogLikelihoodLossOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(NegativeLogLikelihoodLossOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput(), weight = adaptor.getWeight();
    auto tx = cast<RankedTensorType>(input.getType());
    auto tt = cast<RankedTensorType>(adaptor.getTarget().getType());
    Type elem = tx.getElementType();
    if (!isa<FloatType>(elem) || !tt.getElementType().isSignlessInteger())
      return rewriter.notifyMatchFailure(op, "needs float scores and signed integer targets");
    int64_t classes = tx.getDimSize(1);
    std::optional<int64_t> ignore = op.getIgnoreIndex();
    bool weighted = !isNone(weight);
    // Per target element: the loss and the weight it carries into the mean.
    auto perTarget = RankedTensorType::get(tt.getShape(), elem);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{perTarget, perTarget}, adaptor.getTarget(),
        ValueRange{emptyTensor(rewriter, loc, perTarget), emptyTensor(rewriter, loc, perTarget)},
        SmallVector<AffineMap>(3, rewriter.getMultiDimIdentityMap(tt.getRank())),
        SmallVector<utils::IteratorType>(tt.getRank(), utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value cls = clampedIndex(b, l, a[0], classes);
          SmallVector<Value> idx{linalg::IndexOp::create(b, l, 0), cls};
          for (int64_t k = 1; k < tt.getRank(); ++k)
            idx.push_back(linalg::IndexOp::create(b, l, k));
          Value x = tensor::ExtractOp::create(b, l, input, idx);
          Value w = weighted ? (Value)tensor::ExtractOp::create(b, l, weight, cls)
                             : scalarConstant(b, l, elem, 1);
          Value loss = arith::NegFOp::create(b, l, arith::MulFOp::create(b, l, x, w));
          if (ignore) {
            Value skip = arith::CmpIOp::create(
                b, l, arith::CmpIPredicate::eq, a[0],
                arith::ConstantOp::create(b, l, b.getIntegerAttr(a[0].getType(), *ignore)));
            Value zero = scalarConstant(b, l, elem, 0);
            loss = arith::SelectOp::create(b, l, skip, zero, loss);
            w = arith::SelectOp::create(b, l, skip, zero, w);
          }
          linalg::YieldOp::create(b, l, ValueRange{loss, w});
        });
    if (op.getReduction() == "none") {
      rewriter.replaceOp(op, generic.getResult(0));
      return success();
    }
    SmallVector<int64_t> all(tt.getRank());
    std::iota(all.begin(), all.end(), 0);
    auto sum = [&](Value v) {
      return reduce(rewriter, loc, v, all, false, scalarConstant(rewriter, loc, elem, 0),
                    [](OpBuilder &b, Location l, ValueRange a) -> Value {
                      return arith::AddFOp::create(b, l, a[0], a[1]);
                    });
    };
    Value total = sum(generic.getResult(0));
    if (op.getReduction() == "mean")
      total = elementwise(rewriter, loc, cast<RankedTensorType>(total.getType()),
                          {total, sum(generic.getResult(1))},
                          [](OpBuilder &b, Location l, ValueRange a) -> Value {
                            return arith::DivFOp::create(b, l, a[0], a[1]);
                          });
    rewriter.replaceOp(op, total);
    return success();
  }
};

/// SoftmaxCrossEntropyLoss = NegativeLogLikelihoodLoss(LogSoftmax(scores, axis 1)); the
/// new onnx ops are lowered by their own patterns.
struct SoftmaxCrossEntropyLowering : OpConversionPattern<SoftmaxCrossEntropyLossOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(SoftmaxCrossEntropyLossOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    OperationState logSoftmax(loc, LogSoftmaxOp::getOperationName());
    logSoftmax.addOperands(adaptor.getScores());
    logSoftmax.addAttribute("axis", rewriter.getI64IntegerAttr(1));
    logSoftmax.addTypes(adaptor.getScores().getType());
    Value logProb = rewriter.create(logSoftmax)->getResult(0);
    OperationState nll(loc, NegativeLogLikelihoodLossOp::getOperationName());
    nll.addOperands({logProb, adaptor.getLabels(), adaptor.getWeights()});
    nll.addAttribute("reduction", op.getReductionAttr());
    if (op.getIgnoreIndexAttr())
      nll.addAttribute("ignore_index", op.getIgnoreIndexAttr());
    nll.addTypes(op.getOutput().getType());
    rewriter.replaceOp(op, {rewriter.create(nll)->getResult(0), logProb});
    return success();
  }
};

} // namespace

void populateLossPatterns(RewritePatternSet &patterns) {
  patterns.add<NllLowering, SoftmaxCrossEntropyLowering>(patterns.getContext());
}

} // namespace onnxc::lowering
