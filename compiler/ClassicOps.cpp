// Older ONNX ops built from onnx ops: ReverseSequence, CenterCropPad, AffineGrid, Det, Pad with negative pads, DeformConv.
#include "compiler/Composer.h"

#include <cmath>
#include <limits>

using namespace mlir;

namespace onnxc {

namespace {
/// Reverses the first sequence_lens[b] steps of every batch entry: a gather
/// along the time axis at lens - 1 - t (t < lens) or t.
LogicalResult reverseSequence(Composer &c, NodeState &n) {
  Value x = input(n, 0), lens = input(n, 1);
  if (!x || !lens || Composer::rank(x) < 2)
    return emitError(n.loc) << "ReverseSequence needs an input of rank >= 2 and sequence_lens";
  int64_t timeAxis = intAttr(n, "time_axis", 0), batchAxis = intAttr(n, "batch_axis", 1), rank = Composer::rank(x);
  if (!((timeAxis == 0 && batchAxis == 1) || (timeAxis == 1 && batchAxis == 0)))
    return emitError(n.loc) << "ReverseSequence's time_axis and batch_axis must be 0 and 1 (in either order)";
  Type i64 = IntegerType::get(&c.g.ctx, 64);
  ArrayRef<int64_t> shape = Composer::shape(x);
  SmallVector<int64_t> timeShape(rank, 1), batchShape(rank, 1);
  timeShape[timeAxis] = shape[timeAxis];
  batchShape[batchAxis] = shape[batchAxis];
  Value t = c.op("Reshape", {c.counting(shape[timeAxis], 0, 1), c.ints(timeShape)}, {c.attr("allowzero", 1)});
  Value len = c.op("Reshape", {c.castTo(lens, i64), c.ints(batchShape)}, {c.attr("allowzero", 1)});
  Value reversed = c.op("Sub", {c.op("Sub", {len, c.scalar(i64, 1)}), t});
  Value index = c.op("Where", {c.op("Less", {t, len}), reversed, t});
  index = c.op("Expand", {index, c.ints(shape)});
  return c.done(n, {c.op("GatherElements", {x, index}, {c.attr("axis", timeAxis)})});
}

/// Crops or zero-pads each listed axis to `shape`, centred (odd crops start
/// one lower, odd pads put the extra element at the end).
LogicalResult centerCropPad(Composer &c, NodeState &n) {
  Value x = input(n, 0);
  SmallVector<int64_t> target;
  if (!x || !input(n, 1) || failed(onnx::requireConstantInts(n.loc, input(n, 1), "shape", target)))
    return x ? failure() : (emitError(n.loc) << "CenterCropPad needs input_data and shape", failure());
  int64_t rank = Composer::rank(x);
  SmallVector<int64_t> axes = intsOr(n, "axes", {});
  if (axes.empty())
    for (int64_t i = 0; i < rank; ++i)
      axes.push_back(i);
  if (axes.size() != target.size())
    return emitError(n.loc) << "shape has " << target.size() << " entries for " << axes.size() << " axes";
  SmallVector<int64_t> pads(2 * rank, 0);
  for (auto [a, want] : llvm::zip(axes, target)) {
    int64_t axis = a < 0 ? a + rank : a;
    if (axis < 0 || axis >= rank || want < 0)
      return emitError(n.loc) << "axis " << a << " is out of range or its size is negative";
    if (!c.ok)
      return failure();
    int64_t have = Composer::shape(x)[axis];
    if (want < have) {
      int64_t start = (have - want) / 2;
      x = c.op("Slice", {x, c.ints({start}), c.ints({start + want}), c.ints({axis})});
    } else if (want > have) {
      pads[axis] = (want - have) / 2;
      pads[rank + axis] = want - have - pads[axis];
    }
  }
  if (llvm::any_of(pads, [](int64_t p) { return p != 0; }))
    x = c.op("Pad", {x, c.ints(pads)});
  return c.done(n, {x});
}

/// AffineGrid-20: the normalized base grid of `size` times theta^T.
LogicalResult affineGrid(Composer &c, NodeState &n) {
  Value theta = input(n, 0);
  SmallVector<int64_t> size;
  if (!theta || !input(n, 1) || failed(onnx::requireConstantInts(n.loc, input(n, 1), "size", size)))
    return theta ? failure() : (emitError(n.loc) << "AffineGrid needs theta and size", failure());
  size_t dims = size.size() - 2; // 2 (H, W) or 3 (D, H, W)
  if ((size.size() != 4 && size.size() != 5) || Composer::rank(theta) != 3 ||
      Composer::shape(theta)[1] != (int64_t)dims || Composer::shape(theta)[2] != (int64_t)dims + 1)
    return emitError(n.loc) << "AffineGrid needs theta (N, 2, 3) with a 4-D size or (N, 3, 4) with a 5-D size";
  bool alignCorners = intAttr(n, "align_corners", 0);
  auto coord = [&](int64_t i, int64_t len) {
    if (alignCorners)
      return len == 1 ? 0.0 : -1.0 + 2.0 * i / (len - 1);
    return (2.0 * i + 1) / len - 1.0;
  };
  ArrayRef<int64_t> spatial = ArrayRef<int64_t>(size).drop_front(2);
  if (llvm::any_of(size, [](int64_t d) { return d < 1; }) || !onnx::checkedProduct(size))
    return emitError(n.loc) << "AffineGrid's size must hold positive dimensions";
  int64_t points = product(spatial);
  Type ft = Composer::elem(theta);
  // The base grid (points, dims + 1): x, y[, z], 1 with x varying fastest,
  // from each axis's coordinates broadcast over the others.
  SmallVector<Value> columns;
  for (int64_t d = dims - 1; d >= 0; --d) { // W first, then H, then D
    // coord(i) = i * step + first, i counted at run time past a few thousand.
    int64_t len = spatial[d];
    double first = coord(0, len), step = len > 1 ? coord(1, len) - first : 0.0;
    Value axisCoords = c.op("Add", {c.op("Mul", {c.castTo(c.counting(len, d, dims), ft), c.scalar(ft, step)}),
                                    c.scalar(ft, first)});
    columns.push_back(c.op("Reshape", {c.op("Expand", {axisCoords, c.ints(spatial)}), c.ints({points, 1})}));
  }
  columns.push_back(c.op("Expand", {c.scalar(ft, 1.0), c.ints({points, 1})}));
  Value base = c.op("Reshape", {c.op("Concat", columns, {c.attr("axis", 1)}), c.ints({1, points, (int64_t)dims + 1})});
  Value grid = c.op("MatMul", {base, c.op("Transpose", {theta}, {c.attr("perm", ArrayRef<int64_t>{0, 2, 1})})});
  SmallVector<int64_t> outShape{size[0]};
  outShape.append(spatial.begin(), spatial.end());
  outShape.push_back(dims);
  return c.done(n, {c.op("Reshape", {grid, c.ints(outShape)})});
}

/// Det: Gaussian elimination with partial pivoting, unrolled over the rows,
/// on the whole batch at once (row swaps through one-hot masks).
LogicalResult det(Composer &c, NodeState &n) {
  Value x = input(n, 0);
  int64_t rank = x ? Composer::rank(x) : 0;
  if (!x || rank < 2 || Composer::shape(x)[rank - 1] != Composer::shape(x)[rank - 2] ||
      !isa<FloatType>(Composer::elem(x)))
    return emitError(n.loc) << "Det needs a float input of square matrices (..., M, M)";
  int64_t m = Composer::shape(x).back();
  if (m < 1 || m > 64)
    return emitError(n.loc) << "Det supports matrices of 1 to 64 rows (got " << m << ")";
  ArrayRef<int64_t> batchShape = Composer::shape(x).drop_back(2);
  int64_t batch = product(batchShape);
  Type ft = Composer::elem(x), i64 = IntegerType::get(&c.g.ctx, 64);
  Value block = c.op("Reshape", {x, c.ints({batch, m, m})});
  Value det = c.op("Expand", {c.scalar(ft, 1), c.ints({batch, 1, 1})});
  for (int64_t size = m; size >= 1 && c.ok; --size) {
    Value column = c.op("Slice", {block, c.ints({0}), c.ints({1}), c.ints({2})}); // (batch, size, 1)
    Value pivotAt = c.op("ArgMax", {c.op("Abs", {column})}, {c.attr("axis", 1)}); // (batch, 1, 1)
    SmallVector<double> rows;
    for (int64_t r = 0; r < size; ++r)
      rows.push_back(r);
    Value rowIds = constant(c, i64, {1, size, 1}, rows);
    Value isPivot = c.castTo(c.op("Equal", {rowIds, pivotAt}), ft);                   // (batch, size, 1)
    SmallVector<double> firstRow(size, 0);
    firstRow[0] = 1;
    Value isFirst = constant(c, ft, {1, size, 1}, firstRow);
    Value first = c.op("Slice", {block, c.ints({0}), c.ints({1}), c.ints({1})});    // (batch, 1, size)
    Value pivotRow = c.op("ReduceSum", {c.op("Mul", {isPivot, block}), c.ints({1})}); // (batch, 1, size)
    Value diff = c.op("Sub", {first, pivotRow});
    block = c.op("Add", {c.op("Add", {block, c.op("Mul", {isPivot, diff})}), c.op("Mul", {isFirst, c.op("Neg", {diff})})});
    Value pivot = c.op("Slice", {pivotRow, c.ints({0}), c.ints({1}), c.ints({2})}); // (batch, 1, 1)
    Value swapped = c.op("Not", {c.op("Equal", {pivotAt, c.scalar(i64, 0)})});
    det = c.op("Mul", {det, c.op("Where", {swapped, c.op("Neg", {pivot}), pivot})});
    if (size == 1)
      break;
    Value safe = c.op("Where", {c.op("Equal", {pivot, c.scalar(ft, 0)}), c.scalar(ft, 1), pivot});
    Value below = c.op("Slice", {block, c.ints({1, 0}), c.ints({size, 1}), c.ints({1, 2})}); // (batch, size-1, 1)
    Value factor = c.op("Div", {below, safe});
    Value rest = c.op("Slice", {block, c.ints({1, 1}), c.ints({size, size}), c.ints({1, 2})});
    Value pivotTail = c.op("Slice", {pivotRow, c.ints({1}), c.ints({size}), c.ints({2})}); // (batch, 1, size-1)
    block = c.op("Sub", {rest, c.op("Mul", {factor, pivotTail})});
  }
  return c.done(n, {c.op("Reshape", {det, c.ints(batchShape)})});
}

/// Pad with negative pads: those axes are cropped (a Slice) first, then the
/// non-negative pads applied. Other Pads are built as they are.
LogicalResult padWithCrops(Composer &c, NodeState &n) {
  Value x = input(n, 0), padsV = input(n, 1);
  auto pads = padsV ? onnx::getConstantInts(padsV) : std::nullopt;
  if (!x || !pads || llvm::none_of(*pads, [](int64_t p) { return p < 0; }))
    return success();
  int64_t rank = Composer::rank(x);
  SmallVector<int64_t> axes;
  if (Value axesV = input(n, 3)) {
    auto a = onnx::getConstantInts(axesV);
    if (!a)
      return success(); // the op reports it
    for (int64_t ax : *a)
      axes.push_back(ax < 0 ? ax + rank : ax);
  } else {
    for (int64_t d = 0; d < rank; ++d)
      axes.push_back(d);
  }
  if (pads->size() != 2 * axes.size() || llvm::any_of(axes, [&](int64_t a) { return a < 0 || a >= rank; }))
    return success();
  size_t k = axes.size();
  SmallVector<int64_t> starts, ends, cropAxes, full(2 * rank, 0);
  for (size_t i = 0; i < k; ++i) {
    int64_t begin = (*pads)[i], end = (*pads)[k + i], dim = Composer::shape(x)[axes[i]];
    if (begin < 0 || end < 0) {
      if (-std::min<int64_t>(begin, 0) - std::min<int64_t>(end, 0) > dim)
        return emitError(n.loc) << "Pad crops more than axis " << axes[i] << " holds";
      starts.push_back(-std::min<int64_t>(begin, 0));
      ends.push_back(dim + std::min<int64_t>(end, 0));
      cropAxes.push_back(axes[i]);
    }
    full[axes[i]] = std::max<int64_t>(begin, 0);
    full[rank + axes[i]] = std::max<int64_t>(end, 0);
  }
  Value y = c.op("Slice", {x, c.ints(starts), c.ints(ends), c.ints(cropAxes)});
  if (llvm::any_of(full, [](int64_t p) { return p > 0; })) {
    SmallVector<NamedAttribute> attrs(n.attrs.begin(), n.attrs.end());
    y = c.op("Pad", {y, c.ints(full), input(n, 2)}, attrs);
  }
  return c.done(n, {y});
}

/// DeformConv-19 (2-D): each kernel tap samples X bilinearly at its regular
/// position plus a learned offset (zero outside the image), scaled by the
/// mask; the samples then meet the weights in a grouped MatMul.
LogicalResult deformConv(Composer &c, NodeState &n) {
  Value x = input(n, 0), w = input(n, 1), offset = input(n, 2), bias = input(n, 3), mask = input(n, 4);
  if (!x || !w || !offset || Composer::rank(x) != 4 || Composer::rank(w) != 4 || Composer::rank(offset) != 4)
    return emitError(n.loc) << "DeformConv needs a 4-D X (N, C, H, W), W and offset (2-D convolution only)";
  ArrayRef<int64_t> xs = Composer::shape(x), ws = Composer::shape(w);
  int64_t batch = xs[0], channels = xs[1], height = xs[2], width = xs[3], outChannels = ws[0];
  int64_t group = intAttr(n, "group", 1), offsetGroup = intAttr(n, "offset_group", 1);
  SmallVector<int64_t> kernel = intsOr(n, "kernel_shape", {ws[2], ws[3]}), strides = intsOr(n, "strides", {1, 1}),
                       dil = intsOr(n, "dilations", {1, 1}), pads = intsOr(n, "pads", {0, 0, 0, 0});
  if (group < 1 || offsetGroup < 1 || channels % group || channels % offsetGroup || outChannels % group ||
      ws[1] * group != channels || kernel.size() != 2 || kernel[0] != ws[2] || kernel[1] != ws[3] ||
      strides.size() != 2 || dil.size() != 2 || pads.size() != 4 || strides[0] < 1 || strides[1] < 1 || dil[0] < 1 ||
      dil[1] < 1)
    return emitError(n.loc) << "DeformConv's weight, group, offset_group, kernel_shape, strides, dilations or pads "
                               "do not fit its input";
  int64_t kh = kernel[0], kw = kernel[1], taps = product({kh, kw});
  int64_t oh = (height + pads[0] + pads[2] - (dil[0] * (kh - 1) + 1)) / strides[0] + 1;
  int64_t ow = (width + pads[1] + pads[3] - (dil[1] * (kw - 1) + 1)) / strides[1] + 1;
  // The regular tap positions are tables of taps * oh and taps * ow values: bound them.
  if (product({taps, oh}) > (1 << 20) || product({taps, ow}) > (1 << 20))
    return emitError(n.loc) << "DeformConv's kernel taps (" << taps << ") times the output height (" << oh
                            << ") or width (" << ow << ") exceed 2^20";
  if (oh < 1 || ow < 1 || llvm::ArrayRef<int64_t>(Composer::shape(offset)) !=
                               llvm::ArrayRef<int64_t>{batch, offsetGroup * taps * 2, oh, ow})
    return emitError(n.loc) << "DeformConv's offset must be (N, offset_group * kH * kW * 2, " << oh << ", " << ow
                            << ")";
  if (mask && llvm::ArrayRef<int64_t>(Composer::shape(mask)) != llvm::ArrayRef<int64_t>{batch, offsetGroup * taps, oh, ow})
    return emitError(n.loc) << "DeformConv's mask must be (N, offset_group * kH * kW, " << oh << ", " << ow << ")";
  Type ft = Composer::elem(x);
  // Regular tap positions (1, 1, taps, oh, 1) and (1, 1, taps, 1, ow).
  SmallVector<double> rows, cols;
  for (int64_t t = 0; t < taps; ++t) {
    for (int64_t i = 0; i < oh; ++i)
      rows.push_back(double(i * strides[0] - pads[0] + (t / kw) * dil[0]));
    for (int64_t j = 0; j < ow; ++j)
      cols.push_back(double(j * strides[1] - pads[1] + (t % kw) * dil[1]));
  }
  Value offsets = c.op("Reshape", {offset, c.ints({batch, offsetGroup, taps, 2, oh, ow})});
  auto part = [&](int64_t k) { return c.op("Gather", {offsets, c.scalar(IntegerType::get(&c.g.ctx, 64), k)},
                                            {c.attr("axis", 3)}); };
  Value py = c.op("Add", {constant(c, ft, {1, 1, taps, oh, 1}, rows), part(0)});
  Value px = c.op("Add", {constant(c, ft, {1, 1, taps, 1, ow}, cols), part(1)});
  // GridSample's normalized coordinates (align_corners 0): (2p + 1) / size - 1.
  auto normalized = [&](Value p, int64_t size) {
    return c.op("Sub", {c.op("Div", {c.op("Add", {c.op("Mul", {p, c.scalar(ft, 2)}), c.scalar(ft, 1)}),
                                     c.scalar(ft, (double)size)}),
                        c.scalar(ft, 1)});
  };
  Value grid = c.op("Concat", {c.op("Unsqueeze", {normalized(px, width), c.ints({5})}),
                               c.op("Unsqueeze", {normalized(py, height), c.ints({5})})},
                    {c.attr("axis", 5)}); // (N, G, taps, oh, ow, 2)
  Value weights = mask ? c.op("Reshape", {mask, c.ints({batch, offsetGroup, 1, taps, oh, ow})}) : Value();
  int64_t perGroup = channels / offsetGroup;
  SmallVector<Value> samples;
  for (int64_t g = 0; g < offsetGroup && c.ok; ++g) {
    Value at = c.scalar(IntegerType::get(&c.g.ctx, 64), g);
    Value xg = c.op("Slice", {x, c.ints({g * perGroup}), c.ints({(g + 1) * perGroup}), c.ints({1})});
    Value gridG = c.op("Reshape", {c.op("Gather", {grid, at}, {c.attr("axis", 1)}), c.ints({batch, taps * oh, ow, 2})});
    Value sampled = c.op("Reshape", {c.op("GridSample", {xg, gridG}, {c.attr("mode", StringRef("linear")),
                                                                       c.attr("padding_mode", StringRef("zeros"))}),
                                     c.ints({batch, perGroup, taps, oh, ow})});
    if (weights)
      sampled = c.op("Mul", {sampled, c.op("Gather", {weights, at}, {c.attr("axis", 1)})});
    samples.push_back(sampled);
  }
  Value columns = samples.size() == 1 ? samples[0] : c.op("Concat", samples, {c.attr("axis", 1)});
  // (N, group, C/group * taps, oh*ow) against W (group, M/group, C/group * taps).
  columns = c.op("Reshape", {columns, c.ints({batch, group, channels / group * taps, oh * ow})});
  Value wg = c.op("Reshape", {w, c.ints({group, outChannels / group, channels / group * taps})});
  Value y = c.op("Reshape", {c.op("MatMul", {wg, columns}), c.ints({batch, outChannels, oh, ow})});
  if (bias)
    y = c.op("Add", {y, c.op("Reshape", {bias, c.ints({outChannels, 1, 1})})});
  return c.done(n, {y});
}

} // namespace

void addClassicDecompositions(DecompositionTable &table) {
  table["DeformConv"] = deformConv;
  table["ReverseSequence"] = reverseSequence;
  table["CenterCropPad"] = centerCropPad;
  table["AffineGrid"] = affineGrid;
  table["Det"] = det;
  table["Pad"] = padWithCrops;
}

} // namespace onnxc
