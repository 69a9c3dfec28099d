// Elementwise kernels whose innermost dim moves 16 bytes at a time: 4 consecutive elements per thread through aligned vector loads and stores.
#include "codegen/gpu/KernelBodies.h"

#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/STLExtras.h"

#include <numeric>

using namespace mlir;

namespace onnxc::codegen {
namespace {

constexpr int64_t kBytes = 16;

/// The alignment in bytes known for the pointer `m` is based on (an argument
/// or global marked with kAlignAttr, through byte-shifted views and reshapes),
/// or 1.
int64_t baseAlignment(Value m) {
  if (auto view = m.getDefiningOp<memref::ViewOp>()) {
    std::optional<int64_t> shift = getConstantIntValue(view.getByteShift());
    if (!shift)
      return 1;
    return std::gcd(baseAlignment(view.getSource()), *shift == 0 ? int64_t(1) << 30 : *shift);
  }
  if (auto op = m.getDefiningOp(); op && isa<memref::ExpandShapeOp, memref::CollapseShapeOp, memref::SubViewOp>(op))
    return baseAlignment(op->getOperand(0));
  if (auto g = m.getDefiningOp<memref::GetGlobalOp>()) {
    auto global = SymbolTable::lookupNearestSymbolFrom<memref::GlobalOp>(g, g.getNameAttr());
    return global && global.getAlignment() ? int64_t(*global.getAlignment()) : 1;
  }
  if (auto arg = dyn_cast<BlockArgument>(m))
    if (auto func = dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp()))
      if (auto align = func.getArgAttrOfType<IntegerAttr>(arg.getArgNumber(), kAlignAttr))
        return align.getInt();
  return 1;
}

/// True when (indices..., iv + 0..3) of `m` is one aligned 16-byte vector
/// for every iv that is a multiple of 4: 4-byte elements, unit innermost
/// stride, every other stride and the offset multiples of 16 bytes.
bool vectorAccess(Value m, ValueRange indices, Value iv, Block *body) {
  auto type = cast<MemRefType>(m.getType());
  if (indices.empty() || indices.back() != iv || type.getElementTypeBitWidth() != 32 ||
      type.getDimSize(type.getRank() - 1) % 4)
    return false;
  for (Value i : indices.drop_back())
    if (dependsOn(i, iv, body))
      return false;
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(type.getStridesAndOffset(strides, offset)) || ShapedType::isDynamic(offset) || strides.back() != 1)
    return false;
  for (int64_t s : ArrayRef<int64_t>(strides).drop_back())
    if (ShapedType::isDynamic(s) || (s * 4) % kBytes)
      return false;
  return (offset * 4) % kBytes == 0 && baseAlignment(m) % kBytes == 0;
}

Value widen(OpBuilder &b, Location loc, Value v, int64_t width) {
  if (isa<VectorType>(v.getType()))
    return v;
  return vector::BroadcastOp::create(b, loc, VectorType::get({width}, v.getType()), v);
}

} // namespace

bool vectorizableInnermost(scf::ParallelOp loop, ArrayRef<int64_t> counts, ArrayRef<int64_t> lbs,
                           ArrayRef<int64_t> steps) {
  if (counts.empty() || counts.back() % 4 || lbs.back() != 0 || steps.back() != 1)
    return false;
  int64_t d = counts.size() - 1;
  Value iv = loop.getInductionVars()[d];
  Block *body = loop.getBody();
  DenseSet<Value> vectors; // values that differ across the 4 iterations
  bool any = false;
  for (Operation &op : body->without_terminator()) {
    if (op.getNumRegions())
      return false;
    if (auto load = dyn_cast<memref::LoadOp>(op)) {
      if (llvm::any_of(load.getIndices(), [&](Value i) { return dependsOn(i, iv, body); })) {
        if (!vectorAccess(load.getMemRef(), load.getIndices(), iv, body))
          return false;
        vectors.insert(load.getResult());
        any = true;
      }
      continue;
    }
    if (auto store = dyn_cast<memref::StoreOp>(op)) {
      bool varies = llvm::any_of(store.getIndices(), [&](Value i) { return dependsOn(i, iv, body); });
      if (!varies || !vectorAccess(store.getMemRef(), store.getIndices(), iv, body))
        return false; // (a store of the same element 4 times is not elementwise)
      any = true;
      continue;
    }
    if (llvm::is_contained(op.getOperands(), iv))
      return false; // the index in arithmetic: an iota, or an index computed from it
    if (llvm::none_of(op.getOperands(), [&](Value o) { return vectors.contains(o); }))
      continue;
    if (!op.hasTrait<OpTrait::Elementwise>() || !isMemoryEffectFree(&op) ||
        llvm::any_of(op.getResultTypes(), [](Type t) { return !t.isIntOrFloat(); }))
      return false;
    for (Value r : op.getResults())
      vectors.insert(r);
  }
  return any;
}

void cloneVectorized(OpBuilder &b, scf::ParallelOp loop, IRMapping &map) {
  Value iv = loop.getInductionVars().back();
  Block *body = loop.getBody();
  Location loc = loop.getLoc();
  DenseSet<Value> vectors;
  for (Operation &op : body->without_terminator()) {
    if (auto load = dyn_cast<memref::LoadOp>(op); load && llvm::is_contained(load.getIndices(), iv)) {
      auto v = vector::LoadOp::create(b, loc, VectorType::get({4}, load.getType()), map.lookupOrDefault(load.getMemRef()),
                                      llvm::map_to_vector(load.getIndices(), [&](Value i) { return map.lookupOrDefault(i); }),
                                      /*nontemporal=*/false, llvm::MaybeAlign(kBytes));
      map.map(load.getResult(), v.getResult());
      vectors.insert(load.getResult());
      continue;
    }
    if (auto store = dyn_cast<memref::StoreOp>(op)) {
      vector::StoreOp::create(b, loc, widen(b, loc, map.lookupOrDefault(store.getValueToStore()), 4),
                              map.lookupOrDefault(store.getMemRef()),
                              llvm::map_to_vector(store.getIndices(), [&](Value i) { return map.lookupOrDefault(i); }),
                              /*nontemporal=*/false, llvm::MaybeAlign(kBytes));
      continue;
    }
    if (llvm::none_of(op.getOperands(), [&](Value o) { return vectors.contains(o); })) {
      b.clone(op, map);
      continue;
    }
    OperationState state(loc, op.getName());
    state.addAttributes(op.getAttrs());
    for (Value o : op.getOperands())
      state.addOperands(widen(b, loc, map.lookupOrDefault(o), 4));
    for (Type t : op.getResultTypes())
      state.addTypes(VectorType::get({4}, t));
    Operation *wide = b.create(state);
    for (auto [r, w] : llvm::zip(op.getResults(), wide->getResults())) {
      map.map(r, w);
      vectors.insert(r);
    }
  }
}

} // namespace onnxc::codegen
