// Transformer-era ops built from onnx ops: Attention, LinearAttention, RotaryEmbedding, RMS/GroupNormalization, Swish, SwiGLU, TensorScatter, CausalConvWithState, FlexAttention (ai.onnx.preview).
#include "compiler/Composer.h"
#include "dialects/onnx/NarrowTypes.h"

#include <onnx/onnx_pb.h>

#include <cmath>
#include <limits>

using namespace mlir;

namespace onnxc {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

/// The float type statistics are kept in: stash_type (default float) for
/// 16-bit inputs, the input's own type otherwise.
Type stashType(Composer &c, const NodeState &n, Type elem) {
  if (elem.getIntOrFloatBitWidth() >= 32)
    return elem;
  Type t = onnx::elementTypeFromOnnx(&c.g.ctx, intAttr(n, "stash_type", 1));
  return t && isa<FloatType>(t) ? t : elem;
}

SmallVector<int64_t> iota(int64_t from, int64_t to) {
  SmallVector<int64_t> v;
  for (int64_t i = from; i < to; ++i)
    v.push_back(i);
  return v;
}

Value transpose(Composer &c, Value v, ArrayRef<int64_t> perm) { return c.op("Transpose", {v}, {c.attr("perm", perm)}); }

/// Slice of `v` along `axis`: [start, end) by `step`.
Value slice(Composer &c, Value v, int64_t axis, int64_t start, int64_t end, int64_t step = 1) {
  return c.op("Slice", {v, c.ints({start}), c.ints({end}), c.ints({axis}), c.ints({step})});
}


Value swish(Composer &c, Value x, double alpha) {
  Value gate = alpha == 1.0 ? x : c.op("Mul", {x, c.scalar(Composer::elem(x), alpha)});
  return c.op("Mul", {x, c.op("Sigmoid", {gate})});
}

LogicalResult swishOp(Composer &c, NodeState &n) {
  if (!input(n, 0))
    return emitError(n.loc) << "Swish needs input X";
  return c.done(n, {swish(c, input(n, 0), floatAttr(n, "alpha", 1.0))});
}

LogicalResult swiGlu(Composer &c, NodeState &n) {
  Value a = input(n, 0), b = input(n, 1);
  if (!a || !b || a.getType() != b.getType())
    return emitError(n.loc) << "SwiGLU needs inputs A and B of one type and shape";
  return c.done(n, {c.op("Mul", {swish(c, a, floatAttr(n, "alpha", 1.0)), b})});
}

/// Y = X / sqrt(mean(X^2 over [axis, rank)) + epsilon) * scale.
LogicalResult rmsNormalization(Composer &c, NodeState &n) {
  Value x = input(n, 0), scale = input(n, 1);
  if (!x || !scale)
    return emitError(n.loc) << "RMSNormalization needs inputs X and scale";
  int64_t rank = Composer::rank(x), axis = intAttr(n, "axis", -1);
  if (axis < -rank || axis >= rank)
    return emitError(n.loc) << "axis " << axis << " is out of range for a rank-" << rank << " input";
  axis = axis < 0 ? axis + rank : axis;
  Type xt = Composer::elem(x), st = stashType(c, n, xt);
  Value xs = c.castTo(x, st);
  Value meanSquare = c.op("ReduceMean", {c.op("Mul", {xs, xs}), c.ints(iota(axis, rank))});
  Value rms = c.op("Sqrt", {c.op("Add", {meanSquare, c.scalar(st, floatAttr(n, "epsilon", 1e-5))})});
  Value normalized = c.castTo(c.castTo(c.op("Div", {xs, rms}), xt), Composer::elem(scale));
  return c.done(n, {c.op("Mul", {normalized, scale})});
}

/// Mean and variance per instance and group; opset 21 scales per channel,
/// opset 18 per group.
LogicalResult groupNormalization(Composer &c, NodeState &n) {
  Value x = input(n, 0), scale = input(n, 1), bias = input(n, 2);
  int64_t groups = intAttr(n, "num_groups", 0);
  if (!x || !scale || !bias || Composer::rank(x) < 2)
    return emitError(n.loc) << "GroupNormalization needs X of rank >= 2, scale and bias";
  ArrayRef<int64_t> shape = Composer::shape(x);
  int64_t channels = shape[1];
  if (groups < 1 || channels % groups)
    return emitError(n.loc) << "num_groups (" << groups << ") must divide the " << channels << " channels";
  Type xt = Composer::elem(x), st = stashType(c, n, xt);
  Value grouped = c.op("Reshape", {c.castTo(x, st), c.ints({shape[0], groups, -1})});
  Value axes = c.ints({2});
  Value mean = c.op("ReduceMean", {grouped, axes});
  Value centered = c.op("Sub", {grouped, mean});
  Value var = c.op("ReduceMean", {c.op("Mul", {centered, centered}), axes});
  Value std = c.op("Sqrt", {c.op("Add", {var, c.scalar(st, floatAttr(n, "epsilon", 1e-5))})});
  Value normalized = c.castTo(c.op("Reshape", {c.op("Div", {centered, std}), c.ints(shape)}), xt);
  auto perChannel = [&](Value v) {
    if (n.opset < 21 && Composer::shape(v) == ArrayRef<int64_t>{groups}) // one value per group
      v = c.op("Reshape", {c.op("Expand", {c.op("Reshape", {v, c.ints({groups, 1})}), c.ints({groups, channels / groups})}),
                           c.ints({channels})});
    return c.alongAxis(c.castTo(v, xt), 1, (int64_t)shape.size());
  };
  return c.done(n, {c.op("Add", {c.op("Mul", {normalized, perChannel(scale)}), perChannel(bias)})});
}

/// X in (B, S, H, D) order: 4-D (B, H, S, D) is transposed, 3-D (B, S, H*D) split.
Value toBshd(Composer &c, Value x, int64_t heads) {
  if (Composer::rank(x) == 4)
    return transpose(c, x, {0, 2, 1, 3});
  ArrayRef<int64_t> s = Composer::shape(x);
  if (Composer::rank(x) != 3 || heads < 1 || s[2] % heads)
    return c.fail("a 3-D input needs a head count attribute that divides its hidden size");
  return c.op("Reshape", {x, c.ints({s[0], s[1], heads, s[2] / heads})});
}

/// RotaryEmbedding-23: rotates the first rotary_embedding_dim channels of each
/// head by the cached angles (halves or interleaved pairs).
LogicalResult rotaryEmbedding(Composer &c, NodeState &n) {
  Value x = input(n, 0), cosCache = input(n, 1), sinCache = input(n, 2), positionIds = input(n, 3);
  if (!x || !cosCache || !sinCache || (Composer::rank(x) != 3 && Composer::rank(x) != 4))
    return emitError(n.loc) << "RotaryEmbedding needs a 3-D or 4-D X, cos_cache and sin_cache";
  // The angles are (B, S, rot/2): gathered from 2-D caches by 2-D position_ids, or given as 3-D caches.
  int64_t cacheRank = positionIds ? 2 : 3;
  if (Composer::rank(cosCache) != cacheRank || Composer::rank(sinCache) != cacheRank ||
      (positionIds && Composer::rank(positionIds) != 2))
    return emitError(n.loc) << "RotaryEmbedding needs "
                            << (positionIds ? "2-D cos_cache, sin_cache and position_ids"
                                            : "3-D cos_cache and sin_cache when position_ids is absent");
  Value bshd = toBshd(c, x, intAttr(n, "num_heads", 0));
  if (!c.ok)
    return failure();
  int64_t d = Composer::shape(bshd)[3], rot = intAttr(n, "rotary_embedding_dim", 0);
  rot = rot ? rot : d;
  if (rot > d || rot % 2)
    return emitError(n.loc) << "rotary_embedding_dim " << rot << " must be even and at most the head size " << d;
  bool interleaved = intAttr(n, "interleaved", 0);
  auto angles = [&](Value cache) {
    Value v = positionIds ? c.op("Gather", {cache, positionIds}, {c.attr("axis", 0)}) : cache;
    if (c.ok && Composer::shape(v).back() != rot / 2)
      v = slice(c, v, Composer::rank(v) - 1, 0, rot / 2);
    return c.op("Unsqueeze", {v, c.ints({2})}); // (B, S, 1, rot/2)
  };
  Value cosv = angles(cosCache), sinv = angles(sinCache);
  Value xRot = rot < d ? slice(c, bshd, 3, 0, rot) : bshd;
  Value x1 = interleaved ? slice(c, xRot, 3, 0, rot, 2) : slice(c, xRot, 3, 0, rot / 2);
  Value x2 = interleaved ? slice(c, xRot, 3, 1, rot, 2) : slice(c, xRot, 3, rot / 2, rot);
  Value real = c.op("Sub", {c.op("Mul", {cosv, x1}), c.op("Mul", {sinv, x2})});
  Value imag = c.op("Add", {c.op("Mul", {sinv, x1}), c.op("Mul", {cosv, x2})});
  Value rotated;
  if (interleaved) {
    Value pairs = c.op("Concat", {c.op("Unsqueeze", {real, c.ints({4})}), c.op("Unsqueeze", {imag, c.ints({4})})},
                       {c.attr("axis", 4)});
    SmallVector<int64_t> shape(Composer::shape(xRot));
    rotated = c.op("Reshape", {pairs, c.ints(shape)});
  } else {
    rotated = c.op("Concat", {real, imag}, {c.attr("axis", 3)});
  }
  if (rot < d)
    rotated = c.op("Concat", {rotated, slice(c, bshd, 3, rot, d)}, {c.attr("axis", 3)});
  Value y = Composer::rank(x) == 4 ? transpose(c, rotated, {0, 2, 1, 3})
                                   : c.op("Reshape", {rotated, c.ints(Composer::shape(x))});
  return c.done(n, {y});
}

/// Repeats each of the KV heads `group` times in place (GQA: query head h
/// reads KV head h / group).
Value repeatHeads(Composer &c, Value kv, int64_t group) {
  if (group == 1 || !c.ok)
    return kv;
  ArrayRef<int64_t> s = Composer::shape(kv);
  Value expanded = c.op("Expand", {c.op("Unsqueeze", {kv, c.ints({2})}), c.ints({s[0], s[1], group, s[2], s[3]})});
  return c.op("Reshape", {expanded, c.ints({s[0], s[1] * group, s[2], s[3]})});
}

/// Attention-23/24 as the ONNX reference computes it (errata included):
/// scaled QK^T, softcap, masks (additive or bool, causal aligned to the end
/// of the keys, nonpad_kv_seqlen), softmax, times V.
LogicalResult attention(Composer &c, NodeState &n) {
  Value q = input(n, 0), k = input(n, 1), v = input(n, 2), mask = input(n, 3);
  Value pastK = input(n, 4), pastV = input(n, 5), nonpad = input(n, 6);
  if (!q || !k || !v)
    return emitError(n.loc) << "Attention needs inputs Q, K and V";
  bool is3d = Composer::rank(q) == 3;
  if (Composer::rank(q) != (is3d ? 3 : 4) || Composer::rank(k) != Composer::rank(q) ||
      Composer::rank(v) != Composer::rank(q))
    return emitError(n.loc) << "Attention's Q, K and V must all be 3-D or all 4-D";
  if ((bool)pastK != (bool)pastV)
    return emitError(n.loc) << "Attention's past_key and past_value must be given together";
  // (B, H, S, D) for all three.
  auto bhsd = [&](Value x, StringRef heads) {
    return is3d ? transpose(c, toBshd(c, x, intAttr(n, heads, 0)), {0, 2, 1, 3}) : x;
  };
  q = bhsd(q, "q_num_heads");
  k = bhsd(k, "kv_num_heads");
  v = bhsd(v, "kv_num_heads");
  if (!c.ok)
    return failure();
  if (pastK) {
    k = c.op("Concat", {pastK, k}, {c.attr("axis", 2)});
    v = c.op("Concat", {pastV, v}, {c.attr("axis", 2)});
  }
  if (!c.ok)
    return failure();
  Value presentK = k, presentV = v;
  int64_t batch = Composer::shape(q)[0], qHeads = Composer::shape(q)[1], qSeq = Composer::shape(q)[2];
  int64_t headSize = Composer::shape(q)[3], kvHeads = Composer::shape(k)[1], total = Composer::shape(k)[2];
  if (kvHeads < 1 || qHeads % kvHeads)
    return emitError(n.loc) << "Attention's " << qHeads << " query heads are not a multiple of its " << kvHeads
                            << " key/value heads";
  Type ft = Composer::elem(q);
  double scale = floatAttr(n, "scale", 1.0 / std::sqrt((double)headSize));
  Value rootScale = c.scalar(ft, std::sqrt(scale));
  Value kt = transpose(c, c.op("Mul", {repeatHeads(c, k, qHeads / kvHeads), rootScale}), {0, 1, 3, 2});
  Value scores = c.op("MatMul", {c.op("Mul", {q, rootScale}), kt});
  SmallVector<Value> qk{scores};
  if (double softcap = floatAttr(n, "softcap", 0); softcap > 0)
    scores = c.op("Mul", {c.op("Tanh", {c.op("Div", {scores, c.scalar(ft, softcap)})}), c.scalar(ft, softcap)});
  qk.push_back(scores);
  // Allowed (query, key) pairs: causal, within nonpad_kv_seqlen, the bool mask.
  Value allowed;
  auto allow = [&](Value a) { allowed = allowed ? c.op("And", {allowed, a}) : a; };
  Type i64 = IntegerType::get(&c.g.ctx, 64);
  Value keyPos = c.counting(total, 3, 4), queryPos = c.counting(qSeq, 2, 4);
  if (nonpad) {
    if (pastK)
      return emitError(n.loc) << "Attention's nonpad_kv_seqlen cannot be combined with past_key/past_value";
    Value lens = c.op("Reshape", {c.castTo(nonpad, i64), c.ints({batch, 1, 1, 1})});
    allow(c.op("Less", {keyPos, lens}));
  }
  if (intAttr(n, "is_causal", 0)) {
    // Query i sees keys j <= i + offset: the queries are the last ones.
    Value offset = nonpad ? c.op("Sub", {c.op("Reshape", {c.castTo(nonpad, i64), c.ints({batch, 1, 1, 1})}),
                                         c.scalar(i64, qSeq)})
                          : c.scalar(i64, pastK ? Composer::shape(pastK)[2] : 0);
    allow(c.op("LessOrEqual", {keyPos, c.op("Add", {queryPos, offset})}));
  }
  if (mask) {
    bool isBool = Composer::elem(mask).isInteger(1);
    int64_t have = Composer::shape(mask).empty() ? 1 : Composer::shape(mask).back();
    if (have < total && Composer::rank(mask) > 0) { // pad the key axis with "masked"
      int64_t r = Composer::rank(mask);
      SmallVector<int64_t> pads(2 * r, 0);
      pads[2 * r - 1] = total - have;
      mask = c.op("Pad", {isBool ? mask : c.castTo(mask, ft), c.ints(pads),
                          isBool ? c.scalar(Composer::elem(mask), 0) : c.scalar(ft, -kInf)});
    }
    if (isBool)
      allow(mask);
    else
      scores = c.op("Add", {scores, c.castTo(mask, ft)});
  }
  if (allowed)
    scores = c.op("Where", {allowed, scores, c.scalar(ft, -kInf)});
  qk.push_back(scores);
  Type softmaxType = ft;
  if (auto p = intAttr(n, "softmax_precision", 0))
    if (Type t = onnx::elementTypeFromOnnx(&c.g.ctx, p); t && isa<FloatType>(t))
      softmaxType = t;
  Value probs = c.castTo(c.op("Softmax", {c.castTo(scores, softmaxType)}, {c.attr("axis", -1)}), ft);
  qk.push_back(probs);
  Value y = c.op("MatMul", {probs, repeatHeads(c, v, qHeads / kvHeads)});
  if (is3d && c.ok)
    y = c.op("Reshape", {transpose(c, y, {0, 2, 1, 3}), c.ints({batch, qSeq, -1})});
  int64_t mode = intAttr(n, "qk_matmul_output_mode", 0);
  if (mode < 0 || mode > 3)
    return emitError(n.loc) << "qk_matmul_output_mode must be 0 to 3";
  return c.done(n, {y, presentK, presentV, qk[mode]});
}

/// LinearAttention-27: a state S (dk x dv per KV head) updated token by
/// token (linear, gated, delta or gated_delta rule; the loop over the
/// sequence is unrolled), read by each query head: o_t = scale * q_t^T S_t.
LogicalResult linearAttention(Composer &c, NodeState &n) {
  Value q = input(n, 0), k = input(n, 1), v = input(n, 2), past = input(n, 3), decay = input(n, 4),
        beta = input(n, 5);
  int64_t qHeads = intAttr(n, "q_num_heads", 0), kvHeads = intAttr(n, "kv_num_heads", 0);
  if (!q || !k || !v || Composer::rank(q) != 3 || Composer::rank(k) != 3 || Composer::rank(v) != 3 || qHeads < 1 ||
      kvHeads < 1 || qHeads % kvHeads)
    return emitError(n.loc) << "LinearAttention needs 3-D query, key and value and head counts "
                               "(q_num_heads a multiple of kv_num_heads)";
  auto rule = dyn_cast_or_null<StringAttr>(n.attrs.get("update_rule"));
  StringRef update = rule ? rule.getValue() : "gated_delta";
  bool gated = update == "gated" || update == "gated_delta", delta = update == "delta" || update == "gated_delta";
  if (!gated && !delta && update != "linear")
    return emitError(n.loc) << "LinearAttention's update_rule must be linear, gated, delta or gated_delta";
  if ((gated && !decay) || (delta && !beta))
    return emitError(n.loc) << "LinearAttention's " << update << " rule needs its "
                            << (gated && !decay ? "decay" : "beta") << " input";
  auto perStep = [&](Value x, int64_t width) { // (B, T, width) where the rule reads it
    return !x || (Composer::rank(x) == 3 && Composer::shape(x)[0] == Composer::shape(q)[0] &&
                  Composer::shape(x)[1] == Composer::shape(q)[1] && Composer::shape(x)[2] % width == 0);
  };
  if ((gated && !perStep(decay, kvHeads)) || (delta && !perStep(beta, 1)))
    return emitError(n.loc) << "LinearAttention's decay and beta must be (batch, sequence, heads) or (batch, "
                               "sequence, heads * key size)";
  ArrayRef<int64_t> qs = Composer::shape(q);
  int64_t batch = qs[0], steps = qs[1], dk = qs[2] / qHeads, dv = Composer::shape(v)[2] / kvHeads;
  if (qs[2] % qHeads || Composer::shape(k)[2] != kvHeads * dk || Composer::shape(v)[2] % kvHeads)
    return emitError(n.loc) << "LinearAttention's hidden sizes do not split into the head counts";
  if (steps > 4096)
    return emitError(n.loc) << "LinearAttention unrolls its sequence; at most 4096 steps (got " << steps << ")";
  Type f32 = Float32Type::get(&c.g.ctx), i64 = IntegerType::get(&c.g.ctx, 64);
  double scale = floatAttr(n, "scale", 0.0);
  scale = scale != 0 ? scale : 1.0 / std::sqrt((double)dk);
  auto heads = [&](Value x, int64_t h) { return c.op("Reshape", {c.castTo(x, f32), c.ints({batch, steps, h, -1})}); };
  Value q4 = heads(q, qHeads), k4 = heads(k, kvHeads), v4 = heads(v, kvHeads);
  Value state = past ? c.castTo(past, f32) : c.op("Expand", {c.scalar(f32, 0), c.ints({batch, kvHeads, dk, dv})});
  auto at = [&](Value x, int64_t t) { return c.op("Gather", {x, c.scalar(i64, t)}, {c.attr("axis", 1)}); };
  SmallVector<Value> outs;
  for (int64_t t = 0; t < steps && c.ok; ++t) {
    Value kt = c.op("Unsqueeze", {at(k4, t), c.ints({3})}); // (B, Hkv, dk, 1)
    Value vt = c.op("Unsqueeze", {at(v4, t), c.ints({2})}); // (B, Hkv, 1, dv)
    if (gated) { // per head (B, Hkv) or per key dim (B, Hkv * dk)
      Value g = at(c.castTo(decay, f32), t);
      if (!c.ok)
        break;
      g = c.op("Reshape", {g, c.ints({batch, kvHeads, Composer::shape(g)[1] == kvHeads ? 1 : dk, 1})});
      state = c.op("Mul", {state, c.op("Exp", {g})});
    }
    if (delta) { // S += beta * k (v - S^T k)
      Value retrieved = c.op("ReduceSum", {c.op("Mul", {state, kt}), c.ints({2})}); // (B, Hkv, 1, dv)
      Value b = c.op("Reshape", {at(c.castTo(beta, f32), t), c.ints({batch, -1, 1, 1})});
      state = c.op("Add", {state, c.op("Mul", {b, c.op("Mul", {kt, c.op("Sub", {vt, retrieved})})})});
    } else {
      state = c.op("Add", {state, c.op("Mul", {kt, vt})});
    }
    Value qt = c.op("Unsqueeze", {at(q4, t), c.ints({3})}); // (B, Hq, dk, 1)
    Value o = c.op("ReduceSum", {c.op("Mul", {qt, repeatHeads(c, state, qHeads / kvHeads)}), c.ints({2})},
                   {c.attr("keepdims", 0)}); // (B, Hq, dv)
    outs.push_back(c.op("Unsqueeze", {c.op("Mul", {o, c.scalar(f32, scale)}), c.ints({1})}));
  }
  Value y = outs.size() == 1 ? outs[0] : c.op("Concat", outs, {c.attr("axis", 1)});
  y = c.castTo(c.op("Reshape", {y, c.ints({batch, steps, qHeads * dv})}), Composer::elem(q));
  return c.done(n, {y, c.castTo(state, past ? Composer::elem(past) : Composer::elem(q))});
}

/// TensorScatter-24: writes `update` into the cache at write_indices[b] along
/// `axis` (mode circular: modulo the cache length).
LogicalResult tensorScatter(Composer &c, NodeState &n) {
  Value cache = input(n, 0), update = input(n, 1), where = input(n, 2);
  if (!cache || !update || Composer::rank(cache) != Composer::rank(update) || Composer::rank(cache) < 2)
    return emitError(n.loc) << "TensorScatter needs past_cache and update of the same rank >= 2";
  int64_t rank = Composer::rank(cache), axis = intAttr(n, "axis", -2);
  axis = axis < 0 ? axis + rank : axis;
  if (axis <= 0 || axis >= rank)
    return emitError(n.loc) << "TensorScatter's axis must name a dimension after the batch";
  auto mode = dyn_cast_or_null<StringAttr>(n.attrs.get("mode"));
  bool circular = mode && mode.getValue() == "circular";
  if (mode && !circular && mode.getValue() != "linear")
    return emitError(n.loc) << "TensorScatter's mode must be linear or circular";
  Type i64 = IntegerType::get(&c.g.ctx, 64);
  int64_t batch = Composer::shape(cache)[0], length = Composer::shape(cache)[axis];
  Value index = c.counting(Composer::shape(update)[axis], axis, rank);
  if (where) {
    SmallVector<int64_t> shape(rank, 1);
    shape[0] = batch;
    index = c.op("Add", {index, c.op("Reshape", {c.castTo(where, i64), c.ints(shape)})});
  }
  if (circular)
    index = c.op("Mod", {index, c.scalar(i64, length)});
  index = c.op("Expand", {index, c.ints(Composer::shape(update))});
  return c.done(n, {c.op("ScatterElements", {cache, index, update}, {c.attr("axis", axis)})});
}

/// CausalConvWithState-27: a depthwise causal conv1d that carries its last
/// k - 1 inputs as state.
LogicalResult causalConvWithState(Composer &c, NodeState &n) {
  Value x = input(n, 0), w = input(n, 1), bias = input(n, 2), past = input(n, 3);
  if (!x || !w || Composer::rank(x) != 3 || Composer::rank(w) != 3)
    return emitError(n.loc) << "CausalConvWithState needs a (B, C, L) input and a (C, 1, k) weight";
  ArrayRef<int64_t> s = Composer::shape(x);
  int64_t kernel = Composer::shape(w)[2];
  if (kernel < 1)
    return emitError(n.loc) << "CausalConvWithState's kernel is empty";
  Type ft = Composer::elem(x);
  if (!past && kernel > 1)
    past = c.op("Expand", {c.scalar(ft, 0), c.ints({s[0], s[1], kernel - 1})});
  Value padded = kernel > 1 ? c.op("Concat", {past, x}, {c.attr("axis", 2)}) : x;
  SmallVector<Value> convIn{padded, w};
  if (bias)
    convIn.push_back(bias);
  Value y = c.op("Conv", convIn, {c.attr("group", s[1])});
  auto act = dyn_cast_or_null<StringAttr>(n.attrs.get("activation"));
  if (act && (act.getValue() == "silu" || act.getValue() == "swish"))
    y = swish(c, y, 1.0);
  else if (act && act.getValue() != "none")
    return emitError(n.loc) << "CausalConvWithState's activation must be none, silu or swish";
  if (kernel == 1) // no state to carry: present_state would be empty
    return c.done(n, {y});
  return c.done(n, {y, slice(c, padded, 2, s[2], s[2] + kernel - 1)});
}

} // namespace

LogicalResult flexAttention(Composer &c, NodeState &n, const Scope &scope) {
  Value q = input(n, 0), k = input(n, 1), v = input(n, 2);
  if (!q || !k || !v || n.inputs.size() != 3 || Composer::rank(q) != 4 || Composer::rank(k) != 4 ||
      Composer::rank(v) != 4)
    return emitError(n.loc) << "FlexAttention needs rank-4 Q, K and V";
  ArrayRef<int64_t> qs = Composer::shape(q), ks = Composer::shape(k), vs = Composer::shape(v);
  if (qs[0] != ks[0] || ks[0] != vs[0] || ks[1] != vs[1] || ks[2] != vs[2] || qs[3] != ks[3] || ks[1] < 1 ||
      qs[1] % ks[1])
    return emitError(n.loc) << "FlexAttention's Q (B, Hq, Sq, D), K (B, Hkv, Skv, D) and V (B, Hkv, Skv, Dv) "
                               "disagree (Hq must be a multiple of Hkv)";
  Type ft = Composer::elem(q);
  // Scores and probabilities in softmax_precision: f32 unless the inputs are f64.
  Type pt = ft.isF64() ? ft : Float32Type::get(&c.g.ctx);
  if (int64_t p = intAttr(n, "softmax_precision", 0)) {
    pt = onnx::elementTypeFromOnnx(&c.g.ctx, p);
    if (!pt || !isa<FloatType>(pt) || onnx::isNarrowType(pt))
      return emitError(n.loc) << "FlexAttention's softmax_precision " << onnx::onnxTypeName(p)
                              << " is not a float type onnxc computes in";
  }
  double scale = floatAttr(n, "scale", 0.0);
  scale = scale != 0 ? scale : 1.0 / std::sqrt((double)qs[3]);
  int64_t group = qs[1] / ks[1];
  Value kt = transpose(c, repeatHeads(c, c.castTo(k, pt), group), {0, 1, 3, 2});
  Value scores = c.op("Mul", {c.op("MatMul", {c.castTo(q, pt), kt}), c.scalar(pt, scale)});
  // A modifier graph takes the (B, Hq, Sq, Skv) tensor and gives one of the same type.
  auto modify = [&](StringRef name, Value x) -> Value {
    const ::onnx::GraphProto *g = n.graph(name);
    if (!g || !c.ok)
      return x;
    if (g->input_size() != 1 || g->output_size() != 1)
      return c.fail("FlexAttention's " + name + " must take one input and give one output");
    auto outs = c.g.importBody(*g, {x}, scope, n.loc);
    if (failed(outs)) {
      c.ok = false;
      return {};
    }
    if ((*outs)[0].getType() != x.getType())
      return c.fail("FlexAttention's " + name + " must give a tensor of the type it takes");
    return (*outs)[0];
  };
  for (auto &[name, g] : n.graphs)
    if (name != "score_mod" && name != "prob_mod")
      return emitError(n.loc) << "FlexAttention has no graph attribute '" << name << "'";
  scores = modify("score_mod", scores);
  Value probs = modify("prob_mod", c.op("Softmax", {scores}, {c.attr("axis", -1)}));
  Value y = c.op("MatMul", {probs, repeatHeads(c, c.castTo(v, pt), group)});
  return c.done(n, {c.castTo(y, ft)});
}

void addTransformerDecompositions(DecompositionTable &table) {
  table["Swish"] = swishOp;
  table["SwiGLU"] = swiGlu;
  table["RMSNormalization"] = rmsNormalization;
  table["GroupNormalization"] = groupNormalization;
  table["RotaryEmbedding"] = rotaryEmbedding;
  table["Attention"] = attention;
  table["TensorScatter"] = tensorScatter;
  table["CausalConvWithState"] = causalConvWithState;
  table["LinearAttention"] = linearAttention;
}

} // namespace onnxc
