// Converts ONNX TensorProto / AttributeProto into MLIR attributes, checking every size.
#include "compiler/TensorImport.h"
#include "compiler/ExternalData.h"
#include "dialects/onnx/NarrowTypes.h"
#include "dialects/onnx/OnnxUtils.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/Support/MathExtras.h"

#include <onnx/onnx_pb.h>

using namespace mlir;
using llvm::createStringError;

namespace onnxc {

/// Tensors with at most this many elements become plain dense attributes so
/// that folders can compute with them; bigger ones alias the model's bytes.
static constexpr int64_t kDenseLimit = 4096;

static llvm::Error err(const llvm::Twine &msg) {
  return createStringError(llvm::inconvertibleErrorCode(), msg);
}

/// A narrow-type tensor (float8, float4, int4, int2) from its stored bytes:
/// one per element for the 8-bit types, packed low bits first below that.
/// int32_data holds one stored byte per entry (or one element per entry).
static llvm::Expected<ElementsAttr> narrowTensor(RankedTensorType type, const onnx::NarrowFormat &f,
                                                 llvm::ArrayRef<uint8_t> stored, int64_t count) {
  int64_t bytes = onnx::storageBytes(type.getElementType(), count);
  bool unpacked = f.bits < 8 && (int64_t)stored.size() == count && count != bytes;
  if ((int64_t)stored.size() != bytes && !unpacked)
    return err("the data has " + llvm::Twine(stored.size()) + " bytes, " + llvm::Twine(bytes) +
               " expected for its dims and type");
  unsigned mask = (1u << f.bits) - 1, perByte = 8 / f.bits;
  SmallVector<APInt> codes;
  codes.reserve(count);
  for (int64_t i = 0; i < count; ++i) {
    unsigned code = unpacked ? stored[i] & mask : (stored[i / perByte] >> (f.bits * (i % perByte))) & mask;
    codes.push_back(APInt(f.bits, code));
  }
  Type elem = type.getElementType();
  if (auto ft = dyn_cast<FloatType>(elem)) {
    SmallVector<APFloat> values;
    for (const APInt &c : codes)
      values.push_back(APFloat(ft.getFloatSemantics(), c));
    return cast<ElementsAttr>(DenseElementsAttr::get(type, values));
  }
  return cast<ElementsAttr>(DenseElementsAttr::get(type, codes));
}

/// Dense attribute from typed proto fields (float_data, int32_data, ...).
template <typename Src>
static llvm::Expected<ElementsAttr> fromField(RankedTensorType type, const Src &field,
                                        int64_t count, const char *fieldName) {
  if ((int64_t)field.size() != count)
    return err(llvm::Twine(fieldName) + " has " + llvm::Twine(field.size()) +
               " values, the tensor needs " + llvm::Twine(count));
  Type elem = type.getElementType();
  SmallVector<Attribute> values;
  values.reserve(count);
  for (auto v : field) {
    if (auto ft = dyn_cast<FloatType>(elem)) {
      if (ft.getWidth() == 16) { // float16 and bfloat16 travel as raw bits in int32_data
        values.push_back(FloatAttr::get(ft, APFloat(ft.getFloatSemantics(), APInt(16, (uint64_t)v))));
      } else {
        values.push_back(FloatAttr::get(ft, (double)v));
      }
    } else {
      unsigned w = elem.getIntOrFloatBitWidth();
      values.push_back(IntegerAttr::get(elem, APInt(w, (uint64_t)(int64_t)v, !elem.isUnsignedInteger(), true)));
    }
  }
  return cast<ElementsAttr>(DenseElementsAttr::get(type, values));
}

llvm::Expected<ElementsAttr> importTensor(MLIRContext &ctx, const ::onnx::TensorProto &t,
                                          ExternalDataStore *external) {
  if (t.data_type() == ::onnx::TensorProto::STRING)
    return err("string tensors are not supported");
  Type elem = onnx::elementTypeFromOnnx(&ctx, t.data_type());
  if (!elem)
    return err("unsupported tensor data type " + onnx::onnxTypeName(t.data_type()));
  SmallVector<int64_t> dims(t.dims().begin(), t.dims().end());
  for (int64_t d : dims)
    if (d < 0)
      return err("negative dimension " + llvm::Twine(d));
  auto count = onnx::checkedProduct(dims);
  unsigned elemBits = elem.isInteger(1) ? 8 : elem.getIntOrFloatBitWidth();
  const onnx::NarrowFormat *narrow = onnx::narrowFormat(elem);
  if (narrow)
    elemBits = narrow->bits;
  int64_t bits;
  if (!count || llvm::MulOverflow(*count, (int64_t)elemBits, bits))
    return err("element count overflows");
  int64_t bytes = (bits + 7) / 8;
  auto type = RankedTensorType::get(dims, elem);
  std::optional<llvm::StringRef> bytesOf; // raw_data, or the external file's bytes
  if (t.has_data_location() && t.data_location() == ::onnx::TensorProto::EXTERNAL) {
    if (!external)
      return err("external data is only supported for initializers");
    auto loaded = loadExternalData(t, bytes, *external);
    if (!loaded)
      return loaded.takeError();
    bytesOf = *loaded;
  } else if (t.has_raw_data()) {
    bytesOf = llvm::StringRef(t.raw_data());
  }

  if (narrow) {
    SmallVector<uint8_t> stored;
    if (bytesOf)
      stored.assign(bytesOf->bytes_begin(), bytesOf->bytes_end());
    else
      for (int32_t v : t.int32_data())
        stored.push_back((uint8_t)v);
    return narrowTensor(type, *narrow, stored, *count);
  }
  if (bytesOf) {
    llvm::StringRef raw = *bytesOf;
    if ((int64_t)raw.size() != bytes)
      return err("raw_data has " + llvm::Twine(raw.size()) + " bytes, " +
                 llvm::Twine(bytes) + " expected for its dims and type");
    if (elem.isInteger(1)) {
      SmallVector<bool> bits;
      for (char c : raw)
        bits.push_back(c != 0);
      return cast<ElementsAttr>(DenseElementsAttr::get(type, ArrayRef<bool>(bits)));
    }
    ArrayRef<char> data(raw.data(), raw.size());
    if (*count <= kDenseLimit) {
      bool splat = false;
      if (!DenseElementsAttr::isValidRawBuffer(type, data, splat))
        return err("raw_data does not fit the tensor type");
      return cast<ElementsAttr>(DenseElementsAttr::getFromRawBuffer(type, data));
    }
    AsmResourceBlob blob = UnmanagedAsmResourceBlob::allocateWithAlign(data, 1);
    std::string key = t.name().empty() ? "tensor" : t.name();
    return cast<ElementsAttr>(DenseResourceElementsAttr::get(type, key, std::move(blob)));
  }
  switch (t.data_type()) {
  case ::onnx::TensorProto::FLOAT:
    return fromField(type, t.float_data(), *count, "float_data");
  case ::onnx::TensorProto::DOUBLE:
    return fromField(type, t.double_data(), *count, "double_data");
  case ::onnx::TensorProto::INT64:
    return fromField(type, t.int64_data(), *count, "int64_data");
  case ::onnx::TensorProto::UINT32:
  case ::onnx::TensorProto::UINT64:
    return fromField(type, t.uint64_data(), *count, "uint64_data");
  default: // int32, int16, int8, uint16, uint8, bool, float16, bfloat16
    return fromField(type, t.int32_data(), *count, "int32_data");
  }
}

llvm::Expected<Attribute> importAttribute(MLIRContext &ctx, const ::onnx::AttributeProto &a) {
  Builder b(&ctx);
  switch (a.type()) {
  case ::onnx::AttributeProto::INT:
    return b.getI64IntegerAttr(a.i());
  case ::onnx::AttributeProto::FLOAT:
    return b.getF32FloatAttr(a.f());
  case ::onnx::AttributeProto::STRING:
    return b.getStringAttr(a.s());
  case ::onnx::AttributeProto::INTS:
    return b.getDenseI64ArrayAttr(SmallVector<int64_t>(a.ints().begin(), a.ints().end()));
  case ::onnx::AttributeProto::FLOATS:
    return b.getDenseF32ArrayAttr(SmallVector<float>(a.floats().begin(), a.floats().end()));
  case ::onnx::AttributeProto::STRINGS: {
    SmallVector<Attribute> strs;
    for (const std::string &s : a.strings())
      strs.push_back(b.getStringAttr(s));
    return b.getArrayAttr(strs);
  }
  case ::onnx::AttributeProto::TENSOR: {
    auto t = importTensor(ctx, a.t());
    if (!t)
      return t.takeError();
    return Attribute(*t);
  }
  default:
    return err("attribute '" + a.name() + "' has an unsupported kind (" +
               ::onnx::AttributeProto::AttributeType_Name(a.type()) + ")");
  }
}

} // namespace onnxc
