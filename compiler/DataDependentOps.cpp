// Ops whose output size depends on the data (NonZero, Compress, Unique, NonMaxSuppression): results at their bound size with the actual dims known at run time.
#include "compiler/Composer.h"

using namespace mlir;

namespace onnxc {

namespace {

/// NonMaxSuppression unrolls its loop over the candidates up to this many.
constexpr int64_t kMaxNmsBoxes = 1024;

Type i64Type(Composer &c) { return IntegerType::get(&c.g.ctx, 64); }

/// Writes `updates` (static bound shape) densely for its actual shape: each
/// kept element goes to flat position `index`, the others to a dump slot cut
/// off at the end. Elements past the actual size stay zero.
Value scatterDense(Composer &c, Value updates, Value index, Value keep) {
  if (!c.ok)
    return {};
  ArrayRef<int64_t> shape = Composer::shape(updates);
  int64_t total = 1;
  for (int64_t d : shape)
    total *= d;
  Value dump = c.scalar(i64Type(c), total);
  Value where = c.op("Expand", {c.op("Where", {keep, index, dump}), c.ints(shape)});
  Value zeros = c.op("Expand", {c.scalar(Composer::elem(updates), 0), c.ints({total + 1})});
  Value flat = c.op("ScatterElements", {zeros, c.op("Reshape", {where, c.ints({-1})}),
                                        c.op("Reshape", {updates, c.ints({-1})})});
  Value cut = c.op("Slice", {flat, c.ints({0}), c.ints({total}), c.ints({0})});
  return c.op("Reshape", {cut, c.ints(shape)});
}

/// Exclusive running count of `mask` (the compacted position of each kept
/// element) and the total, both i64.
std::pair<Value, Value> positions(Composer &c, Value mask) {
  Value ones = c.castTo(mask, i64Type(c));
  Value pos = c.op("CumSum", {ones, c.scalar(i64Type(c), 0)}, {c.attr("exclusive", 1)});
  Value count = c.op("ReduceSum", {ones}, {c.attr("keepdims", 0)});
  return {pos, count};
}

/// NonZero: the coordinates of the nonzero elements, (rank, count), bound
/// (rank, elements).
LogicalResult nonZero(Composer &c, NodeState &n) {
  Value x = input(n, 0);
  if (!x || Composer::rank(x) < 1)
    return emitError(n.loc) << "NonZero needs an input of rank >= 1";
  ArrayRef<int64_t> shape = Composer::shape(x);
  int64_t rank = shape.size(), elems = 1;
  for (int64_t d : shape)
    elems *= d;
  Value flat = c.op("Reshape", {x, c.ints({-1})});
  Value mask = Composer::elem(x).isInteger(1) ? flat
                                              : c.op("Not", {c.op("Equal", {flat, c.scalar(Composer::elem(x), 0)})});
  auto [pos, count] = positions(c, mask);
  // (rank, elems): coordinate d of element e is (e / inner_d) % shape[d].
  SmallVector<int64_t> inner(rank, 1);
  for (int64_t d = rank - 2; d >= 0; --d)
    inner[d] = inner[d + 1] * shape[d + 1];
  Value updates = c.op("Mod", {c.op("Div", {c.counting(elems, 1, 2), c.op("Reshape", {c.ints(inner), c.ints({rank, 1})})}),
                               c.op("Reshape", {c.ints(shape), c.ints({rank, 1})})});
  Value index = c.op("Add", {c.op("Mul", {c.counting(rank, 0, 2), count}), c.op("Unsqueeze", {pos, c.ints({0})})});
  Value y = scatterDense(c, updates, index, c.op("Unsqueeze", {mask, c.ints({0})}));
  c.runtimeDim(y, 1, count);
  return c.done(n, {y});
}

/// The slices of `x` along `axis` where `keep` (1-D bool, the axis length)
/// holds, written densely for the actual shape; returns them and their count.
std::pair<Value, Value> compactAlong(Composer &c, Value x, Value keep, int64_t axis) {
  if (!c.ok)
    return {};
  ArrayRef<int64_t> shape = Composer::shape(x);
  int64_t rank = shape.size(), len = shape[axis], outer = 1, inner = 1;
  auto [pos, count] = positions(c, keep);
  for (int64_t d = 0; d < axis; ++d)
    outer *= shape[d];
  for (int64_t d = axis + 1; d < rank; ++d)
    inner *= shape[d];
  SmallVector<int64_t> along(rank, 1);
  along[axis] = len;
  // Destination of (o, j, i): (o * count + pos[j]) * inner + i.
  SmallVector<int64_t> outerShape(shape.begin(), shape.begin() + axis), innerShape(shape.begin() + axis + 1, shape.end());
  outerShape.append(rank - axis, 1);
  innerShape.insert(innerShape.begin(), axis + 1, 1);
  Value o = c.op("Reshape", {c.counting(outer, 0, 1), c.ints(outerShape)});
  Value i = c.op("Reshape", {c.counting(inner, 0, 1), c.ints(innerShape)});
  Value p = c.op("Reshape", {pos, c.ints(along)});
  Value index = c.op("Add", {c.op("Mul", {c.op("Add", {c.op("Mul", {o, count}), p}), c.scalar(i64Type(c), inner)}), i});
  Value y = scatterDense(c, x, index, c.op("Reshape", {keep, c.ints(along)}));
  c.runtimeDim(y, axis, count);
  return {y, count};
}

/// Compress: the slices along `axis` (or elements of the flattened input)
/// where condition holds; condition may be shorter than the axis.
LogicalResult compress(Composer &c, NodeState &n) {
  Value x = input(n, 0), cond = input(n, 1);
  if (!x || !cond || Composer::rank(cond) != 1 || !Composer::elem(cond).isInteger(1))
    return emitError(n.loc) << "Compress needs an input and a 1-D bool condition";
  if (!n.attrs.get("axis"))
    x = c.op("Reshape", {x, c.ints({-1})});
  if (!c.ok)
    return failure();
  int64_t rank = Composer::rank(x), axis = intAttr(n, "axis", 0);
  axis = axis < 0 ? axis + rank : axis;
  if (axis < 0 || axis >= rank)
    return emitError(n.loc) << "Compress's axis is out of range";
  int64_t len = Composer::shape(x)[axis], have = Composer::shape(cond)[0];
  if (have > len)
    return emitError(n.loc) << "Compress's condition (" << have << ") is longer than the axis (" << len << ")";
  if (have < len)
    cond = c.op("Pad", {cond, c.ints({0, len - have}), c.scalar(Composer::elem(cond), 0)});
  return c.done(n, {compactAlong(c, x, cond, axis).first});
}

/// Unique's results reordered from sorted order to order of first
/// occurrence (sorted = 0); the unused tail (slots past `count`) sorts last.
/// `uniques` is reordered along `axis`.
void byFirstOccurrence(Composer &c, int64_t len, Value count, int64_t axis, Value &uniques, Value &firsts,
                       Value &inverse, Value &counts) {
  if (!c.ok)
    return;
  Type i64 = i64Type(c);
  Value slot = c.counting(len, 0, 1);
  Value key = c.op("Where", {c.op("Less", {slot, count}), firsts, c.op("Add", {slot, c.scalar(i64, len)})});
  SmallVector<Value> byFirst = c.ops("TopK", {key, c.ints({len})}, {c.attr("largest", 0), c.attr("sorted", 1)});
  Value perm = c.ok ? byFirst[1] : Value();
  auto take = [&](Value v, int64_t along) { return c.op("Gather", {v, perm}, {c.attr("axis", along)}); };
  uniques = take(uniques, axis);
  firsts = take(firsts, 0);
  counts = take(counts, 0);
  Value rankOf = c.op("ScatterElements", {c.op("Expand", {c.scalar(i64, 0), c.ints({len})}), perm, slot});
  inverse = c.op("Gather", {rankOf, inverse});
}

/// Unique slices along `axis` (sorted lexicographically, as numpy does on the
/// slices flattened in order): pairwise comparisons give each slice its rank
/// in a stable sort.
LogicalResult uniqueAlong(Composer &c, NodeState &n, Value x, int64_t axis) {
  Type i64 = i64Type(c), i1 = IntegerType::get(&c.g.ctx, 1);
  ArrayRef<int64_t> shape = Composer::shape(x);
  int64_t rank = shape.size(), len = shape[axis], rest = 1;
  for (int64_t d = 0; d < rank; ++d)
    rest *= d == axis ? 1 : shape[d];
  if (len * len * rest > (1 << 24))
    return emitError(n.loc) << "Unique along an axis supports at most 2^24 slice-pair comparisons";
  SmallVector<int64_t> perm{axis};
  for (int64_t d = 0; d < rank; ++d)
    if (d != axis)
      perm.push_back(d);
  Value rows = c.op("Reshape", {c.op("Transpose", {x}, {c.attr("perm", perm)}), c.ints({len, rest})});
  Value a = c.op("Unsqueeze", {rows, c.ints({1})}), b = c.op("Unsqueeze", {rows, c.ints({0})}); // (L,1,M), (1,L,M)
  Value eq = c.op("Equal", {a, b});
  // Row i < row j: at the first column where they differ, i's value is less.
  Value samePrefix = c.castTo(c.op("CumProd", {c.castTo(eq, i64), c.scalar(i64, 2)}, {c.attr("exclusive", 1)}), i1);
  Value less = c.op("ReduceMax", {c.castTo(c.op("And", {samePrefix, c.op("Less", {a, b})}), i64), c.ints({2})},
                    {c.attr("keepdims", 0)}); // (L, L): row i < row j
  Value same = c.op("ReduceMin", {c.castTo(eq, i64), c.ints({2})}, {c.attr("keepdims", 0)});
  Value below = c.castTo(c.op("Less", {c.counting(len, 1, 2), c.counting(len, 0, 2)}), i64); // [i][j]: j < i
  Value earlierEqual = c.op("Mul", {same, below});
  // rank[i] = #{j: row j < row i} + #{j < i: row j == row i}
  Value rankOf = c.op("Add", {c.op("ReduceSum", {less, c.ints({0})}, {c.attr("keepdims", 0)}),
                              c.op("ReduceSum", {earlierEqual, c.ints({1})}, {c.attr("keepdims", 0)})});
  Value slot = c.counting(len, 0, 1);
  Value order = c.op("ScatterElements", {c.op("Expand", {c.scalar(i64, 0), c.ints({len})}), rankOf, slot});
  Value sortedRows = c.op("Gather", {rows, order});
  Value prevRows = c.op("Concat", {c.op("Slice", {sortedRows, c.ints({0}), c.ints({1})}),
                                   c.op("Slice", {sortedRows, c.ints({0}), c.ints({len - 1})})},
                        {c.attr("axis", 0)});
  Value firstOnly = c.op("Equal", {c.counting(len, 0, 1), c.scalar(i64, 0)});
  Value differs = c.op("Not", {c.castTo(c.op("ReduceMin", {c.castTo(c.op("Equal", {sortedRows, prevRows}), i64),
                                                           c.ints({1})}, {c.attr("keepdims", 0)}), i1)});
  Value starts = c.op("Or", {firstOnly, differs});
  Value run = c.op("Sub", {c.op("CumSum", {c.castTo(starts, i64), c.scalar(i64, 0)}), c.scalar(i64, 1)});
  auto [uniques, count] = compactAlong(c, c.op("Gather", {x, order}, {c.attr("axis", axis)}), starts, axis);
  Value firsts = scatterDense(c, order, run, starts);
  Value inverse = c.op("Gather", {run, rankOf});
  Value counts = c.op("Slice", {c.op("ScatterElements", {c.op("Expand", {c.scalar(i64, 0), c.ints({len})}), run,
                                                         c.op("Expand", {c.scalar(i64, 1), c.ints({len})})},
                                     {c.attr("reduction", StringRef("add"))}),
                                c.ints({0}), c.ints({len})});
  if (!intAttr(n, "sorted", 1))
    byFirstOccurrence(c, len, count, axis, uniques, firsts, inverse, counts);
  c.runtimeDim(uniques, axis, count);
  for (Value v : {firsts, counts})
    c.runtimeDim(v, 0, count);
  return c.done(n, {uniques, firsts, inverse, counts});
}

/// Unique over the flattened input: sorted (or in order of first
/// occurrence), with first indices, inverse indices and counts.
LogicalResult unique(Composer &c, NodeState &n) {
  Value x = input(n, 0);
  if (!x)
    return emitError(n.loc) << "Unique needs an input";
  if (n.attrs.get("axis")) {
    int64_t rank = Composer::rank(x), axis = intAttr(n, "axis", 0);
    if (axis < -rank || axis >= rank)
      return emitError(n.loc) << "Unique's axis is out of range";
    return uniqueAlong(c, n, x, axis < 0 ? axis + rank : axis);
  }
  Type i64 = i64Type(c);
  Value flat = c.op("Reshape", {x, c.ints({-1})});
  if (!c.ok)
    return failure();
  int64_t len = Composer::shape(flat)[0];
  if (len < 1)
    return emitError(n.loc) << "Unique needs a nonempty input";
  // A stable ascending sort: equal values keep their order.
  SmallVector<Value> sorted = c.ops("TopK", {flat, c.ints({len})}, {c.attr("largest", 0), c.attr("sorted", 1)});
  if (!c.ok)
    return failure();
  Value values = sorted[0], order = sorted[1];
  Value previous = c.op("Concat", {c.op("Slice", {values, c.ints({0}), c.ints({1})}),
                                   c.op("Slice", {values, c.ints({0}), c.ints({len - 1})})},
                        {c.attr("axis", 0)});
  Value isFirst = c.op("Equal", {c.counting(len, 0, 1), c.scalar(i64, 0)});
  Value starts = c.op("Or", {isFirst, c.op("Not", {c.op("Equal", {values, previous})})});
  Value run = c.op("Sub", {c.op("CumSum", {c.castTo(starts, i64), c.scalar(i64, 0)}), c.scalar(i64, 1)});
  Value count = c.op("ReduceSum", {c.castTo(starts, i64)}, {c.attr("keepdims", 0)});
  Value uniques = scatterDense(c, values, run, starts);
  Value firsts = scatterDense(c, order, run, starts);
  Value inverse = c.op("ScatterElements", {c.op("Expand", {c.scalar(i64, 0), c.ints({len})}), order, run});
  Value counts = c.op("Slice", {c.op("ScatterElements", {c.op("Expand", {c.scalar(i64, 0), c.ints({len})}), run,
                                                         c.op("Expand", {c.scalar(i64, 1), c.ints({len})})},
                                     {c.attr("reduction", StringRef("add"))}),
                                c.ints({0}), c.ints({len})});
  if (!intAttr(n, "sorted", 1))
    byFirstOccurrence(c, len, count, 0, uniques, firsts, inverse, counts);
  for (Value v : {uniques, firsts, counts})
    c.runtimeDim(v, 0, count);
  return c.done(n, {uniques, firsts, inverse, counts});
}

/// Box corners (y1, x1, y2, x2) ordered min/max, from either box encoding.
SmallVector<Value> corners(Composer &c, Value boxes, bool centerPoint) {
  auto part = [&](int64_t k) { return c.op("Gather", {boxes, c.scalar(i64Type(c), k)}, {c.attr("axis", 2)}); };
  Value a = part(0), b = part(1), d = part(2), e = part(3);
  if (centerPoint) { // (x_center, y_center, width, height)
    Type ft = Composer::elem(boxes);
    Value halfW = c.op("Div", {d, c.scalar(ft, 2)}), halfH = c.op("Div", {e, c.scalar(ft, 2)});
    return {c.op("Sub", {b, halfH}), c.op("Sub", {a, halfW}), c.op("Add", {b, halfH}), c.op("Add", {a, halfW})};
  }
  return {c.op("Min", {a, d}), c.op("Min", {b, e}), c.op("Max", {a, d}), c.op("Max", {b, e})};
}

/// NonMaxSuppression: per batch and class, boxes in descending score order
/// are kept unless a kept box overlaps them by IoU > iou_threshold; the loop
/// over candidates is unrolled (all batches and classes at once).
LogicalResult nonMaxSuppression(Composer &c, NodeState &n) {
  Value boxes = input(n, 0), scores = input(n, 1), maxOut = input(n, 2), iouThr = input(n, 3), scoreThr = input(n, 4);
  if (!boxes || !scores || Composer::rank(boxes) != 3 || Composer::rank(scores) != 3 ||
      Composer::shape(boxes)[2] != 4 || Composer::shape(boxes)[0] != Composer::shape(scores)[0] ||
      Composer::shape(boxes)[1] != Composer::shape(scores)[2])
    return emitError(n.loc) << "NonMaxSuppression needs boxes (B, N, 4) and scores (B, C, N)";
  int64_t batches = Composer::shape(scores)[0], classes = Composer::shape(scores)[1], boxCount = Composer::shape(scores)[2];
  if (boxCount < 1 || boxCount > kMaxNmsBoxes)
    return emitError(n.loc) << "NonMaxSuppression supports 1 to " << kMaxNmsBoxes << " boxes (got " << boxCount
                            << "): its candidate loop is unrolled";
  Type ft = Composer::elem(scores), i64 = i64Type(c), i1 = IntegerType::get(&c.g.ctx, 1);
  // IoU of every box pair, (B, N, N).
  SmallVector<Value> k = corners(c, boxes, intAttr(n, "center_point_box", 0));
  auto pairwise = [&](Value v, bool row) { return c.op("Unsqueeze", {v, c.ints({row ? 2 : 1})}); };
  Value zero = c.scalar(ft, 0);
  Value h = c.op("Max", {zero, c.op("Sub", {c.op("Min", {pairwise(k[2], true), pairwise(k[2], false)}),
                                            c.op("Max", {pairwise(k[0], true), pairwise(k[0], false)})})});
  Value w = c.op("Max", {zero, c.op("Sub", {c.op("Min", {pairwise(k[3], true), pairwise(k[3], false)}),
                                            c.op("Max", {pairwise(k[1], true), pairwise(k[1], false)})})});
  Value inter = c.op("Mul", {h, w});
  Value area = c.op("Mul", {c.op("Sub", {k[2], k[0]}), c.op("Sub", {k[3], k[1]})});
  Value unionArea = c.op("Sub", {c.op("Add", {pairwise(area, true), pairwise(area, false)}), inter});
  Value positive = c.op("And", {c.op("Greater", {pairwise(area, true), zero}), c.op("Greater", {pairwise(area, false), zero})});
  Value iou = c.op("Where", {positive, c.op("Div", {inter, c.op("Where", {positive, unionArea, c.scalar(ft, 1)})}), zero});
  Value overlaps = c.op("Greater", {iou, iouThr ? c.op("Reshape", {iouThr, c.ints({})}) : zero});
  // Candidates in descending score order per (batch, class); the overlap
  // matrix in that order, (B, C, N, N).
  SmallVector<Value> sorted = c.ops("TopK", {scores, c.ints({boxCount})}, {c.attr("largest", 1), c.attr("sorted", 1)});
  if (!c.ok)
    return failure();
  Value order = sorted[1];
  Value big = c.op("Expand", {c.op("Unsqueeze", {overlaps, c.ints({1})}), c.ints({batches, classes, boxCount, boxCount})});
  Value rowsIdx = c.op("Expand", {c.op("Unsqueeze", {order, c.ints({3})}), c.ints({batches, classes, boxCount, boxCount})});
  Value colsIdx = c.op("Expand", {c.op("Unsqueeze", {order, c.ints({2})}), c.ints({batches, classes, boxCount, boxCount})});
  big = c.op("GatherElements", {c.op("GatherElements", {big, rowsIdx}, {c.attr("axis", 2)}), colsIdx}, {c.attr("axis", 3)});
  Value eligible = scoreThr ? c.op("Greater", {sorted[0], c.op("Reshape", {scoreThr, c.ints({})})})
                            : c.op("Expand", {c.scalar(i1, 1), c.ints({batches, classes, boxCount})});
  Value limit = maxOut ? c.op("Reshape", {c.castTo(maxOut, i64), c.ints({})}) : c.scalar(i64, 0);
  Value suppressed = c.op("Expand", {c.scalar(i1, 0), c.ints({batches, classes, boxCount})});
  Value kept = c.op("Expand", {c.scalar(i64, 0), c.ints({batches, classes})});
  SmallVector<Value> keeps;
  for (int64_t t = 0; t < boxCount && c.ok; ++t) {
    auto at = [&](Value v, int64_t axis) { return c.op("Gather", {v, c.scalar(i64, t)}, {c.attr("axis", axis)}); };
    Value keep = c.op("And", {c.op("And", {at(eligible, 2), c.op("Not", {at(suppressed, 2)})}),
                              c.op("Less", {kept, limit})});
    keeps.push_back(c.op("Unsqueeze", {keep, c.ints({2})}));
    suppressed = c.op("Or", {suppressed, c.op("And", {c.op("Unsqueeze", {keep, c.ints({2})}), at(big, 2)})});
    kept = c.op("Add", {kept, c.castTo(keep, i64)});
  }
  Value keepAll = keeps.size() == 1 ? keeps[0] : c.op("Concat", keeps, {c.attr("axis", 2)});
  // Rows (batch, class, box) of the kept candidates, in batch, class, score order.
  int64_t total = batches * classes * boxCount;
  Value flatKeep = c.op("Reshape", {keepAll, c.ints({total})});
  auto [pos, count] = positions(c, flatKeep);
  // Row r = (b * classes + cl) * boxCount + t holds (b, cl, order).
  Value row = c.counting(total, 0, 2); // (total, 1)
  Value batchOf = c.op("Div", {row, c.scalar(i64, classes * boxCount)});
  Value classOf = c.op("Mod", {c.op("Div", {row, c.scalar(i64, boxCount)}), c.scalar(i64, classes)});
  Value triples = c.op("Concat", {batchOf, classOf, c.op("Reshape", {order, c.ints({total, 1})})}, {c.attr("axis", 1)});
  Value index = c.op("Add", {c.op("Mul", {c.op("Unsqueeze", {pos, c.ints({1})}), c.scalar(i64, 3)}), c.counting(3, 1, 2)});
  Value y = scatterDense(c, triples, index, c.op("Unsqueeze", {flatKeep, c.ints({1})}));
  c.runtimeDim(y, 0, count);
  return c.done(n, {y});
}

} // namespace

void addDataDependentDecompositions(DecompositionTable &table) {
  table["NonZero"] = nonZero;
  table["Compress"] = compress;
  table["Unique"] = unique;
  table["NonMaxSuppression"] = nonMaxSuppression;
}

} // namespace onnxc
