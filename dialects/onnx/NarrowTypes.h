// The ONNX element types narrower than a byte or with no hardware arithmetic (float8, float4, int4, int2): formats and storage.
#ifndef ONNXC_DIALECTS_ONNX_NARROWTYPES_H
#define ONNXC_DIALECTS_ONNX_NARROWTYPES_H

#include "mlir/IR/BuiltinTypes.h"

namespace onnxc::onnx {

/// How a narrow type encodes its values. In onnx dialect IR these are the
/// MLIR types (f8E4M3FN, i4, ...); the narrow-types pass turns every one into
/// a byte-per-element carrier (i8 for int4/int2, ui8 otherwise) before
/// lowering, and sub-byte graph inputs and outputs cross the C ABI packed.
struct NarrowFormat {
  int32_t code;    // ONNX TensorProto.DataType
  unsigned bits;   // storage bits per element at the C ABI (8, 4 or 2)
  bool isFloat;    // float8/float4/e8m0 (codes); else an integer
  bool isSigned;   // integers: two's complement
  unsigned ebits, mbits; // floats: exponent and mantissa bits
  int bias;              // floats: exponent bias
  /// Floats: which codes are special.
  enum Special {
    IeeeLike,   // E5M2: all-ones exponent is Inf (mantissa 0) or NaN
    OneNan,     // E4M3FN: S.1111.111 is NaN, no Inf
    UnsignedZero, // the FNUZ types: 0x80 is the only NaN, no -0, no Inf
    Finite,     // FLOAT4E2M1: every code is a number
    ExponentOnly // FLOAT8E8M0: 2^(code-127), 0xFF NaN, no sign
  } special;
  double maxValue; // largest finite magnitude (floats)
};

/// The format of an ONNX code or MLIR element type, or null for other types.
const NarrowFormat *narrowFormat(int64_t code);
const NarrowFormat *narrowFormat(mlir::Type elem);
inline bool isNarrowType(mlir::Type elem) { return narrowFormat(elem) != nullptr; }
/// The byte-per-element type that holds a narrow type's values after the
/// narrow-types pass: i8 (sign-extended) for int4/int2, ui8 for the unsigned
/// integers (the value) and the floats (the code).
mlir::Type carrierType(mlir::MLIRContext *ctx, const NarrowFormat &f);
/// The value of float code `code` (NaN and Inf as such).
double decodeNarrowFloat(const NarrowFormat &f, unsigned code);
/// Whether onnx op `opType` (a type name, "Cast") may have narrow-typed
/// operands or results: conversions and ops that only move data.
bool opTakesNarrowTypes(llvm::StringRef opType);
/// Bytes of `elements` values of element type `elem` as the C ABI and ONNX
/// raw_data store them (sub-byte types packed, first element lowest).
int64_t storageBytes(mlir::Type elem, int64_t elements);

} // namespace onnxc::onnx

#endif // ONNXC_DIALECTS_ONNX_NARROWTYPES_H
