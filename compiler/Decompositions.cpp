// ONNX ops onnxc builds out of other onnx dialect ops: quantization, MVN, LRN, windows, Range, OneHot.
#include "compiler/Composer.h"
#include "dialects/onnx/OnnxDialect.h"
#include "dialects/onnx/NarrowTypes.h"
#include "dialects/onnx/OnnxUtils.h"

#include "mlir/IR/Diagnostics.h"

#include <cmath>

using namespace mlir;

namespace onnxc {

namespace {

/// The value range of an integer quantized type.
FailureOr<std::pair<double, double>> quantRange(Location loc, Type t) {
  auto it = dyn_cast<IntegerType>(t);
  if (!it || it.getWidth() == 1 || it.getWidth() > 32)
    return emitError(loc) << "quantized type " << t
                          << " is not supported (int2/int4/int8/int16/int32, unsigned or not, or a float8 type)",
           failure();
  unsigned w = it.getWidth();
  if (it.isUnsigned())
    return std::make_pair(0.0, std::ldexp(1.0, w) - 1);
  return std::make_pair(-std::ldexp(1.0, w - 1), std::ldexp(1.0, w - 1) - 1);
}

/// y = saturate(round(x / scale) + zero_point), in x's float type; `x` may
/// already be divided (scale null).
Value quantize(Composer &c, Value x, Value scale, Value zp, Type out, std::pair<double, double> range) {
  if (!c.ok)
    return {};
  Type ft = Composer::elem(x);
  Value q = c.op("Round", {scale ? c.op("Div", {x, scale}) : x});
  if (zp)
    q = c.op("Add", {q, c.castTo(zp, ft)});
  q = c.op("Clip", {q, c.scalar(ft, range.first), c.scalar(ft, range.second)});
  return c.castTo(q, out);
}

int64_t normalizedAxis(const NodeState &n, int64_t rank, int64_t dflt) {
  int64_t axis = intAttr(n, "axis", dflt);
  return axis < 0 ? axis + rank : axis;
}

/// A scale or zero point broadcast against x: per tensor, per `axis`, or
/// blocked (block_size B > 0: same rank as x, ceil(D/B) entries along the
/// axis, each repeated B times and cut to x's length).
Value quantParam(Composer &c, const NodeState &n, Value p, Value x, int64_t axis) {
  int64_t block = intAttr(n, "block_size", 0), rank = Composer::rank(x);
  if (!c.ok || !p || block == 0)
    return p ? c.alongAxis(p, axis, rank) : p;
  ArrayRef<int64_t> xs = Composer::shape(x), ps = Composer::shape(p);
  bool fits = block > 0 && axis >= 0 && axis < rank && (int64_t)ps.size() == rank;
  for (int64_t d = 0; fits && d < rank; ++d)
    fits = d == axis ? ps[d] == (xs[d] + block - 1) / block : ps[d] == xs[d];
  if (!fits)
    return c.fail("blocked quantization (block_size " + llvm::Twine(block) + ", axis " + llvm::Twine(axis) +
                  ") needs a scale and zero point of x's rank with ceil(dim / block_size) entries along the axis");
  SmallVector<int64_t> spread(ps.begin(), ps.end()), merged(ps.begin(), ps.end());
  spread.insert(spread.begin() + axis + 1, block);
  merged[axis] *= block;
  Value repeated = c.op("Reshape", {c.op("Expand", {c.op("Unsqueeze", {p, c.ints({axis + 1})}), c.ints(spread)}),
                                    c.ints(merged)});
  return merged[axis] == xs[axis] ? repeated
                                  : c.op("Slice", {repeated, c.ints({0}), c.ints({xs[axis]}), c.ints({axis})});
}

LogicalResult quantizeLinear(Composer &c, NodeState &n) {
  Value x = input(n, 0), scale = input(n, 1), zp = input(n, 2);
  if (!x || !scale)
    return emitError(n.loc) << "QuantizeLinear needs inputs x and y_scale";
  Type out = zp ? Composer::elem(zp) : IntegerType::get(&c.g.ctx, 8, IntegerType::Unsigned);
  if (!zp && n.attrs.get("output_dtype"))
    out = onnx::elementTypeFromOnnx(&c.g.ctx, intAttr(n, "output_dtype", 2));
  int64_t rank = Composer::rank(x), axis = normalizedAxis(n, rank, 1);
  if (onnx::isNarrowType(out) && isa<FloatType>(out)) {
    // Float8 (and float4): x / scale + zero point, rounded and saturated by
    // the Cast to the type (no rounding to integers).
    Value y = c.op("Div", {x, c.castTo(quantParam(c, n, scale, x, axis), Composer::elem(x))});
    if (zp)
      y = c.op("Add", {y, c.castTo(quantParam(c, n, zp, x, axis), Composer::elem(x))});
    y = c.op("Cast", {y}, {c.attr("to", onnx::onnxCodeFromElementType(out)), c.attr("saturate", intAttr(n, "saturate", 1))});
    return c.done(n, {y});
  }
  auto range = quantRange(n.loc, out);
  if (failed(range))
    return failure();
  Value y = quantize(c, x, quantParam(c, n, scale, x, axis), quantParam(c, n, zp, x, axis), out, *range);
  return c.done(n, {y});
}

LogicalResult dequantizeLinear(Composer &c, NodeState &n) {
  Value x = input(n, 0), scale = input(n, 1), zp = input(n, 2);
  if (!x || !scale)
    return emitError(n.loc) << "DequantizeLinear needs inputs x and x_scale";
  // The arithmetic's type: the scale's, f32 for an exponent-only (MX) scale.
  Type ft = Composer::elem(scale);
  if (onnx::isNarrowType(ft))
    ft = Float32Type::get(&c.g.ctx);
  int64_t rank = Composer::rank(x), axis = normalizedAxis(n, rank, 1);
  Value y = c.castTo(x, ft);
  if (zp)
    y = c.op("Sub", {y, c.castTo(quantParam(c, n, zp, x, axis), ft)});
  y = c.op("Mul", {y, c.castTo(quantParam(c, n, scale, x, axis), ft)});
  if (int64_t code = intAttr(n, "output_dtype", 0)) { // opset 23: the result's type
    Type out = onnx::elementTypeFromOnnx(&c.g.ctx, code);
    if (!out || !isa<FloatType>(out) || onnx::isNarrowType(out))
      return emitError(n.loc) << "DequantizeLinear's output_dtype " << code << " is not a supported float type";
    y = c.castTo(y, out);
  }
  return c.done(n, {y});
}

/// uint8 quantization with the scale and zero point that cover [min(x, 0), max(x, 0)].
LogicalResult dynamicQuantizeLinear(Composer &c, NodeState &n) {
  Value x = input(n, 0);
  if (!x)
    return emitError(n.loc) << "DynamicQuantizeLinear needs input x";
  Type ft = Composer::elem(x), u8 = IntegerType::get(&c.g.ctx, 8, IntegerType::Unsigned);
  Value zero = c.scalar(ft, 0), qmax = c.scalar(ft, 255);
  Value lo = c.op("Min", {c.op("ReduceMin", {x}, {c.attr("keepdims", 0)}), zero});
  Value hi = c.op("Max", {c.op("ReduceMax", {x}, {c.attr("keepdims", 0)}), zero});
  Value scale = c.op("Div", {c.op("Sub", {hi, lo}), qmax});
  Value zpf = c.op("Round", {c.op("Clip", {c.op("Sub", {zero, c.op("Div", {lo, scale})}), zero, qmax})});
  Value y = quantize(c, x, scale, zpf, u8, {0, 255});
  return c.done(n, {y, scale, c.castTo(zpf, u8)});
}

/// x - zero_point in int32 (the zero point broadcast along `axis`).
Value centered(Composer &c, Value x, Value zp, int64_t axis) {
  Type i32 = IntegerType::get(&c.g.ctx, 32);
  Value xi = c.castTo(x, i32);
  return zp ? c.op("Sub", {xi, c.castTo(c.alongAxis(zp, axis, Composer::rank(x)), i32)}) : xi;
}

LogicalResult matMulInteger(Composer &c, NodeState &n) {
  Value a = input(n, 0), b = input(n, 1);
  if (!a || !b)
    return emitError(n.loc) << "MatMulInteger needs inputs A and B";
  // A's zero point is per row (axis rank-2), B's per column (the last axis).
  Value acc = c.op("MatMul", {centered(c, a, input(n, 2), std::max<int64_t>(Composer::rank(a) - 2, 0)),
                              centered(c, b, input(n, 3), Composer::rank(b) - 1)});
  return c.done(n, {acc});
}

SmallVector<NamedAttribute> convAttrs(const NodeState &n) {
  SmallVector<NamedAttribute> out;
  for (NamedAttribute a : n.attrs)
    out.push_back(a);
  return out;
}

LogicalResult convInteger(Composer &c, NodeState &n) {
  Value x = input(n, 0), w = input(n, 1);
  if (!x || !w)
    return emitError(n.loc) << "ConvInteger needs inputs x and w";
  Value acc = c.op("Conv", {centered(c, x, input(n, 2), 1), centered(c, w, input(n, 3), 0)}, convAttrs(n));
  return c.done(n, {acc});
}

/// Requantizes an int32 accumulator: saturate(round(acc * scale) + zp).
Value requantize(Composer &c, Value acc, Value scale, Value zp, Location loc) {
  if (!c.ok)
    return {};
  Type out = zp ? Composer::elem(zp) : IntegerType::get(&c.g.ctx, 8, IntegerType::Unsigned);
  auto range = quantRange(loc, out);
  if (failed(range)) {
    c.ok = false;
    return {};
  }
  Value y = c.op("Mul", {c.castTo(acc, Composer::elem(scale)), scale});
  return quantize(c, y, Value(), zp, out, *range);
}

LogicalResult qLinearMatMul(Composer &c, NodeState &n) {
  for (unsigned i : {0, 1, 3, 4, 6})
    if (!input(n, i))
      return emitError(n.loc) << "QLinearMatMul is missing input " << i;
  Value a = input(n, 0), b = input(n, 3);
  int64_t rank = Composer::rank(b), rowAxis = std::max<int64_t>(Composer::rank(a) - 2, 0);
  if (isa<FloatType>(Composer::elem(a))) {
    // Float8 (opset 21): (a - a_zp) (b - b_zp) a_scale b_scale / y_scale + y_zp in f32,
    // cast to y's type with saturation.
    Type f32 = Float32Type::get(&c.g.ctx);
    auto centeredF = [&](Value v, Value zp, int64_t axis) {
      Value x = c.castTo(v, f32);
      return zp ? c.op("Sub", {x, c.castTo(c.alongAxis(zp, axis, Composer::rank(v)), f32)}) : x;
    };
    Value acc = c.op("MatMul", {centeredF(a, input(n, 2), rowAxis), centeredF(b, input(n, 5), rank - 1)});
    Value scale = c.op("Div", {c.op("Mul", {c.castTo(input(n, 1), f32), c.castTo(c.alongAxis(input(n, 4), rank - 1, rank), f32)}),
                               c.castTo(input(n, 6), f32)});
    Value y = c.op("Mul", {acc, scale});
    Type out = Composer::elem(input(n, 7) ? input(n, 7) : a);
    if (input(n, 7))
      y = c.op("Add", {y, c.castTo(input(n, 7), f32)});
    y = c.op("Cast", {y}, {c.attr("to", onnx::onnxCodeFromElementType(out)), c.attr("saturate", 1)});
    return c.done(n, {y});
  }
  Value acc = c.op("MatMul", {centered(c, a, input(n, 2), rowAxis), centered(c, b, input(n, 5), rank - 1)});
  Value scale = c.op("Div", {c.op("Mul", {input(n, 1), c.alongAxis(input(n, 4), rank - 1, rank)}), input(n, 6)});
  return c.done(n, {requantize(c, acc, scale, input(n, 7), n.loc)});
}

LogicalResult qLinearConv(Composer &c, NodeState &n) {
  for (unsigned i : {0, 1, 3, 4, 6})
    if (!input(n, i))
      return emitError(n.loc) << "QLinearConv is missing input " << i;
  Value x = input(n, 0), w = input(n, 3);
  int64_t rank = Composer::rank(x);
  Value acc = c.op("Conv", {centered(c, x, input(n, 2), 1), centered(c, w, input(n, 5), 0)}, convAttrs(n));
  if (Value bias = input(n, 8))
    acc = c.op("Add", {acc, c.alongAxis(bias, 1, rank)});
  Value scale = c.op("Div", {c.op("Mul", {input(n, 1), c.alongAxis(input(n, 4), 1, rank)}), input(n, 6)});
  return c.done(n, {requantize(c, acc, scale, input(n, 7), n.loc)});
}

/// (X - mean) / (sqrt(mean(X^2) - mean^2) + 1e-9) over `axes` (default 0, 2, 3).
LogicalResult meanVarianceNormalization(Composer &c, NodeState &n) {
  Value x = input(n, 0);
  if (!x)
    return emitError(n.loc) << "MeanVarianceNormalization needs input X";
  SmallVector<int64_t> axes{0, 2, 3};
  if (auto a = dyn_cast_or_null<DenseI64ArrayAttr>(n.attrs.get("axes")))
    axes.assign(a.asArrayRef().begin(), a.asArrayRef().end());
  Value axesV = c.g.constI64(axes, n.loc);
  Type ft = Composer::elem(x);
  Value mean = c.op("ReduceMean", {x, axesV});
  Value meanOfSquares = c.op("ReduceMean", {c.op("Mul", {x, x}), axesV});
  Value var = c.op("Sub", {meanOfSquares, c.op("Mul", {mean, mean})});
  Value std = c.op("Add", {c.op("Sqrt", {var}), c.scalar(ft, 1e-9)});
  return c.done(n, {c.op("Div", {c.op("Sub", {x, mean}), std})});
}

/// Local response normalization across channels: the windowed sum of squares
/// is an average pool over [N, 1, C, rest] with a (size x 1) kernel.
LogicalResult lrn(Composer &c, NodeState &n) {
  Value x = input(n, 0);
  auto size = intAttr(n, "size", 0);
  if (!x || Composer::rank(x) < 3 || size < 1)
    return emitError(n.loc) << "LRN needs an input of rank >= 3 and a positive size";
  auto t = cast<RankedTensorType>(x.getType());
  auto f = [&](StringRef name, double d) {
    auto a = dyn_cast_or_null<FloatAttr>(n.attrs.get(name));
    return a ? a.getValueAsDouble() : d;
  };
  double alpha = f("alpha", 1e-4), beta = f("beta", 0.75), bias = f("bias", 1.0);
  int64_t rest = product(t.getShape().drop_front(2)); // not numel / (N * C): that may be 0 / 0
  Builder b(&c.g.ctx);
  Value sq = c.op("Reshape", {c.op("Mul", {x, x}), c.g.constI64({t.getDimSize(0), 1, t.getDimSize(1), rest}, n.loc)},
                 {c.attr("allowzero", 1)});
  int64_t before = (size - 1) / 2, after = size - 1 - before;
  Value avg = c.op("AveragePool", {sq},
                   {b.getNamedAttr("kernel_shape", b.getDenseI64ArrayAttr({size, 1})),
                    b.getNamedAttr("pads", b.getDenseI64ArrayAttr({before, 0, after, 0})),
                    c.attr("count_include_pad", 1)});
  Value sum = c.op("Reshape", {avg, c.g.constI64(t.getShape(), n.loc)}, {c.attr("allowzero", 1)});
  Type ft = t.getElementType();
  // avg * size * alpha / size = avg * alpha.
  Value base = c.op("Add", {c.scalar(ft, bias), c.op("Mul", {sum, c.scalar(ft, alpha)})});
  return c.done(n, {c.op("Div", {x, c.op("Pow", {base, c.scalar(ft, beta)})})});
}

/// A rank-1 constant with `values` in element type `elem`.
Value constVector(GraphImporter &g, Location loc, Type elem, ArrayRef<double> values) {
  auto type = RankedTensorType::get({(int64_t)values.size()}, elem);
  SmallVector<Attribute> attrs;
  for (double v : values)
    attrs.push_back(isa<FloatType>(elem) ? (Attribute)FloatAttr::get(elem, v)
                                         : (Attribute)IntegerAttr::get(elem, (int64_t)v));
  return onnx::ConstantOp::create(g.b, loc, DenseElementsAttr::get(type, attrs));
}

/// Hann, Hamming and Blackman windows of a constant size, computed here.
LogicalResult window(Composer &c, NodeState &n) {
  SmallVector<int64_t> size;
  if (!input(n, 0) || failed(onnx::requireConstantInts(n.loc, input(n, 0), "size", size)))
    return failure();
  if (size.size() != 1 || size[0] < 0 || size[0] > (1 << 24))
    return emitError(n.loc) << "window size must be a scalar between 0 and 2^24";
  Type elem = onnx::elementTypeFromOnnx(&c.g.ctx, intAttr(n, "output_datatype", 1));
  if (!elem)
    return emitError(n.loc) << "unsupported output_datatype";
  int64_t len = size[0];
  double denom = intAttr(n, "periodic", 1) ? len : len - 1;
  SmallVector<double> coeffs = n.opType == "HannWindow"      ? SmallVector<double>{0.5, 0.5}
                               : n.opType == "HammingWindow" ? SmallVector<double>{25.0 / 46, 21.0 / 46}
                                                             : SmallVector<double>{0.42, 0.5, 0.08};
  if (len > Composer::kConstantCount) { // computed at run time: sum_k (-1)^k a_k cos(2 pi k i / denom)
    Type f32 = Float32Type::get(&c.g.ctx);
    Value i = c.castTo(c.counting(len, 0, 1), f32), w = c.scalar(f32, coeffs[0]);
    for (size_t k = 1; k < coeffs.size(); ++k)
      w = c.op("Add", {w, c.op("Mul", {c.scalar(f32, (k % 2 ? -1 : 1) * coeffs[k]),
                                        c.op("Cos", {c.op("Mul", {i, c.scalar(f32, 2 * M_PI * k / denom)})})})});
    return c.done(n, {c.castTo(w, elem)});
  }
  SmallVector<double> values;
  for (int64_t i = 0; i < len; ++i) {
    double v = 0;
    for (size_t k = 0; k < coeffs.size(); ++k)
      v += (k % 2 ? -1 : 1) * coeffs[k] * std::cos(2 * M_PI * k * i / denom);
    values.push_back(v);
  }
  return c.done(n, {constVector(c.g, n.loc, elem, values)});
}

/// Range of constant start, limit and delta, computed here (the output length
/// depends on the values).
LogicalResult range(Composer &c, NodeState &n) {
  SmallVector<double> v[3];
  const char *names[] = {"start", "limit", "delta"};
  for (int i = 0; i < 3; ++i) {
    Value in = input(n, i);
    if (!in)
      return emitError(n.loc) << "Range needs input '" << names[i] << "'";
    auto f = onnx::getConstantFloats(in);
    if (auto ints = onnx::getConstantInts(in))
      f = SmallVector<double>(ints->begin(), ints->end());
    if (!f)
      return onnx::emitNotConstant(n.loc, in, names[i], "scalar");
    if (f->size() != 1)
      return emitError(n.loc) << "input '" << names[i] << "' must be a scalar";
    v[i] = *f;
  }
  double start = v[0][0], limit = v[1][0], delta = v[2][0];
  if (delta == 0)
    return emitError(n.loc) << "Range's delta must not be 0";
  double count = std::max(std::ceil((limit - start) / delta), 0.0);
  if (!(count <= (1 << 24)))
    return emitError(n.loc) << "Range would have more than 2^24 elements";
  Type elem = Composer::elem(input(n, 0));
  if (count > Composer::kConstantCount) // start + i * delta, computed at run time
    return c.done(n, {c.op("Add", {c.op("Mul", {c.castTo(c.counting((int64_t)count, 0, 1), elem), input(n, 2)}),
                                   input(n, 0)})});
  SmallVector<double> values;
  for (int64_t i = 0; i < (int64_t)count; ++i)
    values.push_back(start + i * delta);
  return c.done(n, {constVector(c.g, n.loc, elem, values)});
}

/// OneHot: values[1] where the (wrapped) index equals the position along the
/// new axis, values[0] elsewhere. depth must be a constant.
LogicalResult oneHot(Composer &c, NodeState &n) {
  Value indices = input(n, 0), depthV = input(n, 1), values = input(n, 2);
  if (!indices || !depthV || !values)
    return emitError(n.loc) << "OneHot needs inputs indices, depth and values";
  auto depthF = onnx::getConstantFloats(depthV);
  if (auto ints = onnx::getConstantInts(depthV))
    depthF = SmallVector<double>(ints->begin(), ints->end());
  if (!depthF)
    return onnx::emitNotConstant(n.loc, depthV, "depth", "scalar");
  if (depthF->size() != 1 || (*depthF)[0] < 1 || (*depthF)[0] > (1 << 24))
    return emitError(n.loc) << "depth must be one value between 1 and 2^24";
  auto tv = cast<RankedTensorType>(values.getType());
  if (tv.getNumElements() != 2)
    return emitError(n.loc) << "values must hold two elements (off, on)";
  int64_t depth = (int64_t)(*depthF)[0], rank = Composer::rank(indices) + 1;
  int64_t axis = intAttr(n, "axis", -1);
  if (axis < -rank || axis >= rank)
    return emitError(n.loc) << "axis " << axis << " is out of range";
  axis = axis < 0 ? axis + rank : axis;
  Type i64 = IntegerType::get(&c.g.ctx, 64);
  Value idx = c.castTo(indices, i64), depthC = c.scalar(i64, depth);
  idx = c.op("Where", {c.op("Less", {idx, c.scalar(i64, 0)}), c.op("Add", {idx, depthC}), idx});
  idx = c.op("Unsqueeze", {idx, c.g.constI64({axis}, n.loc)});
  Value range = c.counting(depth, axis, rank); // 0..depth-1 along the new axis
  Value flat = c.op("Reshape", {values, c.g.constI64({2}, n.loc)});
  Value off = c.op("Gather", {flat, onnx::ConstantOp::create(c.g.b, n.loc, DenseElementsAttr::get(
                                        RankedTensorType::get({}, i64), APInt(64, 0)))});
  Value on = c.op("Gather", {flat, onnx::ConstantOp::create(c.g.b, n.loc, DenseElementsAttr::get(
                                       RankedTensorType::get({}, i64), APInt(64, 1)))});
  return c.done(n, {c.op("Where", {c.op("Equal", {idx, range}), on, off})});
}

} // namespace

LogicalResult GraphImporter::decompose(NodeState &n) {
  static const DecompositionTable table = [] {
    DecompositionTable t = {
      {"QuantizeLinear", quantizeLinear},
      {"DequantizeLinear", dequantizeLinear},
      {"DynamicQuantizeLinear", dynamicQuantizeLinear},
      {"MatMulInteger", matMulInteger},
      {"ConvInteger", convInteger},
      {"QLinearMatMul", qLinearMatMul},
      {"QLinearConv", qLinearConv},
      {"MeanVarianceNormalization", meanVarianceNormalization},
      {"LRN", lrn},
      {"HannWindow", window},
      {"HammingWindow", window},
      {"BlackmanWindow", window},
      {"Range", range},
      {"OneHot", oneHot},
    };
    addTransformerDecompositions(t);
    addClassicDecompositions(t);
    addPoolingDecompositions(t);
    addSignalDecompositions(t);
    addDataDependentDecompositions(t);
    return t;
  }();
  auto it = table.find(n.opType);
  if (it == table.end())
    return success();
  Composer c{*this, n.loc};
  return it->second(c, n);
}

} // namespace onnxc
