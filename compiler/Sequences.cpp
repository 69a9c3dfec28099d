// Sequence ops on sequences known element by element at compile time (construct, insert, erase, at, length, concat, split).
#include "compiler/Composer.h"
#include "compiler/Importer.h"

#include <onnx/onnx_pb.h>

using namespace mlir;

namespace onnxc {

namespace {

bool isSequenceOp(StringRef op) {
  return op.starts_with("Sequence") || op == "ConcatFromSequence" || op == "SplitToSequence";
}

/// A constant scalar position in [-size, size] (`allowEnd`) or [-size, size).
FailureOr<int64_t> position(Location loc, Value v, int64_t size, bool allowEnd) {
  SmallVector<int64_t> ints;
  if (failed(onnx::requireConstantInts(loc, v, "position", ints)))
    return failure();
  if (ints.size() != 1)
    return emitError(loc) << "position must be a scalar", failure();
  int64_t p = ints[0] < 0 ? ints[0] + size : ints[0];
  if (p < 0 || p > size || (p == size && !allowEnd))
    return emitError(loc) << "position " << ints[0] << " is outside a sequence of " << size << " elements",
           failure();
  return p;
}

int64_t attrInt(const ::onnx::NodeProto &node, StringRef name, int64_t dflt) {
  for (const auto &a : node.attribute())
    if (a.name() == name && a.type() == ::onnx::AttributeProto::INT)
      return a.i();
  return dflt;
}

} // namespace

FailureOr<bool> GraphImporter::importSequenceOp(const ::onnx::NodeProto &node, Scope &scope, Location loc) {
  StringRef op = node.op_type();
  if (!isSequenceOp(op) || !(node.domain().empty() || node.domain() == "ai.onnx"))
    return false;
  auto in = [&](int i) -> Value {
    return i < node.input_size() && !node.input(i).empty() ? scope.lookup(node.input(i)) : Value();
  };
  auto seqIn = [&](int i) -> const SmallVector<Value> * {
    return i < node.input_size() ? scope.sequence(node.input(i)) : nullptr;
  };
  if (node.output_size() != 1 || node.output(0).empty())
    return emitError(loc) << op << " must have one output", failure();
  const std::string &out = node.output(0);
  scope.sequenceMakers[out] = loc; // where an error about the sequence points
  Composer c{*this, loc};
  if (op == "SequenceEmpty") {
    scope.sequences[out] = {};
    return true;
  }
  if (op == "SequenceConstruct") {
    SmallVector<Value> items;
    for (int i = 0; i < node.input_size(); ++i)
      if (!in(i))
        return emitError(loc) << "SequenceConstruct's input " << i << " is not a tensor", failure();
      else
        items.push_back(in(i));
    scope.sequences[out] = items;
    return true;
  }
  if (op == "SplitToSequence") {
    // One Slice per piece: a piece count from a declared dim is bounded by --max-nodes.
    auto tooMany = [&](int64_t pieces) {
      return emitError(loc) << "SplitToSequence would make " << pieces << " pieces, more than the limit of "
                            << options.maxNodes << " nodes (raise it with --max-nodes)",
             failure();
    };
    Value x = in(0);
    if (!x || Composer::rank(x) < 1)
      return emitError(loc) << "SplitToSequence needs a tensor input of rank >= 1", failure();
    int64_t rank = Composer::rank(x), axis = attrInt(node, "axis", 0);
    axis = axis < 0 ? axis + rank : axis;
    if (axis < 0 || axis >= rank)
      return emitError(loc) << "axis is out of range", failure();
    int64_t dim = Composer::shape(x)[axis];
    SmallVector<int64_t> sizes;
    bool squeeze = false;
    if (Value split = in(1)) {
      if (failed(onnx::requireConstantInts(loc, split, "split", sizes)))
        return failure();
      if (Composer::rank(split) == 0) { // chunks of one size, the last one smaller
        int64_t chunk = sizes.empty() ? 0 : sizes[0];
        if (chunk < 1)
          return emitError(loc) << "split must be positive", failure();
        if (dim / chunk + (dim % chunk != 0) > options.maxNodes)
          return tooMany(dim / chunk + (dim % chunk != 0));
        sizes.clear();
        for (int64_t done = 0; done < dim; done += chunk)
          sizes.push_back(std::min(chunk, dim - done));
      }
    } else {
      if (dim > options.maxNodes)
        return tooMany(dim);
      sizes.assign(dim, 1);
      squeeze = attrInt(node, "keepdims", 1) == 0;
    }
    int64_t total = 0;
    for (int64_t s : sizes)
      total += s < 0 ? dim + 1 : s;
    if (total != dim)
      return emitError(loc) << "split sizes do not add up to the dimension (" << dim << ")", failure();
    SmallVector<Value> items;
    int64_t start = 0;
    for (int64_t s : sizes) {
      Value part = c.op("Slice", {x, c.ints({start}), c.ints({start + s}), c.ints({axis})});
      items.push_back(squeeze ? c.op("Squeeze", {part, c.ints({axis})}) : part);
      start += s;
    }
    if (!c.ok)
      return failure();
    scope.sequences[out] = items;
    return true;
  }
  const SmallVector<Value> *seq = seqIn(0);
  if (!seq)
    return emitError(loc) << op << "'s first input must be a sequence built in this graph", failure();
  SmallVector<Value> items(*seq);
  if (op == "SequenceLength") {
    scope.values[out] = c.scalar(IntegerType::get(&ctx, 64), (double)items.size());
    return true;
  }
  if (op == "SequenceAt") {
    if (!in(1))
      return emitError(loc) << "SequenceAt needs a position", failure();
    auto p = position(loc, in(1), items.size(), false);
    if (failed(p))
      return failure();
    scope.values[out] = items[*p];
    return true;
  }
  if (op == "SequenceInsert") {
    if (!in(1))
      return emitError(loc) << "SequenceInsert needs a tensor", failure();
    auto p = in(2) ? position(loc, in(2), items.size(), true) : FailureOr<int64_t>((int64_t)items.size());
    if (failed(p))
      return failure();
    items.insert(items.begin() + *p, in(1));
    scope.sequences[out] = items;
    return true;
  }
  if (op == "SequenceErase") {
    if (items.empty())
      return emitError(loc) << "SequenceErase on an empty sequence", failure();
    auto p = in(1) ? position(loc, in(1), items.size(), false) : FailureOr<int64_t>((int64_t)items.size() - 1);
    if (failed(p))
      return failure();
    items.erase(items.begin() + *p);
    scope.sequences[out] = items;
    return true;
  }
  if (op == "ConcatFromSequence") {
    if (items.empty())
      return emitError(loc) << "ConcatFromSequence on an empty sequence", failure();
    int64_t axis = attrInt(node, "axis", 0);
    Value r;
    if (attrInt(node, "new_axis", 0)) {
      int64_t rank = Composer::rank(items[0]) + 1;
      r = c.stack(items, axis < 0 ? axis + rank : axis);
    } else {
      r = items.size() == 1 ? items[0] : c.op("Concat", items, {c.attr("axis", axis)});
    }
    if (!c.ok)
      return failure();
    scope.values[out] = r;
    return true;
  }
  return emitError(loc) << "unsupported op " << op, failure();
}

} // namespace onnxc
