// Shared helpers for onnx ops: constant inspection, axes, broadcasting, padding math.
#include "dialects/onnx/OnnxUtils.h"
#include "dialects/onnx/OnnxDialect.h"

#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;

namespace onnxc::onnx {

RankedTensorType getStaticType(Value v) {
  if (!v)
    return {};
  auto t = dyn_cast<RankedTensorType>(v.getType());
  return t && t.hasStaticShape() ? t : RankedTensorType();
}

bool isNone(Value v) { return !v || isa<NoneType>(v.getType()); }

static ElementsAttr getConstantElements(Value v) {
  ElementsAttr attr;
  if (!v || !matchPattern(v, m_Constant(&attr)))
    return {};
  return attr;
}

std::optional<SmallVector<int64_t>> getConstantInts(Value v) {
  ElementsAttr attr = getConstantElements(v);
  if (!attr || !isa<IntegerType>(attr.getElementType()))
    return std::nullopt;
  auto values = attr.tryGetValues<APInt>();
  if (!values)
    return std::nullopt;
  SmallVector<int64_t> out;
  bool isUnsigned = attr.getElementType().isUnsignedInteger();
  for (const APInt &i : *values)
    out.push_back(isUnsigned ? (int64_t)i.getZExtValue() : i.getSExtValue());
  return out;
}

std::optional<SmallVector<double>> getConstantFloats(Value v) {
  ElementsAttr attr = getConstantElements(v);
  if (!attr || !isa<FloatType>(attr.getElementType()))
    return std::nullopt;
  auto values = attr.tryGetValues<APFloat>();
  if (!values)
    return std::nullopt;
  SmallVector<double> out;
  for (APFloat f : *values) {
    bool lost;
    f.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &lost);
    out.push_back(f.convertToDouble());
  }
  return out;
}

std::optional<int64_t> normalizeAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return std::nullopt;
  return axis < 0 ? axis + rank : axis;
}

std::optional<SmallVector<int64_t>> broadcastShapes(ArrayRef<int64_t> a,
                                                    ArrayRef<int64_t> b) {
  size_t rank = std::max(a.size(), b.size());
  SmallVector<int64_t> out(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1)
      return std::nullopt;
    out[i] = da == 1 ? db : da;
  }
  return out;
}

std::optional<int64_t> checkedProduct(ArrayRef<int64_t> dims) {
  int64_t p = 1;
  for (int64_t d : dims) {
    if (d < 0 || llvm::MulOverflow(p, d, p))
      return std::nullopt;
  }
  return p;
}

std::optional<std::string>
computeConvTransposeGeometry(ArrayRef<int64_t> inSizes, ArrayRef<int64_t> kernel, StringRef autoPad,
                             std::optional<ArrayRef<int64_t>> pads,
                             std::optional<ArrayRef<int64_t>> strides,
                             std::optional<ArrayRef<int64_t>> dilations,
                             std::optional<ArrayRef<int64_t>> outputPadding,
                             std::optional<ArrayRef<int64_t>> outputShape, WindowGeometry &out) {
  size_t n = inSizes.size();
  // Strides, dilations, kernel and explicit pads validate like a Conv's.
  if (auto err = computeWindowGeometry(SmallVector<int64_t>(n, 1 << 20), kernel,
                                       autoPad == "NOTSET" ? autoPad : "VALID", pads, strides,
                                       dilations, false, out))
    return err;
  SmallVector<int64_t> extra(n, 0);
  if (outputPadding) {
    if (outputPadding->size() != n)
      return "output_padding must have " + std::to_string(n) + " values";
    extra.assign(outputPadding->begin(), outputPadding->end());
  }
  if (outputShape && outputShape->size() != n && outputShape->size() != n + 2)
    return "output_shape must have " + std::to_string(n) + " values";
  for (size_t i = 0; i < n; ++i) {
    int64_t full = out.strides[i] * (inSizes[i] - 1) + extra[i] + (kernel[i] - 1) * out.dilations[i] + 1;
    int64_t target = -1;
    if (outputShape)
      target = (*outputShape)[outputShape->size() - n + i];
    else if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER")
      target = inSizes[i] * out.strides[i];
    if (target >= 0) {
      int64_t total = full - target; // negative: the extra outputs get only the bias
      bool upper = autoPad != "SAME_LOWER";
      out.padsBegin[i] = upper ? total / 2 : total - total / 2;
      out.padsEnd[i] = total - out.padsBegin[i];
    }
    out.outSizes[i] = full - out.padsBegin[i] - out.padsEnd[i];
    if (out.outSizes[i] < 1)
      return std::string("pads leave no output");
  }
  return std::nullopt;
}

std::optional<std::string>
computeWindowGeometry(ArrayRef<int64_t> inSizes, ArrayRef<int64_t> kernel,
                      StringRef autoPad, std::optional<ArrayRef<int64_t>> pads,
                      std::optional<ArrayRef<int64_t>> strides,
                      std::optional<ArrayRef<int64_t>> dilations, bool ceilMode,
                      WindowGeometry &out) {
  size_t n = inSizes.size();
  if (kernel.size() != n)
    return "kernel has " + std::to_string(kernel.size()) + " dims, expected " +
           std::to_string(n);
  auto orOnes = [&](std::optional<ArrayRef<int64_t>> v, const char *what,
                    SmallVector<int64_t> &dst) -> std::optional<std::string> {
    if (!v) {
      dst.assign(n, 1);
      return std::nullopt;
    }
    if (v->size() != n)
      return std::string(what) + " must have " + std::to_string(n) + " values";
    for (int64_t x : *v)
      if (x < 1)
        return std::string(what) + " must be positive";
    dst.assign(v->begin(), v->end());
    return std::nullopt;
  };
  if (auto err = orOnes(strides, "strides", out.strides))
    return err;
  if (auto err = orOnes(dilations, "dilations", out.dilations))
    return err;
  out.kernel.assign(kernel.begin(), kernel.end());
  out.padsBegin.assign(n, 0);
  out.padsEnd.assign(n, 0);
  out.outSizes.assign(n, 0);
  for (int64_t k : kernel)
    if (k < 1)
      return std::string("kernel sizes must be positive");
  bool same = autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER";
  if (!same && autoPad != "NOTSET" && autoPad != "VALID")
    return "unknown auto_pad '" + autoPad.str() + "'";
  if (autoPad == "NOTSET" && pads) {
    if (pads->size() != 2 * n)
      return "pads must have " + std::to_string(2 * n) + " values";
    for (size_t i = 0; i < n; ++i) {
      out.padsBegin[i] = (*pads)[i];
      out.padsEnd[i] = (*pads)[i + n];
      if (out.padsBegin[i] < 0 || out.padsEnd[i] < 0)
        return std::string("pads must not be negative");
    }
  }
  for (size_t i = 0; i < n; ++i) {
    int64_t in = inSizes[i], s = out.strides[i];
    int64_t ek = (kernel[i] - 1) * out.dilations[i] + 1;
    if (same) {
      int64_t o = (in + s - 1) / s;
      int64_t total = std::max<int64_t>(0, (o - 1) * s + ek - in);
      int64_t small = total / 2;
      out.padsBegin[i] = autoPad == "SAME_UPPER" ? small : total - small;
      out.padsEnd[i] = total - out.padsBegin[i];
      out.outSizes[i] = o;
      continue;
    }
    int64_t span = in + out.padsBegin[i] + out.padsEnd[i] - ek;
    if (span < 0)
      return "window (" + std::to_string(ek) + ") is larger than the padded input (" +
             std::to_string(in + out.padsBegin[i] + out.padsEnd[i]) + ")";
    int64_t o = (ceilMode ? (span + s - 1) / s : span / s) + 1;
    // A last window that starts inside the end padding is dropped.
    if (ceilMode && (o - 1) * s >= in + out.padsBegin[i])
      --o;
    out.outSizes[i] = o;
  }
  return std::nullopt;
}

} // namespace onnxc::onnx

namespace onnxc::onnx {

Type elementTypeFromOnnx(MLIRContext *ctx, int64_t code) {
  Builder b(ctx);
  auto u = [&](unsigned w) {
    return IntegerType::get(ctx, w, IntegerType::Unsigned);
  };
  switch (code) {
  case 1: return b.getF32Type();
  case 2: return u(8);
  case 3: return b.getIntegerType(8);
  case 4: return u(16);
  case 5: return b.getIntegerType(16);
  case 6: return b.getIntegerType(32);
  case 7: return b.getIntegerType(64);
  case 9: return b.getI1Type();
  case 10: return b.getF16Type();
  case 11: return b.getF64Type();
  case 12: return u(32);
  case 13: return u(64);
  case 16: return b.getBF16Type();
  // The narrow types (dialects/onnx/NarrowTypes.h).
  case 17: return b.getType<Float8E4M3FNType>();
  case 18: return b.getType<Float8E4M3FNUZType>();
  case 19: return b.getType<Float8E5M2Type>();
  case 20: return b.getType<Float8E5M2FNUZType>();
  case 21: return u(4);
  case 22: return b.getIntegerType(4);
  case 23: return b.getType<Float4E2M1FNType>();
  case 24: return b.getType<Float8E8M0FNUType>();
  case 25: return u(2);
  case 26: return b.getIntegerType(2);
  default: return {};
  }
}

std::string onnxTypeName(int64_t code) {
  static const char *names[] = {"UNDEFINED", "FLOAT", "UINT8", "INT8", "UINT16", "INT16", "INT32", "INT64",
                                "STRING", "BOOL", "FLOAT16", "DOUBLE", "UINT32", "UINT64", "COMPLEX64",
                                "COMPLEX128", "BFLOAT16", "FLOAT8E4M3FN", "FLOAT8E4M3FNUZ", "FLOAT8E5M2",
                                "FLOAT8E5M2FNUZ", "UINT4", "INT4", "FLOAT4E2M1", "FLOAT8E8M0", "UINT2", "INT2"};
  if (code >= 0 && code < (int64_t)std::size(names))
    return std::string(names[code]) + " (" + std::to_string(code) + ")";
  return "type " + std::to_string(code);
}

int32_t onnxCodeFromElementType(Type t) {
  for (int32_t code : {1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26})
    if (elementTypeFromOnnx(t.getContext(), code) == t)
      return code;
  return 0;
}

} // namespace onnxc::onnx

namespace onnxc::onnx {

std::optional<std::string>
computeSliceGeometry(ArrayRef<int64_t> shape, ArrayRef<int64_t> starts,
                     ArrayRef<int64_t> ends, ArrayRef<int64_t> axes,
                     ArrayRef<int64_t> steps, SliceGeometry &out) {
  int64_t rank = shape.size();
  size_t n = starts.size();
  if (ends.size() != n || (!axes.empty() && axes.size() != n) ||
      (!steps.empty() && steps.size() != n))
    return std::string("starts, ends, axes and steps must have the same length");
  out.starts.assign(rank, 0);
  out.steps.assign(rank, 1);
  out.sizes.assign(shape.begin(), shape.end());
  SmallVector<bool> seen(rank, false);
  for (size_t i = 0; i < n; ++i) {
    auto axis = normalizeAxis(axes.empty() ? (int64_t)i : axes[i], rank);
    if (!axis || seen[*axis])
      return std::string("Slice axes are out of range or repeated");
    seen[*axis] = true;
    int64_t dim = shape[*axis], step = steps.empty() ? 1 : steps[i];
    if (step == 0)
      return std::string("Slice steps must not be 0");
    int64_t s = starts[i], e = ends[i];
    if (s < 0)
      s = s < -dim ? 0 : s + dim;
    if (e < 0)
      e = e < -dim ? -1 : e + dim;
    if (step > 0) {
      s = std::clamp<int64_t>(s, 0, dim);
      e = std::clamp<int64_t>(e, 0, dim);
    } else {
      s = std::clamp<int64_t>(s, 0, dim - 1);
      e = std::clamp<int64_t>(e, -1, dim - 1);
    }
    int64_t len = step > 0 ? (e - s + step - 1) / step : (s - e + (-step) - 1) / (-step);
    out.starts[*axis] = s;
    out.steps[*axis] = step;
    out.sizes[*axis] = std::max<int64_t>(0, len);
  }
  return std::nullopt;
}

std::optional<std::string> computePadAmounts(int64_t rank, ArrayRef<int64_t> pads,
                                             ArrayRef<int64_t> axes,
                                             SmallVectorImpl<int64_t> &begin,
                                             SmallVectorImpl<int64_t> &end) {
  SmallVector<int64_t> ax;
  if (axes.empty())
    for (int64_t i = 0; i < rank; ++i)
      ax.push_back(i);
  else
    ax.assign(axes.begin(), axes.end());
  if (pads.size() != 2 * ax.size())
    return "pads must have " + std::to_string(2 * ax.size()) + " values";
  begin.assign(rank, 0);
  end.assign(rank, 0);
  for (size_t i = 0; i < ax.size(); ++i) {
    auto a = normalizeAxis(ax[i], rank);
    if (!a)
      return std::string("Pad axes out of range");
    begin[*a] = pads[i];
    end[*a] = pads[i + ax.size()];
  }
  return std::nullopt;
}

std::optional<std::string>
computeTransposePerm(int64_t rank, std::optional<ArrayRef<int64_t>> perm,
                     SmallVectorImpl<int64_t> &out) {
  out.clear();
  if (!perm) {
    for (int64_t i = rank - 1; i >= 0; --i)
      out.push_back(i);
    return std::nullopt;
  }
  if ((int64_t)perm->size() != rank)
    return "perm must have " + std::to_string(rank) + " entries";
  SmallVector<bool> seen(rank, false);
  for (int64_t p : *perm) {
    if (p < 0 || p >= rank || seen[p])
      return std::string("perm is not a permutation");
    seen[p] = true;
    out.push_back(p);
  }
  return std::nullopt;
}

} // namespace onnxc::onnx


namespace onnxc::onnx {

std::optional<std::vector<float>> getConstantF32Data(Value v) {
  ElementsAttr attr = getConstantElements(v);
  if (!attr || !attr.getElementType().isF32())
    return std::nullopt;
  if (auto res = dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = res.getRawHandle().getBlob();
    if (!blob)
      return std::nullopt;
    ArrayRef<char> bytes = blob->getData();
    if (bytes.size() != attr.getNumElements() * sizeof(float))
      return std::nullopt;
    std::vector<float> out(attr.getNumElements());
    memcpy(out.data(), bytes.data(), bytes.size());
    return out;
  }
  auto values = attr.tryGetValues<float>();
  if (!values)
    return std::nullopt;
  return std::vector<float>(values->begin(), values->end());
}

} // namespace onnxc::onnx


namespace onnxc::onnx {

LogicalResult requireStaticType(std::optional<Location> loc, Value v, StringRef name,
                                RankedTensorType &t) {
  t = getStaticType(v);
  if (!t)
    return emitOptionalError(loc, "input '", name, "' must be a tensor with a static shape");
  return success();
}

/// The ONNX name of `v` when it is a graph input (a function argument that
/// carries the importer's kValueNameAttr), else empty.
static StringRef graphInputName(Value v) {
  auto arg = dyn_cast<BlockArgument>(v);
  if (!arg || !arg.getOwner()->isEntryBlock())
    return {};
  auto func = dyn_cast_or_null<FunctionOpInterface>(arg.getOwner()->getParentOp());
  if (!func)
    return {};
  auto name = func.getArgAttrOfType<StringAttr>(arg.getArgNumber(), kValueNameAttr);
  return name ? name.getValue() : StringRef();
}

/// The graph inputs `v` is computed from (looking back at most 64 ops).
static SmallVector<StringRef> graphInputsFeeding(Value v) {
  SmallVector<StringRef> names;
  SmallVector<Value> work{v};
  llvm::SmallPtrSet<Operation *, 16> seen;
  while (!work.empty()) {
    Value cur = work.pop_back_val();
    if (StringRef name = graphInputName(cur); !name.empty()) {
      if (!llvm::is_contained(names, name))
        names.push_back(name);
      continue;
    }
    Operation *def = cur.getDefiningOp();
    if (!def || !seen.insert(def).second)
      continue;
    if (seen.size() > 64)
      return {};
    llvm::append_range(work, def->getOperands());
  }
  return names;
}

LogicalResult emitNotConstant(std::optional<Location> loc, Value v, StringRef name, StringRef what) {
  SmallVector<StringRef> inputs = graphInputsFeeding(v);
  if (inputs.empty())
    return emitOptionalError(loc, "input '", name, "' must be a compile-time constant ", what);
  std::string list, flags;
  for (StringRef in : inputs) {
    list += (list.empty() ? "'" : ", '") + in.str() + "'";
    flags += (flags.empty() ? "--bind-input=" : " --bind-input=") + in.str() + "=TENSOR.pb";
  }
  return emitOptionalError(loc, "input '", name, "' must be a compile-time constant ", what, "; it ",
                           graphInputName(v).empty() ? "is computed from" : "is",
                           inputs.size() == 1 ? " graph input " : " graph inputs ", list,
                           ": fix with ", flags);
}

LogicalResult requireConstantInts(std::optional<Location> loc, Value v, StringRef name,
                                  SmallVector<int64_t> &out) {
  auto ints = getConstantInts(v);
  if (!ints)
    return emitNotConstant(loc, v, name, "integer tensor");
  out = std::move(*ints);
  return success();
}

} // namespace onnxc::onnx
