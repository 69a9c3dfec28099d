// Pooling-family ops built from onnx ops: Lp norms and pools, MaxPool with Indices, MaxUnpool, RoiAlign, Col2Im.
#include "compiler/Composer.h"

#include <cmath>
#include <limits>

using namespace mlir;

namespace onnxc {

namespace {

/// |x|^p, the summand of the Lp ops (p = 1 and 2 without Pow).
Value powerOfAbs(Composer &c, Value x, int64_t p) {
  if (p == 2)
    return c.op("Mul", {x, x});
  Value a = c.op("Abs", {x});
  return p == 1 ? a : c.op("Pow", {a, c.scalar(Composer::elem(x), (double)p)});
}

/// s^(1/p), the inverse of powerOfAbs.
Value root(Composer &c, Value s, int64_t p) {
  if (p == 1)
    return s;
  if (p == 2)
    return c.op("Sqrt", {s});
  return c.op("Pow", {s, c.scalar(Composer::elem(s), 1.0 / p)});
}

int64_t lpExponent(Composer &c, const NodeState &n) {
  int64_t p = intAttr(n, "p", 2);
  if (p < 1 || p > 64)
    c.fail("p must be between 1 and 64 (got " + Twine(p) + ")");
  return p;
}

/// x / ||x||_p along `axis`.
LogicalResult lpNormalization(Composer &c, NodeState &n) {
  Value x = input(n, 0);
  if (!x)
    return emitError(n.loc) << "LpNormalization needs input";
  int64_t p = intAttr(n, "p", 2), rank = Composer::rank(x), axis = intAttr(n, "axis", -1);
  if (p != 1 && p != 2)
    return emitError(n.loc) << "LpNormalization's p must be 1 or 2";
  if (axis < -rank || axis >= rank)
    return emitError(n.loc) << "axis " << axis << " is out of range";
  Value norm = root(c, c.op("ReduceSum", {powerOfAbs(c, x, p), c.ints({axis})}), p);
  return c.done(n, {c.op("Div", {x, norm})});
}

/// (sum over the window of |x|^p)^(1/p): an average pool that counts the
/// padding, times the window size.
LogicalResult lpPool(Composer &c, NodeState &n) {
  Value x = input(n, 0);
  auto kernel = dyn_cast_or_null<DenseI64ArrayAttr>(n.attrs.get("kernel_shape"));
  if (!x || !kernel)
    return emitError(n.loc) << "LpPool needs input X and kernel_shape";
  int64_t p = lpExponent(c, n);
  SmallVector<NamedAttribute> attrs;
  for (NamedAttribute a : n.attrs)
    if (a.getName() != "p")
      attrs.push_back(a);
  attrs.push_back(c.attr("count_include_pad", 1));
  Value avg = c.op("AveragePool", {powerOfAbs(c, x, p)}, attrs);
  Value sum = c.op("Mul", {avg, c.scalar(Composer::elem(x), (double)product(kernel.asArrayRef()))});
  return c.done(n, {root(c, sum, p)});
}

LogicalResult globalLpPool(Composer &c, NodeState &n) {
  Value x = input(n, 0);
  if (!x || Composer::rank(x) < 3)
    return emitError(n.loc) << "GlobalLpPool needs an input of rank >= 3";
  int64_t p = lpExponent(c, n);
  SmallVector<int64_t> axes;
  for (int64_t i = 2; i < Composer::rank(x); ++i)
    axes.push_back(i);
  return c.done(n, {root(c, c.op("ReduceSum", {powerOfAbs(c, x, p), c.ints(axes)}), p)});
}

/// MaxUnpool: X's values scattered to the flat positions MaxPool's indices name.
LogicalResult maxUnpool(Composer &c, NodeState &n) {
  Value x = input(n, 0), indices = input(n, 1), outShapeV = input(n, 2);
  auto kernel = dyn_cast_or_null<DenseI64ArrayAttr>(n.attrs.get("kernel_shape"));
  if (!x || !indices || !kernel || Composer::rank(x) < 3)
    return emitError(n.loc) << "MaxUnpool needs X of rank >= 3, I and kernel_shape";
  ArrayRef<int64_t> s = Composer::shape(x);
  size_t spatial = s.size() - 2;
  SmallVector<int64_t> strides = intsOr(n, "strides", SmallVector<int64_t>(spatial, 1));
  SmallVector<int64_t> pads = intsOr(n, "pads", SmallVector<int64_t>(2 * spatial, 0));
  if (kernel.size() != (int64_t)spatial || strides.size() != spatial || pads.size() != 2 * spatial)
    return emitError(n.loc) << "kernel_shape, strides and pads must match X's spatial rank";
  // The indices count positions in the pooled input's shape, the default output shape.
  SmallVector<int64_t> inferred(s.begin(), s.begin() + 2);
  for (size_t i = 0; i < spatial; ++i)
    inferred.push_back((s[2 + i] - 1) * strides[i] + kernel[i] - pads[i] - pads[spatial + i]);
  SmallVector<int64_t> outShape = inferred;
  Type i64 = IntegerType::get(&c.g.ctx, 64);
  Value flatIndex = c.op("Reshape", {c.castTo(indices, i64), c.ints({-1})});
  if (outShapeV) {
    if (failed(onnx::requireConstantInts(n.loc, outShapeV, "output_shape", outShape)))
      return failure();
    if (outShape.size() != s.size() || outShape[0] != s[0] || outShape[1] != s[1])
      return emitError(n.loc) << "output_shape must keep X's rank, batch and channels";
    if (outShape != inferred) { // re-linearize each index for the requested shape
      Value rest = flatIndex, moved = c.scalar(i64, 0), scale = c.scalar(i64, 1);
      for (int64_t d = s.size() - 1; d >= 0; --d) {
        Value coord = c.op("Mod", {rest, c.scalar(i64, inferred[d])});
        rest = c.op("Div", {rest, c.scalar(i64, inferred[d])});
        moved = c.op("Add", {moved, c.op("Mul", {coord, scale})});
        scale = c.op("Mul", {scale, c.scalar(i64, outShape[d])});
      }
      flatIndex = moved;
    }
  }
  for (int64_t d : outShape)
    if (d < 1)
      return emitError(n.loc) << "MaxUnpool's output shape has a dimension below 1";
  Value zeros = c.op("Expand", {c.scalar(Composer::elem(x), 0), c.ints({product(outShape)})});
  Value flat = c.op("ScatterElements", {zeros, flatIndex, c.op("Reshape", {x, c.ints({-1})})});
  return c.done(n, {c.op("Reshape", {flat, c.ints(outShape)})});
}

/// Col2Im-18: every column element added into its image position (a scatter
/// with add into the padded image, then the padding cut away).
LogicalResult col2Im(Composer &c, NodeState &n) {
  Value x = input(n, 0);
  SmallVector<int64_t> image, block;
  if (!x || !input(n, 1) || !input(n, 2) ||
      failed(onnx::requireConstantInts(n.loc, input(n, 1), "image_shape", image)) ||
      failed(onnx::requireConstantInts(n.loc, input(n, 2), "block_shape", block)))
    return x ? failure() : (emitError(n.loc) << "Col2Im needs input, image_shape and block_shape", failure());
  size_t dims = image.size();
  SmallVector<int64_t> dil = intsOr(n, "dilations", SmallVector<int64_t>(dims, 1));
  SmallVector<int64_t> pads = intsOr(n, "pads", SmallVector<int64_t>(2 * dims, 0));
  SmallVector<int64_t> strides = intsOr(n, "strides", SmallVector<int64_t>(dims, 1));
  if (block.size() != dims || dil.size() != dims || pads.size() != 2 * dims || strides.size() != dims ||
      Composer::rank(x) != 3)
    return emitError(n.loc) << "Col2Im's shapes and attributes disagree on the number of spatial dims";
  // Every size within 2^24 and every product checked: the values come from the model.
  auto within = [](ArrayRef<int64_t> v, int64_t lo) {
    return llvm::all_of(v, [&](int64_t x) { return x >= lo && x <= (1 << 24); });
  };
  if (dims < 1 || dims > 8 || !within(image, 1) || !within(block, 1) || !within(dil, 1) || !within(strides, 1) ||
      !within(pads, 0))
    return emitError(n.loc) << "Col2Im needs 1 to 8 spatial dims and sizes, dilations, strides and pads in [0, 2^24]";
  SmallVector<int64_t> padded, blocksPer;
  int64_t numBlocks = 1;
  for (size_t d = 0; d < dims; ++d) {
    padded.push_back(image[d] + pads[d] + pads[dims + d]);
    int64_t count = (padded[d] - (dil[d] * (block[d] - 1) + 1)) / strides[d] + 1;
    if (count < 1 || llvm::MulOverflow(numBlocks, count, numBlocks))
      return emitError(n.loc) << "Col2Im's block does not fit the padded image";
    blocksPer.push_back(count);
  }
  auto blockProduct = onnx::checkedProduct(block), canvasSize = onnx::checkedProduct(padded);
  ArrayRef<int64_t> s = Composer::shape(x);
  if (!blockProduct || !canvasSize || s[1] % *blockProduct || s[2] != numBlocks)
    return emitError(n.loc) << "Col2Im's input is not (N, C * prod(block_shape), " << numBlocks << ")";
  int64_t blockSize = *blockProduct, channels = s[1] / blockSize, canvas = *canvasSize, total;
  if (llvm::MulOverflow(channels, canvas, total) || channels * blockSize * numBlocks > (1 << 24))
    return emitError(n.loc) << "Col2Im's input is too large to index at compile time";
  SmallVector<double> target; // flat canvas position of each (c, block offset, block) element
  for (int64_t ch = 0; ch < channels; ++ch)
    for (int64_t k = 0; k < blockSize; ++k)
      for (int64_t l = 0; l < numBlocks; ++l) {
        int64_t pos = 0, kr = k, lr = l;
        SmallVector<int64_t> kIdx(dims), lIdx(dims);
        for (int64_t d = dims - 1; d >= 0; --d) {
          kIdx[d] = kr % block[d], kr /= block[d];
          lIdx[d] = lr % blocksPer[d], lr /= blocksPer[d];
        }
        for (size_t d = 0; d < dims; ++d)
          pos = pos * padded[d] + lIdx[d] * strides[d] + kIdx[d] * dil[d];
        target.push_back(ch * canvas + pos);
      }
  Type i64 = IntegerType::get(&c.g.ctx, 64);
  int64_t count = channels * blockSize * numBlocks;
  Value index = c.op("Expand", {constant(c, i64, {1, count}, target), c.ints({s[0], count})});
  Value zeros = c.op("Expand", {c.scalar(Composer::elem(x), 0), c.ints({s[0], channels * canvas})});
  Value sums = c.op("ScatterElements", {zeros, index, c.op("Reshape", {x, c.ints({s[0], count})})},
                    {c.attr("axis", 1), c.attr("reduction", StringRef("add"))});
  SmallVector<int64_t> shape{s[0], channels};
  shape.append(padded.begin(), padded.end());
  Value y = c.op("Reshape", {sums, c.ints(shape)});
  SmallVector<int64_t> starts, ends, axes;
  for (size_t d = 0; d < dims; ++d) {
    starts.push_back(pads[d]);
    ends.push_back(pads[d] + image[d]);
    axes.push_back(2 + d);
  }
  return c.done(n, {c.op("Slice", {y, c.ints(starts), c.ints(ends), c.ints(axes)})});
}

/// MaxPool's second output, Indices: the flat index (row-major, or
/// column-major within each image when storage_order = 1) of each window's
/// first maximum, found by comparing the window's strided slices in order.
LogicalResult maxPoolWithIndices(Composer &c, NodeState &n) {
  if (n.numOutputs < 2)
    return success(); // the plain pool
  Value x = input(n, 0);
  auto kernel = dyn_cast_or_null<DenseI64ArrayAttr>(n.attrs.get("kernel_shape"));
  if (!x || !kernel || Composer::rank(x) < 3 || kernel.size() != Composer::rank(x) - 2)
    return emitError(n.loc) << "MaxPool needs X of rank >= 3 and a kernel_shape for its spatial dims";
  Value y = c.op("MaxPool", {x}, SmallVector<NamedAttribute>(n.attrs.begin(), n.attrs.end()));
  if (!c.ok)
    return failure();
  ArrayRef<int64_t> xs = Composer::shape(x), ys = Composer::shape(y);
  size_t spatial = kernel.size();
  SmallVector<int64_t> strides = intsOr(n, "strides", SmallVector<int64_t>(spatial, 1));
  SmallVector<int64_t> dil = intsOr(n, "dilations", SmallVector<int64_t>(spatial, 1));
  SmallVector<int64_t> pads = intsOr(n, "pads", SmallVector<int64_t>(2 * spatial, 0));
  auto autoPad = dyn_cast_or_null<StringAttr>(n.attrs.get("auto_pad"));
  if (strides.size() != spatial || dil.size() != spatial || pads.size() != 2 * spatial)
    return emitError(n.loc) << "MaxPool's strides, dilations and pads must match its kernel";
  // Begin pads (SAME_*: split as ONNX does), then whatever the end needs.
  SmallVector<int64_t> padBegin, padEnd;
  for (size_t d = 0; d < spatial; ++d) {
    int64_t extent = (ys[2 + d] - 1) * strides[d] + (kernel[d] - 1) * dil[d] + 1, begin = pads[d];
    if (autoPad && autoPad.getValue().starts_with("SAME")) {
      int64_t total = std::max<int64_t>(extent - xs[2 + d], 0);
      begin = autoPad.getValue() == "SAME_UPPER" ? total / 2 : total - total / 2;
    } else if (autoPad && autoPad.getValue() == "VALID") {
      begin = 0;
    }
    padBegin.push_back(begin);
    padEnd.push_back(std::max<int64_t>(extent - xs[2 + d] - begin, 0));
  }
  // One Slice, Greater and two Wheres per kernel element: bound them.
  int64_t windows = product(kernel.asArrayRef());
  if (windows > 4096)
    return emitError(n.loc) << "MaxPool with Indices unrolls its " << windows
                            << " kernel elements, more than the supported 4096";
  // The flat index of every element (storage_order 1: H and W swapped), computed with ops.
  bool columnMajor = intAttr(n, "storage_order", 0);
  Value flat;
  if (columnMajor && spatial == 2 && product(xs) > 0)
    flat = c.op("Add", {c.op("Add", {c.op("Mul", {c.counting(xs[0], 0, 4), c.ints({xs[1] * xs[2] * xs[3]})}),
                                     c.op("Mul", {c.counting(xs[1], 1, 4), c.ints({xs[2] * xs[3]})})}),
                        c.op("Add", {c.counting(xs[2], 2, 4), c.op("Mul", {c.counting(xs[3], 3, 4), c.ints({xs[2]})})})});
  else
    flat = c.op("Reshape", {c.counting(product(xs), 0, 1), c.ints(xs)}, {c.attr("allowzero", 1)});
  Type ft = Composer::elem(x), i64 = IntegerType::get(&c.g.ctx, 64);
  SmallVector<int64_t> padAll(2, 0), endAll(2, 0);
  padAll.append(padBegin);
  endAll.append(padEnd);
  padAll.append(endAll);
  Value xp = c.op("Pad", {x, c.ints(padAll), c.scalar(ft, -std::numeric_limits<double>::infinity())});
  Value ip = c.op("Pad", {flat, c.ints(padAll), c.scalar(i64, -1)});
  Value best, bestIndex;
  for (int64_t k = 0; k < windows && c.ok; ++k) {
    SmallVector<int64_t> starts, ends, axes, steps;
    int64_t rest = k;
    for (int64_t d = spatial - 1; d >= 0; --d) {
      int64_t offset = (rest % kernel[d]) * dil[d];
      rest /= kernel[d];
      starts.insert(starts.begin(), offset);
      ends.insert(ends.begin(), offset + (ys[2 + d] - 1) * strides[d] + 1);
      axes.insert(axes.begin(), 2 + d);
      steps.insert(steps.begin(), strides[d]);
    }
    auto window = [&](Value v) { return c.op("Slice", {v, c.ints(starts), c.ints(ends), c.ints(axes), c.ints(steps)}); };
    Value xk = window(xp), ik = window(ip);
    if (!best) {
      best = xk, bestIndex = ik;
      continue;
    }
    Value better = c.op("Greater", {xk, best});
    best = c.op("Where", {better, xk, best});
    bestIndex = c.op("Where", {better, ik, bestIndex});
  }
  return c.done(n, {y, bestIndex});
}

/// RoiAlign (avg): each output bin averages sampling_ratio^2 bilinear samples
/// inside the box; the four corners of every sample are gathered from the
/// flattened input at indices computed from the boxes at run time.
LogicalResult roiAlign(Composer &c, NodeState &n) {
  Value x = input(n, 0), rois = input(n, 1), batchIdx = input(n, 2);
  if (!x || !rois || !batchIdx || Composer::rank(x) != 4 || Composer::rank(rois) != 2 ||
      Composer::shape(rois)[1] != 4)
    return emitError(n.loc) << "RoiAlign needs X (N, C, H, W), rois (R, 4) and batch_indices (R)";
  auto modeAttr = dyn_cast_or_null<StringAttr>(n.attrs.get("mode"));
  StringRef mode = modeAttr ? modeAttr.getValue() : "avg";
  if (mode != "avg" && mode != "max")
    return emitError(n.loc) << "RoiAlign's mode must be avg or max (got '" << mode << "')";
  int64_t outH = intAttr(n, "output_height", 1), outW = intAttr(n, "output_width", 1);
  int64_t ratio = intAttr(n, "sampling_ratio", 0);
  if (ratio < 1 || ratio > 64 || outH < 1 || outW < 1)
    return emitError(n.loc) << "RoiAlign needs sampling_ratio between 1 and 64 (0, adaptive, depends on the boxes "
                                "at run time) and positive output sizes";
  if (outH > (1 << 20) / ratio || outW > (1 << 20) / ratio)
    return emitError(n.loc) << "RoiAlign's output_height and output_width times sampling_ratio must be at most 2^20";
  auto ct = dyn_cast_or_null<StringAttr>(n.attrs.get("coordinate_transformation_mode"));
  bool halfPixel = n.opset >= 16 && (!ct || ct.getValue() == "half_pixel");
  double scale = floatAttr(n, "spatial_scale", 1.0);
  ArrayRef<int64_t> xs = Composer::shape(x);
  int64_t numRois = Composer::shape(rois)[0], channels = xs[1], height = xs[2], width = xs[3];
  Type ft = Composer::elem(x), i64 = IntegerType::get(&c.g.ctx, 64);
  auto column = [&](int64_t k) { // (R, 1)
    Value v = c.op("Slice", {rois, c.ints({k}), c.ints({k + 1}), c.ints({1})});
    return c.op("Sub", {c.op("Mul", {c.castTo(v, ft), c.scalar(ft, scale)}), c.scalar(ft, halfPixel ? 0.5 : 0.0)});
  };
  Value x1 = column(0), y1 = column(1), x2 = column(2), y2 = column(3);
  // Sample coordinates along one axis: start + (bin + (i + 0.5) / ratio) * size / bins, (R, bins * ratio).
  auto samples = [&](Value start, Value end, int64_t bins) {
    Value size = c.op("Sub", {end, start});
    if (!halfPixel)
      size = c.op("Max", {size, c.scalar(ft, 1.0)});
    SmallVector<double> offsets;
    for (int64_t b = 0; b < bins; ++b)
      for (int64_t i = 0; i < ratio; ++i)
        offsets.push_back((b + (i + 0.5) / ratio) / bins);
    return c.op("Add", {start, c.op("Mul", {size, constant(c, ft, {1, bins * ratio}, offsets)})});
  };
  // Per axis: low and high neighbour, the weight of the high one, and validity.
  struct Axis {
    Value low, high, frac, valid;
  };
  auto axis = [&](Value coord, int64_t limit) {
    Value valid = c.op("And", {c.op("GreaterOrEqual", {coord, c.scalar(ft, -1.0)}),
                               c.op("LessOrEqual", {coord, c.scalar(ft, (double)limit)})});
    Value clamped = c.op("Max", {coord, c.scalar(ft, 0.0)});
    Value low = c.op("Min", {c.op("Floor", {clamped}), c.scalar(ft, (double)(limit - 1))});
    Value atEdge = c.op("GreaterOrEqual", {low, c.scalar(ft, (double)(limit - 1))});
    Value high = c.op("Where", {atEdge, low, c.op("Add", {low, c.scalar(ft, 1.0)})});
    Value frac = c.op("Where", {atEdge, c.scalar(ft, 0.0), c.op("Sub", {clamped, low})});
    return Axis{c.castTo(low, i64), c.castTo(high, i64), frac, valid};
  };
  Axis ay = axis(samples(y1, y2, outH), height), ax = axis(samples(x1, x2, outW), width);
  // Flat index of (roi r, channel, y sample, x sample): ((b[r] * C + c) * H + y) * W + x, (R, C, Sy, Sx).
  Value base = c.op("Mul", {c.op("Reshape", {c.castTo(batchIdx, i64), c.ints({numRois, 1, 1, 1})}),
                            c.scalar(i64, channels)});
  Value chan = c.op("Reshape", {c.counting(channels, 0, 1), c.ints({1, channels, 1, 1})}, {c.attr("allowzero", 1)});
  base = c.op("Mul", {c.op("Add", {base, chan}),
                      c.scalar(i64, height * width)});
  auto rowIdx = [&](Value v) { return c.op("Unsqueeze", {c.op("Mul", {v, c.scalar(i64, width)}), c.ints({1, 3})}); };
  auto colIdx = [&](Value v) { return c.op("Unsqueeze", {v, c.ints({1, 2})}); };
  Value flatX = c.op("Reshape", {x, c.ints({-1})});
  auto at = [&](Value row, Value col) {
    return c.op("Gather", {flatX, c.op("Add", {c.op("Add", {base, rowIdx(row)}), colIdx(col)})});
  };
  auto asRow = [&](Value v) { return c.op("Unsqueeze", {v, c.ints({1, 3})}); };
  auto asCol = [&](Value v) { return c.op("Unsqueeze", {v, c.ints({1, 2})}); };
  Value one = c.scalar(ft, 1.0);
  Value wyL = asRow(c.op("Sub", {one, ay.frac})), wyH = asRow(ay.frac);
  Value wxL = asCol(c.op("Sub", {one, ax.frac})), wxH = asCol(ax.frac);
  Value corners[] = {c.op("Mul", {c.op("Mul", {wyL, wxL}), at(ay.low, ax.low)}),
                     c.op("Mul", {c.op("Mul", {wyL, wxH}), at(ay.low, ax.high)}),
                     c.op("Mul", {c.op("Mul", {wyH, wxL}), at(ay.high, ax.low)}),
                     c.op("Mul", {c.op("Mul", {wyH, wxH}), at(ay.high, ax.high)})};
  // avg: the bilinear value, averaged over the bin's samples. max (as ONNX
  // Runtime and the ONNX reference define it): the largest weighted corner
  // of any sample; a sample outside the image counts as 0.
  Value v = mode == "avg" ? c.op("Sum", corners) : c.op("Max", corners);
  Value valid = c.op("And", {asRow(ay.valid), asCol(ax.valid)});
  v = c.op("Where", {valid, v, c.scalar(ft, 0.0)});
  Value bins = c.op("Reshape", {v, c.ints({numRois, channels, outH, ratio, outW, ratio})});
  return c.done(n, {c.op(mode == "avg" ? "ReduceMean" : "ReduceMax", {bins, c.ints({3, 5})}, {c.attr("keepdims", 0)})});
}

} // namespace

void addPoolingDecompositions(DecompositionTable &table) {
  table["LpNormalization"] = lpNormalization;
  table["LpPool"] = lpPool;
  table["GlobalLpPool"] = globalLpPool;
  table["MaxPool"] = maxPoolWithIndices;
  table["MaxUnpool"] = maxUnpool;
  table["RoiAlign"] = roiAlign;
  table["Col2Im"] = col2Im;
}

} // namespace onnxc
