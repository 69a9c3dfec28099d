// The narrow-types pass: float8/float4/int4/int2 values to byte carriers, their Casts to onnx ops, packed sub-byte arguments.
#include "dialects/onnx/NarrowTypes.h"
#include "dialects/onnx/OnnxUtils.h"
#include "dialects/onnx/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"

#include <cmath>

using namespace mlir;

namespace onnxc::onnx {
#define GEN_PASS_DEF_LOWERNARROWTYPES
#include "dialects/onnx/Passes.h.inc"

namespace {

/// Builds onnx ops with inferred result types (scalars broadcast).
struct Builder {
  OpBuilder &b;
  Location loc;

  Value op(StringRef name, ValueRange operands, ArrayRef<NamedAttribute> attrs = {}) {
    auto opName = RegisteredOperationName::lookup(("onnx." + name).str(), b.getContext());
    OperationState state(loc, *opName);
    state.addOperands(operands);
    NamedAttrList list(attrs);
    opName->populateDefaultAttrs(list);
    state.addAttributes(list);
    SmallVector<Type> types;
    auto *infer = opName->getInterface<InferTypeOpInterface>();
    if (failed(infer->inferReturnTypes(b.getContext(), loc, state.operands, list.getDictionary(b.getContext()),
                                       OpaqueProperties(nullptr), RegionRange(), types)))
      return {};
    state.addTypes(types);
    return b.create(state)->getResult(0);
  }
  NamedAttribute attr(StringRef name, int64_t v) { return b.getNamedAttr(name, b.getI64IntegerAttr(v)); }
  NamedAttribute attr(StringRef name, StringRef v) { return b.getNamedAttr(name, b.getStringAttr(v)); }
  Value constant(Type elem, ArrayRef<int64_t> shape, ArrayRef<Attribute> values) {
    auto type = RankedTensorType::get(shape, elem);
    return ConstantOp::create(b, loc, DenseElementsAttr::get(type, values));
  }
  Value scalar(Type elem, double v) {
    Attribute a = isa<FloatType>(elem) ? (Attribute)FloatAttr::get(elem, v)
                                       : (Attribute)IntegerAttr::get(elem, APInt(elem.getIntOrFloatBitWidth(),
                                                                                 (uint64_t)(int64_t)v, true));
    return constant(elem, {}, {a});
  }
  Value ints(ArrayRef<int64_t> v) {
    SmallVector<Attribute> a;
    for (int64_t x : v)
      a.push_back(b.getI64IntegerAttr(x));
    return constant(b.getI64Type(), {(int64_t)v.size()}, a);
  }
  Value cast(Value v, Type to) {
    if (getElementTypeOrSelf(v.getType()) == to)
      return v;
    return op("Cast", {v}, {attr("to", onnxCodeFromElementType(to))});
  }
  Value bitcast(Value v, Type to) { return op("BitCast", {v}, {attr("to", onnxCodeFromElementType(to))}); }
  Value shift(Value v, int64_t by, StringRef direction) {
    return op("BitShift", {v, scalar(getElementTypeOrSelf(v.getType()), (double)by)}, {attr("direction", direction)});
  }
  Value where(Value cond, Value a, Value b2) { return op("Where", {cond, a, b2}); }

  Type f32() { return b.getF32Type(); }
  Type i32() { return b.getI32Type(); }
  Type u32() { return b.getIntegerType(32, false); }
  Type u8() { return b.getIntegerType(8, false); }
  Type i8() { return b.getI8Type(); }
};

/// The unbiased exponent of each f32 (i32), from its bits.
Value exponentOf(Builder &nb, Value f) {
  Value biased = nb.cast(nb.shift(nb.bitcast(f, nb.u32()), 23, "RIGHT"), nb.i32());
  return nb.op("Sub", {biased, nb.scalar(nb.i32(), 127)});
}

/// 2^e as f32 for each i32 e (in f32's normal range).
Value powerOfTwo(Builder &nb, Value e) {
  Value biased = nb.cast(nb.op("Add", {e, nb.scalar(nb.i32(), 127)}), nb.u32());
  return nb.bitcast(nb.shift(biased, 23, "LEFT"), nb.f32());
}

/// The code of the largest finite magnitude.
unsigned maxCode(const NarrowFormat &f) {
  for (unsigned code = (1u << (f.ebits + f.mbits)) - 1;; --code)
    if (decodeNarrowFloat(f, code) == f.maxValue)
      return code;
}

/// FLOAT8E8M0 codes of f32 x: 2^(code-127), rounded by `roundMode`.
Value encodeE8M0(Builder &nb, Value x, bool saturate, StringRef roundMode) {
  Value bits = nb.bitcast(nb.op("Abs", {x}), nb.u32());
  Value e = nb.cast(nb.shift(bits, 23, "RIGHT"), nb.i32());
  Value mant = nb.op("BitwiseAnd", {bits, nb.scalar(nb.u32(), 0x7FFFFF)});
  Value code = e;
  if (roundMode != "down") {
    Value up = roundMode == "nearest" ? nb.op("GreaterOrEqual", {mant, nb.scalar(nb.u32(), 0x400000)})
                                      : nb.op("Greater", {mant, nb.scalar(nb.u32(), 0)});
    code = nb.op("Add", {e, nb.cast(up, nb.i32())});
  }
  Value over = nb.op("Greater", {code, nb.scalar(nb.i32(), 254)});
  code = nb.where(over, nb.scalar(nb.i32(), saturate ? 254 : 255), code);
  Value zero = nb.op("Equal", {nb.op("Abs", {x}), nb.scalar(nb.f32(), 0)});
  code = nb.where(zero, nb.scalar(nb.i32(), saturate ? 0 : 255), code);
  code = nb.where(nb.op("IsNaN", {x}), nb.scalar(nb.i32(), 255), code);
  return nb.cast(code, nb.u8());
}

/// Codes of f32 x in float format `f`: round to nearest even, then
/// saturate (or Inf/NaN) as ONNX's Cast defines.
Value encodeFloat(Builder &nb, Value x, const NarrowFormat &f, bool saturate, StringRef roundMode) {
  if (f.special == NarrowFormat::ExponentOnly)
    return encodeE8M0(nb, x, saturate, roundMode);
  int emin = 1 - f.bias, m = f.mbits;
  Value a = nb.op("Abs", {x});
  Value floorExp = nb.scalar(nb.i32(), emin);
  // Round the magnitude to the grid of its binade (subnormals: emin's).
  Value step = powerOfTwo(nb, nb.op("Sub", {nb.op("Max", {exponentOf(nb, a), floorExp}), nb.scalar(nb.i32(), m)}));
  Value q = nb.op("Mul", {nb.op("Round", {nb.op("Div", {a, step})}), step});
  Value over = nb.op("Greater", {q, nb.scalar(nb.f32(), f.maxValue)}); // Inf too
  q = nb.where(over, nb.scalar(nb.f32(), 0), q);
  // code = (e + bias - 1) * 2^m + q / 2^(e - m), e = max(exponent(q), emin):
  // 2^m + mantissa for normals, the mantissa for subnormals.
  Value e = nb.op("Max", {exponentOf(nb, q), floorExp});
  Value grid = powerOfTwo(nb, nb.op("Sub", {e, nb.scalar(nb.i32(), m)}));
  Value code = nb.op("Add", {nb.op("Mul", {nb.op("Add", {e, nb.scalar(nb.i32(), f.bias - 1)}),
                                           nb.scalar(nb.i32(), 1 << m)}),
                             nb.cast(nb.op("Div", {q, grid}), nb.i32())});
  unsigned signBit = 1u << (f.ebits + m), nanCode = 0, overCode = maxCode(f);
  switch (f.special) {
  case NarrowFormat::OneNan: nanCode = signBit - 1; break;
  case NarrowFormat::UnsignedZero: nanCode = signBit; break;
  case NarrowFormat::IeeeLike: nanCode = signBit - 1; break;
  default: nanCode = overCode; break; // FLOAT4E2M1: NaN saturates too
  }
  if (!saturate && f.special != NarrowFormat::Finite)
    overCode = f.special == NarrowFormat::IeeeLike ? (((1u << f.ebits) - 1) << m) : nanCode;
  code = nb.where(over, nb.scalar(nb.i32(), overCode), code);
  code = nb.where(nb.op("IsNaN", {x}), nb.scalar(nb.i32(), nanCode), code);
  // The sign from x's sign bit (-0 included); the FNUZ types have no -0.
  Value negative = nb.op("Greater", {nb.shift(nb.bitcast(x, nb.u32()), 31, "RIGHT"), nb.scalar(nb.u32(), 0)});
  Value signed_ = nb.op("BitwiseOr", {code, nb.where(negative, nb.scalar(nb.i32(), signBit), nb.scalar(nb.i32(), 0))});
  if (f.special == NarrowFormat::UnsignedZero)
    signed_ = nb.where(nb.op("Equal", {code, nb.scalar(nb.i32(), 0)}), code, signed_);
  return nb.cast(signed_, nb.u8());
}

/// f32 values of narrow float codes (a carrier): a table lookup.
Value decodeFloat(Builder &nb, Value codes, const NarrowFormat &f) {
  SmallVector<Attribute> table;
  for (unsigned c = 0; c < (1u << f.bits); ++c)
    table.push_back(nb.b.getF32FloatAttr((float)decodeNarrowFloat(f, c)));
  Value lut = nb.constant(nb.f32(), {(int64_t)table.size()}, table);
  return nb.op("Gather", {lut, nb.cast(codes, nb.b.getI64Type())}, {nb.attr("axis", 0)});
}

/// Narrow integer carrier of any number x: floats round to nearest even,
/// then the low bits are kept (ONNX's Cast wraps out-of-range integers).
Value encodeInt(Builder &nb, Value x, const NarrowFormat &f) {
  Type elem = getElementTypeOrSelf(x.getType());
  if (isa<FloatType>(elem)) { // rounded in f64 when it is f64, else in f32
    Type ft = elem.isF64() ? elem : nb.f32();
    x = nb.op("Round", {nb.cast(x, ft)});
    x = nb.op("Clip", {x, nb.scalar(ft, -0x1p31), nb.scalar(ft, 0x1p31 - 128)});
  }
  Value v = nb.cast(x, nb.i32());
  Value low = nb.op("BitwiseAnd", {v, nb.scalar(nb.i32(), (1 << f.bits) - 1)});
  if (f.isSigned) {
    Value half = nb.scalar(nb.i32(), 1 << (f.bits - 1));
    low = nb.op("Sub", {nb.op("BitwiseXor", {low, half}), half});
  }
  return nb.cast(low, f.isSigned ? nb.i8() : nb.u8());
}

/// f64 to f32 rounded to odd (inexact results get an odd last bit), so that
/// a second rounding to a narrower float equals rounding x directly.
Value roundToOddF32(Builder &nb, Value x) {
  Value r = nb.cast(x, nb.f32());
  Value back = nb.cast(r, getElementTypeOrSelf(x.getType()));
  Value inexact = nb.op("And", {nb.op("Not", {nb.op("Equal", {back, x})}), nb.op("Not", {nb.op("IsNaN", {x})})});
  Value bits = nb.bitcast(r, nb.i32());
  Value even = nb.op("Equal", {nb.op("BitwiseAnd", {bits, nb.scalar(nb.i32(), 1)}), nb.scalar(nb.i32(), 0)});
  // r's magnitude moves one step toward x: down if it rounded away from zero.
  Value away = nb.op("Greater", {nb.op("Abs", {back}), nb.op("Abs", {x})});
  Value step = nb.where(away, nb.scalar(nb.i32(), -1), nb.scalar(nb.i32(), 1));
  bits = nb.where(nb.op("And", {inexact, even}), nb.op("Add", {bits, step}), bits);
  return nb.bitcast(bits, nb.f32());
}

/// The replacement of a Cast from element type `from` to `to` (either
/// narrow) whose operand is already a carrier.
Value lowerCast(Builder &nb, CastOp cast, Type from, Type to) {
  Value x = cast.getInput();
  const NarrowFormat *src = narrowFormat(from), *dst = narrowFormat(to);
  if (src && src->isFloat)
    x = decodeFloat(nb, x, *src); // f32
  if (!dst)
    return nb.cast(x, to);
  if (!dst->isFloat)
    return encodeInt(nb, x, *dst);
  if (getElementTypeOrSelf(x.getType()).isInteger(1))
    x = nb.cast(x, nb.i32());
  if (getElementTypeOrSelf(x.getType()).isF64())
    x = roundToOddF32(nb, x);
  return encodeFloat(nb, nb.cast(x, nb.f32()), *dst, cast.getSaturate() != 0, cast.getRoundMode());
}

/// The carrier form of a narrow constant.
DenseElementsAttr carrierAttr(DenseElementsAttr dense, Type carrier) {
  auto type = RankedTensorType::get(cast<ShapedType>(dense.getType()).getShape(), carrier);
  bool floats = isa<FloatType>(dense.getElementType()), sext = carrier.isSignlessInteger();
  SmallVector<APInt> values;
  auto widen = [&](const APInt &v) { return sext ? v.sext(8) : v.zext(8); };
  if (floats)
    for (const APFloat &v : dense.getValues<APFloat>())
      values.push_back(v.bitcastToAPInt().zext(8));
  else
    for (const APInt &v : dense.getValues<APInt>())
      values.push_back(widen(v));
  return DenseElementsAttr::get(type, values);
}

/// Sub-byte values from their packed bytes (1-D ui8) into `type`'s carrier.
Value unpack(Builder &nb, Value packed, RankedTensorType type, const NarrowFormat &f) {
  int64_t perByte = 8 / f.bits, bytes = cast<RankedTensorType>(packed.getType()).getDimSize(0);
  SmallVector<Value> parts;
  for (int64_t j = 0; j < perByte; ++j) {
    Value part = nb.op("BitwiseAnd", {nb.shift(packed, j * f.bits, "RIGHT"), nb.scalar(nb.u8(), (1 << f.bits) - 1)});
    parts.push_back(nb.op("Unsqueeze", {part, nb.ints({1})}));
  }
  Value flat = nb.op("Reshape", {nb.op("Concat", parts, {nb.attr("axis", 1)}), nb.ints({bytes * perByte})});
  int64_t count = type.getNumElements();
  if (count != bytes * perByte)
    flat = nb.op("Slice", {flat, nb.ints({0}), nb.ints({count}), nb.ints({0}), nb.ints({1})});
  if (!f.isFloat && f.isSigned) {
    Value half = nb.scalar(nb.i8(), 1 << (f.bits - 1));
    flat = nb.op("Sub", {nb.op("BitwiseXor", {nb.cast(flat, nb.i8()), half}), half});
  }
  return nb.op("Reshape", {flat, nb.ints(type.getShape())});
}

/// Sub-byte carrier values packed into bytes (1-D ui8), zero-padded.
Value pack(Builder &nb, Value carrier, const NarrowFormat &f) {
  auto type = cast<RankedTensorType>(carrier.getType());
  int64_t perByte = 8 / f.bits, count = type.getNumElements(), bytes = (count + perByte - 1) / perByte;
  Value flat = nb.op("Reshape", {nb.cast(carrier, nb.u8()), nb.ints({count})});
  flat = nb.op("BitwiseAnd", {flat, nb.scalar(nb.u8(), (1 << f.bits) - 1)});
  if (count != bytes * perByte) {
    SmallVector<Attribute> zeros(bytes * perByte - count, nb.b.getIntegerAttr(nb.u8(), 0));
    flat = nb.op("Concat", {flat, nb.constant(nb.u8(), {(int64_t)zeros.size()}, zeros)}, {nb.attr("axis", 0)});
  }
  Value rows = nb.op("Reshape", {flat, nb.ints({bytes, perByte})});
  Value out;
  for (int64_t j = 0; j < perByte; ++j) {
    Value col = nb.op("Gather", {rows, nb.constant(nb.b.getI64Type(), {}, {nb.b.getI64IntegerAttr(j)})},
                      {nb.attr("axis", 1)});
    col = j ? nb.shift(col, j * f.bits, "LEFT") : col;
    out = out ? nb.op("BitwiseOr", {out, col}) : col;
  }
  return out;
}

Type carrierOf(Type t) {
  auto shaped = dyn_cast<RankedTensorType>(t);
  const NarrowFormat *f = shaped ? narrowFormat(shaped.getElementType()) : nullptr;
  return f ? shaped.clone(carrierType(t.getContext(), *f)) : t;
}

LogicalResult lowerFunction(func::FuncOp func) {
  if (func.isExternal())
    return success();
  FunctionType original = func.getFunctionType();
  // 1. Remember each narrow Cast's element types; 2. retype every value.
  struct NarrowCast {
    CastOp op;
    Type from, to;
  };
  SmallVector<NarrowCast> casts;
  func.walk([&](CastOp c) {
    Type from = getElementTypeOrSelf(c.getInput().getType()), to = getElementTypeOrSelf(c.getType());
    if (isNarrowType(from) || isNarrowType(to))
      casts.push_back({c, from, to});
  });
  WalkResult walk = func.walk([&](Operation *op) {
    // Constant and ConstantOfShape hold their narrow data in `value`.
    auto value = op->getAttrOfType<ElementsAttr>("value");
    if (const NarrowFormat *f = value ? narrowFormat(value.getElementType()) : nullptr) {
      auto dense = dyn_cast<DenseElementsAttr>(value);
      if (!dense) {
        op->emitError("a narrow-type constant that is not dense");
        return WalkResult::interrupt();
      }
      op->setAttr("value", carrierAttr(dense, carrierType(op->getContext(), *f)));
    }
    for (Value r : op->getResults())
      r.setType(carrierOf(r.getType()));
    return WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return failure();
  Block &entry = func.getBody().front();
  for (BlockArgument arg : entry.getArguments())
    arg.setType(carrierOf(arg.getType()));
  // 3. Casts into carrier arithmetic.
  for (NarrowCast &c : casts) {
    OpBuilder b(c.op);
    Builder nb{b, c.op.getLoc()};
    Value replacement = lowerCast(nb, c.op, c.from, c.to);
    c.op.getResult().replaceAllUsesWith(replacement);
    c.op.erase();
  }
  // 4. Sub-byte arguments and results cross the ABI packed.
  SmallVector<Type> inputs(entry.getArgumentTypes()), results;
  OpBuilder b = OpBuilder::atBlockBegin(&entry);
  for (auto [i, arg] : llvm::enumerate(entry.getArguments())) {
    auto type = dyn_cast<RankedTensorType>(original.getInput(i));
    const NarrowFormat *f = type ? narrowFormat(type.getElementType()) : nullptr;
    if (!f || f->bits == 8)
      continue;
    Builder nb{b, func.getLoc()};
    auto packedType = RankedTensorType::get({storageBytes(type.getElementType(), type.getNumElements())}, nb.u8());
    SmallVector<OpOperand *> uses;
    for (OpOperand &use : arg.getUses())
      uses.push_back(&use);
    arg.setType(packedType);
    inputs[i] = packedType;
    Value unpacked = unpack(nb, arg, type, *f);
    for (OpOperand *use : uses)
      use->set(unpacked);
  }
  Operation *ret = entry.getTerminator();
  for (auto [i, operand] : llvm::enumerate(ret->getOpOperands())) {
    auto type = dyn_cast<RankedTensorType>(original.getResult(i));
    const NarrowFormat *f = type ? narrowFormat(type.getElementType()) : nullptr;
    if (f && f->bits < 8) {
      if (func.getResultAttr(i, kRuntimeDimsAttr))
        return func.emitError("a sub-byte output sized at run time is not supported"), failure();
      OpBuilder rb(ret);
      Builder nb{rb, ret->getLoc()};
      operand.set(pack(nb, operand.get(), *f));
    }
    results.push_back(operand.get().getType());
  }
  func.setFunctionType(FunctionType::get(func.getContext(), inputs, results));
  return success();
}

struct LowerNarrowTypesPass : impl::LowerNarrowTypesBase<LowerNarrowTypesPass> {
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (failed(lowerFunction(func)))
        return signalPassFailure();
  }
};

} // namespace
} // namespace onnxc::onnx
