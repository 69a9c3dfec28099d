// Replays a linalg.generic's scalar arith/math body lane-wise on vectors.
#include "codegen/cpu/VectorBody.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"

using namespace mlir;

namespace onnxc::codegen {

bool isVectorizableBody(linalg::GenericOp g) {
  for (Operation &inner : g.getBody()->without_terminator())
    if (inner.getNumRegions() || !OpTrait::hasElementwiseMappableTraits(&inner) ||
        !isa<arith::ArithDialect, math::MathDialect>(inner.getDialect()))
      return false;
  // Bools are stored a byte each; a vector<Nxi1> load would read packed bits.
  // Signed and unsigned integers (kept by some copies) have no arith constants.
  return llvm::all_of(g->getOperands(), [](Value v) {
    auto t = dyn_cast<MemRefType>(v.getType());
    return t && t.hasStaticShape() && t.getElementType().isSignlessIntOrFloat() && !t.getElementType().isInteger(1);
  });
}

Value replayOnVectors(OpBuilder &b, Location loc, Block *body, ArrayRef<Value> args, int64_t width) {
  auto vectorOf = [&](Type t) { return VectorType::get({width}, t); };
  IRMapping map;
  for (auto [arg, v] : llvm::zip(body->getArguments(), args))
    map.map(arg, v);
  auto vectorized = [&](Value v) -> Value {
    if (Value m = map.lookupOrNull(v))
      return m;
    Value scalar = v;
    if (Operation *def = v.getDefiningOp(); def && def->hasTrait<OpTrait::ConstantLike>())
      scalar = b.clone(*def)->getResult(0); // may be defined after the insertion point
    Value bc = vector::BroadcastOp::create(b, loc, vectorOf(v.getType()), scalar);
    map.map(v, bc);
    return bc;
  };
  for (Operation &inner : body->without_terminator()) {
    if (auto cst = dyn_cast<arith::ConstantOp>(inner)) {
      auto type = vectorOf(cst.getType());
      map.map(cst.getResult(),
              arith::ConstantOp::create(b, loc, type, DenseElementsAttr::get(type, cst.getValue())));
      continue;
    }
    for (Value operand : inner.getOperands())
      vectorized(operand);
    Operation *clone = b.clone(inner, map);
    for (OpResult res : clone->getResults())
      res.setType(vectorOf(res.getType()));
  }
  return vectorized(body->getTerminator()->getOperand(0));
}

Value readEveryNth(OpBuilder &b, Location loc, Value mem, ValueRange indices, int64_t width, int64_t stride) {
  Type elem = getElementTypeOrSelf(mem.getType());
  Value pad = arith::ConstantOp::create(b, loc, b.getZeroAttr(elem));
  Value wide = vector::TransferReadOp::create(b, loc, VectorType::get({width * stride}, elem), mem, indices, pad,
                                              ArrayRef<bool>{false});
  SmallVector<int64_t> picks;
  for (int64_t l = 0; l < width; ++l)
    picks.push_back(l * stride);
  return vector::ShuffleOp::create(b, loc, wide, wide, picks);
}

} // namespace onnxc::codegen
