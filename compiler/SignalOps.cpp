// Signal and text ops built from onnx ops: DFT, STFT (matrix products with cos/sin tables) and TfIdfVectorizer.
#include "compiler/Composer.h"

#include <cmath>
#include <limits>

using namespace mlir;

namespace onnxc {

namespace {

/// The DFT of `x` (real or complex in its last dim) along `axis`: two matrix
/// products with cos/sin tables; `length` pads or truncates the signal.
Value dft(Composer &c, Value x, int64_t axis, int64_t length, bool inverse, bool onesided) {
  if (!c.ok)
    return {};
  int64_t rank = Composer::rank(x);
  Type ft = Composer::elem(x);
  bool complex = Composer::shape(x).back() == 2;
  if (axis < 0 || axis >= rank - 1 || (!complex && Composer::shape(x).back() != 1))
    return c.fail("the DFT axis must be a signal axis and the last dimension 1 (real) or 2 (complex)");
  int64_t have = Composer::shape(x)[axis];
  if (length < 1 || length > 8192)
    return c.fail("the DFT length must be between 1 and 8192 (got " + Twine(length) + ")");
  if (length < have) {
    x = c.op("Slice", {x, c.ints({0}), c.ints({length}), c.ints({axis})});
  } else if (length > have) {
    SmallVector<int64_t> pads(2 * rank, 0);
    pads[rank + axis] = length - have;
    x = c.op("Pad", {x, c.ints(pads)});
  }
  int64_t bins = onesided ? length / 2 + 1 : length;
  // The signal axis last: (..., length) per real and imaginary part.
  SmallVector<int64_t> perm;
  for (int64_t i = 0; i < rank - 1; ++i)
    if (i != axis)
      perm.push_back(i);
  perm.push_back(axis);
  SmallVector<int64_t> back(rank - 1);
  for (int64_t i = 0; i < rank - 1; ++i)
    back[perm[i]] = i;
  Type i64 = IntegerType::get(&c.g.ctx, 64);
  auto part = [&](int64_t k) {
    Value p = c.op("Gather", {x, c.scalar(i64, k)}, {c.attr("axis", rank - 1)});
    return c.op("Transpose", {p}, {c.attr("perm", perm)});
  };
  // The twiddles [t][k] (the exponent's sign folded into sin): constants up
  // to 2^20 entries, computed at run time past that.
  double sign = inverse ? 1 : -1;
  Value cosM, sinM;
  if (length * bins <= (1 << 20)) {
    SmallVector<double> cosT, sinT;
    for (int64_t t = 0; t < length; ++t)
      for (int64_t k = 0; k < bins; ++k) {
        double angle = 2 * M_PI * (double)((t * k) % length) / length;
        cosT.push_back(std::cos(angle));
        sinT.push_back(sign * std::sin(angle));
      }
    cosM = constant(c, ft, {length, bins}, cosT);
    sinM = constant(c, ft, {length, bins}, sinT);
  } else {
    Value tk = c.op("Mod", {c.op("Mul", {c.counting(length, 0, 2), c.counting(bins, 1, 2)}), c.scalar(i64, length)});
    Type f32 = Float32Type::get(&c.g.ctx); // (t k mod length) < 2^13 is exact in f32
    Value angle = c.op("Mul", {c.castTo(tk, f32), c.scalar(f32, 2 * M_PI / length)});
    cosM = c.castTo(c.op("Cos", {angle}), ft);
    sinM = c.castTo(c.op("Mul", {c.op("Sin", {angle}), c.scalar(f32, sign)}), ft);
  }
  Value re = part(0);
  // (a + ib)(cos + i sin) = (a cos - b sin) + i(a sin + b cos)
  Value yr = c.op("MatMul", {re, cosM}), yi = c.op("MatMul", {re, sinM});
  if (complex) {
    Value im = part(1);
    yr = c.op("Sub", {yr, c.op("MatMul", {im, sinM})});
    yi = c.op("Add", {yi, c.op("MatMul", {im, cosM})});
  }
  if (inverse) {
    yr = c.op("Div", {yr, c.scalar(ft, (double)length)});
    yi = c.op("Div", {yi, c.scalar(ft, (double)length)});
  }
  auto restore = [&](Value v) {
    return c.op("Unsqueeze", {c.op("Transpose", {v}, {c.attr("perm", back)}), c.ints({rank - 1})});
  };
  return c.op("Concat", {restore(yr), restore(yi)}, {c.attr("axis", rank - 1)});
}

/// An optional scalar integer input's value (or `dflt` when omitted).
FailureOr<int64_t> scalarInput(const NodeState &n, unsigned i, StringRef name, int64_t dflt) {
  Value v = input(n, i);
  if (!v)
    return dflt;
  SmallVector<int64_t> vals;
  if (failed(onnx::requireConstantInts(n.loc, v, name, vals)))
    return failure();
  if (vals.size() != 1)
    return emitError(n.loc) << "input '" << name << "' must be a scalar", failure();
  return vals[0];
}

/// DFT-17 (axis attribute, default 1) and DFT-20 (axis input, default -2).
LogicalResult dftOp(Composer &c, NodeState &n) {
  Value x = input(n, 0);
  if (!x || Composer::rank(x) < 2)
    return emitError(n.loc) << "DFT needs an input of rank >= 2";
  int64_t rank = Composer::rank(x);
  auto axis = n.opset >= 20 ? scalarInput(n, 2, "axis", -2) : FailureOr<int64_t>(intAttr(n, "axis", 1));
  if (failed(axis))
    return failure();
  int64_t a = *axis < 0 ? *axis + rank : *axis;
  if (a < 0 || a >= rank - 1)
    return emitError(n.loc) << "DFT's axis " << *axis << " is not a signal axis";
  auto length = scalarInput(n, 1, "dft_length", Composer::shape(x)[a]);
  if (failed(length))
    return failure();
  bool inverse = intAttr(n, "inverse", 0), onesided = intAttr(n, "onesided", 0);
  if (onesided && (inverse || Composer::shape(x).back() == 2))
    return emitError(n.loc) << "a onesided DFT needs a real input and inverse = 0";
  return c.done(n, {dft(c, x, a, *length, inverse, onesided)});
}

/// STFT-17: frames of the signal (times the window), each transformed.
LogicalResult stft(Composer &c, NodeState &n) {
  Value signal = input(n, 0), window = input(n, 2);
  if (!signal || Composer::rank(signal) != 3)
    return emitError(n.loc) << "STFT needs a (batch, length, 1 or 2) signal";
  auto step = scalarInput(n, 1, "frame_step", 0);
  if (failed(step))
    return failure();
  int64_t frameLength = window ? Composer::shape(window)[0] : -1;
  auto given = scalarInput(n, 3, "frame_length", frameLength);
  if (failed(given))
    return failure();
  frameLength = *given;
  int64_t length = Composer::shape(signal)[1];
  if (*step < 1 || frameLength < 1 || frameLength > length)
    return emitError(n.loc) << "STFT needs frame_step >= 1 and a frame length between 1 and the signal length";
  if (window && Composer::shape(window)[0] != frameLength)
    return emitError(n.loc) << "the window's length differs from frame_length";
  if (frameLength > 8192) // the DFT's limit, checked before anything is built
    return emitError(n.loc) << "the DFT length must be between 1 and 8192 (got " << frameLength << ")";
  int64_t frames = (length - frameLength) / *step + 1;
  // Frame f, element t reads position f * step + t: computed, not tabulated.
  Value idx = c.op("Add", {c.op("Mul", {c.counting(frames, 0, 2), c.ints({*step})}),
                           c.counting(frameLength, 1, 2)});
  Value framed = c.op("Gather", {signal, idx}, {c.attr("axis", 1)}); // (batch, frames, frameLength, 1|2)
  if (window)
    framed = c.op("Mul", {framed, c.op("Reshape", {c.castTo(window, Composer::elem(signal)),
                                                   c.ints({1, 1, frameLength, 1})})});
  bool onesided = intAttr(n, "onesided", 1) && Composer::shape(signal).back() == 1;
  return c.done(n, {dft(c, framed, 2, frameLength, false, onesided)});
}

/// TfIdfVectorizer: each pool n-gram (n in [min, max]) counted at every start
/// and every skip (unigrams once), compared through Gather windows; the
/// counts reach their output slots through a constant 0/1 matrix.
LogicalResult tfIdfVectorizer(Composer &c, NodeState &n) {
  Value x = input(n, 0);
  if (!x || Composer::rank(x) < 1 || Composer::rank(x) > 2 || !isa<IntegerType>(Composer::elem(x)))
    return emitError(n.loc) << "TfIdfVectorizer needs a 1-D or 2-D integer input (string pools are not supported)";
  SmallVector<int64_t> pool = intsOr(n, "pool_int64s", {}), counts = intsOr(n, "ngram_counts", {});
  SmallVector<int64_t> slots = intsOr(n, "ngram_indexes", {});
  int64_t minN = intAttr(n, "min_gram_length", 1), maxN = intAttr(n, "max_gram_length", 1);
  int64_t maxSkip = intAttr(n, "max_skip_count", 0);
  auto modeAttr = dyn_cast_or_null<StringAttr>(n.attrs.get("mode"));
  StringRef mode = modeAttr ? modeAttr.getValue() : "TF";
  SmallVector<double> weights;
  if (auto w = dyn_cast_or_null<DenseF32ArrayAttr>(n.attrs.get("weights")))
    weights.assign(w.asArrayRef().begin(), w.asArrayRef().end());
  if (minN < 1 || maxN < minN || maxSkip < 0 || (int64_t)counts.size() < maxN || slots.empty() ||
      (mode != "TF" && mode != "IDF" && mode != "TFIDF") || (!weights.empty() && weights.size() != slots.size()))
    return emitError(n.loc) << "TfIdfVectorizer's attributes are inconsistent";
  bool batched = Composer::rank(x) == 2;
  int64_t rows = batched ? Composer::shape(x)[0] : 1, len = Composer::shape(x).back();
  // The (n-gram, slot) matrix grows with the largest slot: at most kMaxTable entries.
  constexpr int64_t kMaxTable = int64_t(1) << 24;
  int64_t outDim = *llvm::max_element(slots) + 1;
  if (outDim > kMaxTable)
    return emitError(n.loc) << "TfIdfVectorizer's ngram_indexes hold slot " << outDim - 1 << ", past 2^24";
  Value rowsX = batched ? x : c.op("Reshape", {x, c.ints({1, len})});
  Type f32 = Float32Type::get(&c.g.ctx), i64 = IntegerType::get(&c.g.ctx, 64);
  rowsX = c.castTo(rowsX, i64);
  SmallVector<Value> perGram; // [rows, grams of length g] counts, in pool order
  SmallVector<double> mapping;  // (pool n-gram, output slot) 0/1
  int64_t gramIndex = 0;
  for (int64_t g = 1; g <= maxN; ++g) {
    int64_t begin = counts[g - 1], end = g < (int64_t)counts.size() ? counts[g] : (int64_t)pool.size();
    if (begin < 0 || end < begin || end > (int64_t)pool.size() || (end - begin) % g)
      return emitError(n.loc) << "ngram_counts does not split the pool into n-grams";
    int64_t grams = (end - begin) / g;
    if (g < minN || grams == 0) {
      gramIndex += grams;
      continue;
    }
    if (gramIndex + grams > (int64_t)slots.size())
      return emitError(n.loc) << "ngram_indexes has fewer entries than the pool has n-grams";
    SmallVector<double> poolValues(pool.begin() + begin, pool.begin() + end);
    Value gramsC = constant(c, i64, {1, 1, grams, g}, poolValues);
    Value total;
    for (int64_t skip = 0; skip <= (g == 1 ? 0 : maxSkip); ++skip) {
      int64_t span = (g - 1) * (skip + 1), starts = len - span;
      if (starts <= 0)
        break;
      // Window i, element j reads position i + j (skip + 1): computed, not tabulated.
      SmallVector<int64_t> offsets;
      for (int64_t j = 0; j < g; ++j)
        offsets.push_back(j * (skip + 1));
      Value idx = c.op("Add", {c.counting(starts, 0, 2), c.op("Reshape", {c.ints(offsets), c.ints({1, g})})});
      Value windows = c.op("Gather", {rowsX, idx}, {c.attr("axis", 1)});
      Value equal = c.castTo(c.op("Equal", {c.op("Unsqueeze", {windows, c.ints({2})}), gramsC}), f32);
      Value matches = c.op("ReduceMin", {equal, c.ints({3})}, {c.attr("keepdims", 0)});
      Value count = c.op("ReduceSum", {matches, c.ints({1})}, {c.attr("keepdims", 0)});
      total = total ? c.op("Add", {total, count}) : count;
    }
    if (!total)
      total = c.op("Expand", {c.scalar(f32, 0), c.ints({rows, grams})});
    if (!c.ok)
      return failure();
    if (((int64_t)mapping.size() / outDim + grams) * outDim > kMaxTable)
      return emitError(n.loc) << "TfIdfVectorizer's n-gram to slot table would exceed 2^24 entries (n-grams times "
                              << outDim << " slots)";
    perGram.push_back(total);
    for (int64_t k = 0; k < grams; ++k) {
      int64_t slot = slots[gramIndex + k];
      if (slot < 0)
        return emitError(n.loc) << "ngram_indexes holds a negative slot";
      double w = weights.empty() ? 1.0 : weights[gramIndex + k];
      for (int64_t o = 0; o < outDim; ++o)
        mapping.push_back(o == slot ? w : 0.0);
    }
    gramIndex += grams;
  }
  if (perGram.empty())
    return emitError(n.loc) << "TfIdfVectorizer has no n-grams between min_gram_length and max_gram_length";
  Value tf = perGram.size() == 1 ? perGram[0] : c.op("Concat", perGram, {c.attr("axis", 1)});
  if (mode == "IDF") // presence, not count
    tf = c.castTo(c.op("Greater", {tf, c.scalar(f32, 0)}), f32);
  if (mode == "TF") // weights only scale IDF and TFIDF
    for (double &m : mapping)
      m = m != 0 ? 1.0 : 0.0;
  int64_t kept = (int64_t)mapping.size() / outDim;
  Value y = c.op("MatMul", {tf, constant(c, f32, {kept, outDim}, mapping)});
  return c.done(n, {batched ? y : c.op("Reshape", {y, c.ints({outDim})})});
}

} // namespace

void addSignalDecompositions(DecompositionTable &table) {
  table["DFT"] = dftOp;
  table["STFT"] = stft;
  table["TfIdfVectorizer"] = tfIdfVectorizer;
}

} // namespace onnxc
