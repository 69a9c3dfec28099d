// The narrow ONNX element types' formats (from the ONNX float8/float4/int4/int2 definitions) and their byte storage.
#include "dialects/onnx/NarrowTypes.h"
#include "dialects/onnx/OnnxUtils.h"

#include <cmath>
#include <limits>

using namespace mlir;

namespace onnxc::onnx {

namespace {
using F = NarrowFormat;
// code, bits, float, signed, ebits, mbits, bias, special, max
const NarrowFormat kFormats[] = {
    {17, 8, true, true, 4, 3, 7, F::OneNan, 448.0},           // FLOAT8E4M3FN
    {18, 8, true, true, 4, 3, 8, F::UnsignedZero, 240.0},     // FLOAT8E4M3FNUZ
    {19, 8, true, true, 5, 2, 15, F::IeeeLike, 57344.0},      // FLOAT8E5M2
    {20, 8, true, true, 5, 2, 16, F::UnsignedZero, 57344.0},  // FLOAT8E5M2FNUZ
    {21, 4, false, false, 0, 0, 0, F::Finite, 15.0},          // UINT4
    {22, 4, false, true, 0, 0, 0, F::Finite, 7.0},            // INT4
    {23, 4, true, true, 2, 1, 1, F::Finite, 6.0},             // FLOAT4E2M1
    {24, 8, true, false, 8, 0, 127, F::ExponentOnly, 0x1p127}, // FLOAT8E8M0
    {25, 2, false, false, 0, 0, 0, F::Finite, 3.0},           // UINT2
    {26, 2, false, true, 0, 0, 0, F::Finite, 1.0},            // INT2
};
} // namespace

const NarrowFormat *narrowFormat(int64_t code) {
  for (const NarrowFormat &f : kFormats)
    if (f.code == code)
      return &f;
  return nullptr;
}

const NarrowFormat *narrowFormat(Type elem) {
  if (!elem)
    return nullptr;
  int32_t code = onnxCodeFromElementType(elem);
  return code >= 17 ? narrowFormat(code) : nullptr;
}

Type carrierType(MLIRContext *ctx, const NarrowFormat &f) {
  return IntegerType::get(ctx, 8, !f.isFloat && f.isSigned ? IntegerType::Signless : IntegerType::Unsigned);
}

double decodeNarrowFloat(const NarrowFormat &f, unsigned code) {
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  if (f.special == F::ExponentOnly)
    return code == 0xFF ? nan : std::ldexp(1.0, (int)code - f.bias);
  unsigned signBit = 1u << (f.ebits + f.mbits), mask = signBit - 1;
  unsigned magnitude = code & mask, e = magnitude >> f.mbits, m = magnitude & ((1u << f.mbits) - 1);
  bool negative = code & signBit;
  unsigned allOnes = (1u << f.ebits) - 1;
  if (f.special == F::UnsignedZero && code == signBit)
    return nan;
  if (f.special == F::OneNan && magnitude == mask)
    return nan;
  if (f.special == F::IeeeLike && e == allOnes)
    return m ? nan : (negative ? -inf : inf);
  double v = e == 0 ? std::ldexp((double)m, 1 - f.bias - (int)f.mbits)
                    : std::ldexp(1.0 + std::ldexp((double)m, -(int)f.mbits), (int)e - f.bias);
  return negative ? -v : v;
}

bool opTakesNarrowTypes(llvm::StringRef opType) {
  // Cast converts; the rest move bytes and never read a value (Pad's pad
  // value is already of the narrow type).
  static const llvm::StringRef ops[] = {
      "Cast", "Constant", "ConstantOfShape", "Identity", "Reshape", "Flatten", "Squeeze", "Unsqueeze",
      "Transpose", "Shape", "Size", "Pad", "Concat", "Split", "Slice", "Gather", "GatherElements",
      "GatherND", "Expand", "Tile", "Where", "DepthToSpace", "SpaceToDepth", "ScatterElements", "ScatterND",
      "Trilu", "NoValue"};
  // (QuantizeLinear, DequantizeLinear and QLinearMatMul are built from Casts.)
  return llvm::is_contained(ops, opType);
}

int64_t storageBytes(Type elem, int64_t elements) {
  if (const NarrowFormat *f = narrowFormat(elem))
    return (elements * f->bits + 7) / 8;
  unsigned bits = elem.isInteger(1) ? 8 : elem.getIntOrFloatBitWidth();
  return elements * ((bits + 7) / 8);
}

} // namespace onnxc::onnx
