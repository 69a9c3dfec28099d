// Imports a graph's initializers and nodes (and, inline, the bodies of If, Loop and Scan) into a scope.
#include "compiler/GraphImporter.h"
#include "compiler/Importer.h"
#include "compiler/TensorImport.h"
#include "dialects/onnx/OnnxDialect.h"

#include "mlir/IR/Diagnostics.h"

#include <onnx/onnx_pb.h>

using namespace mlir;

namespace onnxc {

Location nodeLoc(MLIRContext &ctx, const ::onnx::NodeProto &node, size_t index) {
  std::string name = node.name().empty() ? node.op_type() + "_" + std::to_string(index) : node.name();
  return NameLoc::get(StringAttr::get(&ctx, name), NameLoc::get(StringAttr::get(&ctx, node.op_type())));
}

Location valueLoc(MLIRContext &ctx, StringRef name, StringRef kind) {
  return NameLoc::get(StringAttr::get(&ctx, name), NameLoc::get(StringAttr::get(&ctx, kind)));
}

GraphImporter::GraphImporter(MLIRContext &ctx, OpBuilder &builder, const ImportOptions &options,
                             int64_t opset)
    : ctx(ctx), b(builder), options(options), maxTensorBytes(options.maxTensorBytes), opset(opset) {}

namespace {

/// Node indices in an order where every input is defined before use; names
/// that `scope` defines count as available.
FailureOr<SmallVector<int>> topologicalOrder(MLIRContext &ctx, const ::onnx::GraphProto &graph,
                                             const Scope &scope) {
  llvm::StringMap<int> producer;
  for (int i = 0; i < graph.node_size(); ++i)
    for (const std::string &out : graph.node(i).output()) {
      if (out.empty())
        continue;
      if (scope.values.count(out) || scope.missing.count(out) || !producer.try_emplace(out, i).second)
        return emitError(nodeLoc(ctx, graph.node(i), i))
                   << "value '" << out << "' is produced more than once",
               failure();
    }
  // Iterative DFS: 0 = new, 1 = on the stack, 2 = done.
  SmallVector<int> state(graph.node_size(), 0), order;
  for (int root = 0; root < graph.node_size(); ++root) {
    if (state[root])
      continue;
    SmallVector<std::pair<int, int>> stack{{root, 0}};
    state[root] = 1;
    while (!stack.empty()) {
      auto &[node, next] = stack.back();
      const auto &proto = graph.node(node);
      if (next < proto.input_size()) {
        const std::string &in = proto.input(next++);
        auto p = producer.find(in);
        if (in.empty() || (p == producer.end() && scope.defines(in)))
          continue;
        if (p == producer.end())
          return emitError(nodeLoc(ctx, proto, node)) << "input '" << in << "' is not defined",
                 failure();
        if (state[p->second] == 1)
          return emitError(nodeLoc(ctx, proto, node))
                     << "the graph has a cycle through value '" << in << "'",
                 failure();
        if (state[p->second] == 0) {
          state[p->second] = 1;
          stack.push_back({p->second, 0});
        }
        continue;
      }
      state[node] = 2;
      order.push_back(node);
      stack.pop_back();
    }
  }
  return order;
}

/// Ops with graph-valued attributes, imported with the scope they see
/// (ControlFlow.cpp).
bool hasGraphAttributes(StringRef op) { return op == "If" || op == "Loop" || op == "Scan" || op == "FlexAttention"; }

} // namespace

LogicalResult GraphImporter::importInitializers(const ::onnx::GraphProto &graph, Scope &scope) {
  for (const auto &init : graph.initializer()) {
    Location loc = valueLoc(ctx, init.name(), "initializer");
    auto attr = importTensor(ctx, init, options.externalData);
    if (!attr)
      return emitError(loc) << "initializer '" << init.name() << "': " << llvm::toString(attr.takeError());
    auto st = cast<ShapedType>(attr->getType());
    constantBytes += st.getNumElements() * std::max<int64_t>(1, st.getElementTypeBitWidth() / 8);
    if (constantBytes > options.maxConstantBytes)
      return emitError(loc) << "constants exceed the limit of " << options.maxConstantBytes
                            << " bytes (raise it with --max-constant-bytes)";
    if (init.name().empty() || scope.values.count(init.name()))
      return emitError(loc) << "initializer '" << init.name() << "' is unnamed or defined twice";
    scope.values[init.name()] = onnx::ConstantOp::create(b, loc, *attr);
  }
  return success();
}

LogicalResult GraphImporter::importNodes(const ::onnx::GraphProto &graph, Scope &scope) {
  nodesImported += graph.node_size();
  if (nodesImported > options.maxNodes)
    return emitError(UnknownLoc::get(&ctx)) << "the graph has more than " << options.maxNodes
                                            << " nodes, with loops unrolled (raise the limit with --max-nodes)";
  auto order = topologicalOrder(ctx, graph, scope);
  if (failed(order))
    return failure();
  for (int index : *order)
    if (failed(importNode(graph.node(index), index, scope)))
      return failure();
  return success();
}

LogicalResult GraphImporter::importNode(const ::onnx::NodeProto &node, int index, Scope &scope) {
  Location loc = nodeLoc(ctx, node, index);
  bool preview = node.domain() == "ai.onnx.preview" && node.op_type() == "FlexAttention";
  if (!node.domain().empty() && node.domain() != "ai.onnx" && !preview)
    return emitError(loc) << "unsupported op " << node.op_type() << " from domain '" << node.domain() << "'";
  auto sequenceOp = importSequenceOp(node, scope, loc);
  if (failed(sequenceOp))
    return failure();
  if (*sequenceOp)
    return success();
  NodeState state{node.op_type(), {}, {}, loc, opset, std::nullopt, node.output_size()};
  for (const std::string &in : node.input()) {
    if (in.empty()) {
      state.inputs.push_back(Value());
      continue;
    }
    if (const std::string *why = scope.whyMissing(in); why && !scope.lookup(in))
      return emitError(loc) << "input '" << in << "' is " << *why;
    if (scope.sequence(in))
      return emitError(loc) << "input '" << in << "' is a sequence, which " << node.op_type()
                            << " does not take here (onnxc keeps sequences only inside the graph)";
    if (failed(checkStaticSize(scope.lookup(in), in, loc)))
      return failure();
    state.inputs.push_back(scope.lookup(in));
  }
  for (const auto &a : node.attribute()) {
    if (a.name().empty())
      return emitError(loc) << "an attribute has no name";
    if (a.type() == ::onnx::AttributeProto::GRAPH && hasGraphAttributes(node.op_type())) {
      state.graphs.push_back({a.name(), &a.g()});
      continue;
    }
    auto attr = importAttribute(ctx, a);
    if (!attr)
      return emitError(loc) << llvm::toString(attr.takeError());
    state.attrs.set(a.name(), *attr);
  }
  if (hasGraphAttributes(state.opType)) {
    if (failed(importControlFlow(state, scope)))
      return failure();
  } else {
    if (failed(upgrade(state)))
      return failure();
    if (!state.results && failed(decompose(state)))
      return failure();
  }
  SmallVector<Value> results;
  if (state.results) {
    results = *state.results;
  } else {
    auto built = buildOp(state.opType, state.inputs, state.attrs.getAttrs(), loc);
    if (failed(built))
      return failure();
    results = *built;
  }
  for (int i = 0; i < node.output_size(); ++i) {
    const std::string &out = node.output(i);
    if (out.empty())
      continue;
    if (i < (int)results.size())
      scope.values[out] = results[i];
    else
      scope.missing[out] =
          "output " + std::to_string(i) + " of " + node.op_type() + ", which onnxc does not compute";
  }
  return success();
}

FailureOr<SmallVector<Value>> GraphImporter::importBody(const ::onnx::GraphProto &body, ArrayRef<Value> inputs,
                                                        const Scope &outer, Location loc) {
  if (body.input_size() != (int)inputs.size())
    return emitError(loc) << "the body graph '" << body.name() << "' has " << body.input_size()
                          << " inputs, the node gives it " << inputs.size(),
           failure();
  Scope scope;
  scope.parent = &outer;
  // One import of a body is at least one node of the budget: a loop of empty
  // bodies still ends at --max-nodes.
  if (++nodesImported > options.maxNodes)
    return emitError(loc) << "the graph has more than " << options.maxNodes
                          << " nodes, with loops unrolled (raise the limit with --max-nodes)",
           failure();
  for (auto [i, vi] : llvm::enumerate(body.input())) {
    if (vi.name().empty() || scope.values.count(vi.name()))
      return emitError(loc) << "a body input is unnamed or repeated", failure();
    scope.values[vi.name()] = inputs[i];
  }
  if (failed(importInitializers(body, scope)) || failed(importNodes(body, scope)))
    return failure();
  SmallVector<Value> results;
  for (const auto &out : body.output()) {
    Value v = scope.lookup(out.name());
    if (!v) {
      const std::string *why = scope.whyMissing(out.name());
      return emitError(loc) << "body output '" << out.name() << "' is "
                            << (why ? *why : std::string("not produced by any node")),
             failure();
    }
    if (failed(checkStaticSize(v, out.name(), loc)))
      return failure();
    results.push_back(v);
  }
  return results;
}

LogicalResult GraphImporter::checkStaticSize(Value v, StringRef name, Location loc) {
  if (!v || !runtimeDims.count(v))
    return success();
  return emitError(loc) << "value '" << name << "' has a size known only at run time (from NonZero, Compress, "
                        << "Unique, or the scan output of a Loop that stops at run time); onnxc passes such "
                        << "values only to graph outputs";
}

} // namespace onnxc
