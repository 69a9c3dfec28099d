// Imports an ONNX ModelProto into a func.func of onnx dialect ops (checks, topological order).
#include "compiler/Importer.h"
#include "compiler/GraphImporter.h"
#include "compiler/TensorImport.h"
#include "dialects/onnx/OnnxDialect.h"
#include "dialects/onnx/OnnxUtils.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/MathExtras.h"

#include <onnx/onnx_pb.h>

using namespace mlir;

namespace onnxc {

/// Verifies attribute kinds and operand types before type inference reads
/// them: a probe op with unranked results runs the ODS verifier, whose only
/// acceptable complaint is the (expected) result type mismatch.
static void reemitVerifierErrors(ArrayRef<Diagnostic> captured);

LogicalResult GraphImporter::checkAttributesAndOperands(RegisteredOperationName opName,
                                                        ArrayRef<Value> operands,
                                                        const NamedAttrList &attrs, int numResults,
                                                        Location loc) {
  OperationState state(loc, opName);
  state.addOperands(operands);
  state.addAttributes(attrs);
  // Placeholder results of the first tensor operand's element type, so that
  // same-type traits see a compatible type and only attributes can fail.
  Type elem = b.getF32Type();
  for (Value v : operands)
    if (auto t = dyn_cast<TensorType>(v.getType())) {
      elem = t.getElementType();
      break;
    }
  state.addTypes(SmallVector<Type>(numResults, UnrankedTensorType::get(elem)));
  Operation *probe = Operation::create(state);
  SmallVector<Diagnostic> captured;
  bool reachedInference = false;
  LogicalResult result = success();
  {
    ScopedDiagnosticHandler handler(&ctx, [&](Diagnostic &d) {
      if (d.str().find("inferred type(s)") != std::string::npos)
        reachedInference = true;
      else
        captured.push_back(std::move(d));
      return success();
    });
    result = opName.verifyInvariants(probe);
  }
  probe->destroy();
  if (succeeded(result) || reachedInference)
    return success();
  reemitVerifierErrors(captured);
  return failure();
}

/// Reports verifier diagnostics without their "see current operation" note;
/// an omitted required input (a none operand) is named as such.
static void reemitVerifierErrors(ArrayRef<Diagnostic> captured) {
  for (const Diagnostic &d : captured) {
    std::string msg = d.str();
    size_t at = msg.find("operand #");
    if (at != std::string::npos && StringRef(msg).contains("but got 'none'"))
      msg = "required input " + msg.substr(at + 9, msg.find(' ', at + 9) - at - 9) + " is missing";
    emitError(d.getLocation()) << msg;
  }
}

/// Runs `fn`, reporting its diagnostics like reemitVerifierErrors.
static LogicalResult withCleanDiagnostics(MLIRContext &ctx, function_ref<LogicalResult()> fn) {
  SmallVector<Diagnostic> captured;
  LogicalResult result = success();
  {
    ScopedDiagnosticHandler handler(&ctx, [&](Diagnostic &d) {
      captured.push_back(std::move(d));
      return success();
    });
    result = fn();
  }
  reemitVerifierErrors(captured);
  return result;
}

FailureOr<SmallVector<Value>> GraphImporter::buildOp(StringRef opType, ArrayRef<Value> inputs,
                                                     ArrayRef<NamedAttribute> attrs, Location loc) {
  std::string name = ("onnx." + opType).str();
  std::optional<RegisteredOperationName> opName = RegisteredOperationName::lookup(name, &ctx);
  auto *info = opName ? opName->getInterface<onnx::OnnxOp>() : nullptr;
  if (!info)
    return emitError(loc) << "unsupported op " << opType, failure();
  SmallVector<Value> operands(inputs);
  int numInputs = info->getOnnxNumInputs();
  if (numInputs >= 0) {
    if ((int)operands.size() > numInputs)
      return emitError(loc) << opType << " has " << operands.size() << " inputs, onnxc models "
                            << numInputs,
             failure();
    operands.resize(numInputs);
  }
  for (Value &v : operands)
    if (!v)
      v = none(loc);
  NamedAttrList kept;
  for (NamedAttribute a : attrs)
    if (llvm::is_contained(opName->getAttributeNames(), a.getName()))
      kept.push_back(a);
  opName->populateDefaultAttrs(kept);
  DictionaryAttr dict = kept.getDictionary(&ctx);
  // Variadic results (-1) verify with one placeholder.
  if (failed(checkAttributesAndOperands(*opName, operands, kept,
                                        std::max(info->getOnnxNumOutputs(), 1), loc)))
    return failure();
  SmallVector<Type> types;
  auto *infer = opName->getInterface<InferTypeOpInterface>();
  if (!infer || failed(withCleanDiagnostics(ctx, [&] {
        return infer->inferReturnTypes(&ctx, loc, operands, dict, OpaqueProperties(nullptr), RegionRange(),
                                       types);
      })))
    return failure();
  for (auto [i, t] : llvm::enumerate(types)) {
    auto shaped = dyn_cast<ShapedType>(t);
    if (!shaped || !shaped.hasStaticShape() || !shaped.getElementType().isIntOrFloat())
      continue;
    // Bytes, saturating on overflow: dims are each bounded, their product is not.
    int64_t bytes = llvm::divideCeil(shaped.getElementType().getIntOrFloatBitWidth(), 8);
    for (int64_t d : shaped.getShape())
      if (llvm::MulOverflow(bytes, d, bytes))
        bytes = INT64_MAX;
    if (bytes > maxTensorBytes)
      return emitError(loc) << "result " << i << " (" << t << ") needs " << bytes
                            << " bytes, more than the limit of " << maxTensorBytes
                            << " (raise it with --max-tensor-bytes)",
             failure();
  }
  OperationState state(loc, *opName);
  state.addOperands(operands);
  state.addAttributes(kept);
  state.addTypes(types);
  Operation *op = b.create(state);
  if (failed(withCleanDiagnostics(ctx, [&] { return mlir::verify(op, /*verifyRecursively=*/false); }))) {
    op->erase();
    return failure();
  }
  SmallVector<Value> folded;
  if (succeeded(b.tryFold(op, folded)) && !folded.empty()) {
    op->erase();
    return folded;
  }
  return SmallVector<Value>(op->getResults());
}

Value GraphImporter::constI64(ArrayRef<int64_t> values, Location loc) {
  auto type = RankedTensorType::get({(int64_t)values.size()}, b.getI64Type());
  return onnx::ConstantOp::create(b, loc, DenseElementsAttr::get(type, values));
}

Value GraphImporter::constF32Scalar(float value, Location loc) {
  auto type = RankedTensorType::get({}, b.getF32Type());
  return onnx::ConstantOp::create(b, loc, DenseElementsAttr::get(type, value));
}

Value GraphImporter::none(Location loc) { return onnx::NoValueOp::create(b, loc); }

namespace {

/// The location every op built for a node carries: the node name, with the
/// op type nested inside (see compiler/Diagnostics.cpp).
Location nodeLoc(MLIRContext &ctx, const ::onnx::NodeProto &node, size_t index) {
  std::string name = node.name().empty() ? node.op_type() + "_" + std::to_string(index) : node.name();
  return NameLoc::get(StringAttr::get(&ctx, name), NameLoc::get(StringAttr::get(&ctx, node.op_type())));
}

Location valueLoc(MLIRContext &ctx, StringRef name, StringRef kind) {
  return NameLoc::get(StringAttr::get(&ctx, name), NameLoc::get(StringAttr::get(&ctx, kind)));
}

/// The static tensor type of a graph input, with --input-shape overrides.
FailureOr<RankedTensorType> inputType(MLIRContext &ctx, const ::onnx::ValueInfoProto &vi,
                                      const ImportOptions &options, Location loc) {
  if (!vi.type().has_tensor_type())
    return emitError(loc) << "input '" << vi.name()
                          << "' is not a tensor (sequence, map and optional inputs are not supported)",
           failure();
  const auto &tt = vi.type().tensor_type();
  Type elem = onnx::elementTypeFromOnnx(&ctx, tt.elem_type());
  if (!elem)
    return emitError(loc) << "input '" << vi.name() << "' has unsupported element type "
                          << tt.elem_type(),
           failure();
  SmallVector<int64_t> shape;
  auto it = options.inputShapes.find(vi.name());
  if (it != options.inputShapes.end()) {
    shape.assign(it->second.begin(), it->second.end());
    if (tt.has_shape() && tt.shape().dim_size() != (int)shape.size())
      return emitError(loc) << "--input-shape for '" << vi.name() << "' has rank " << shape.size()
                            << ", the model declares rank " << tt.shape().dim_size(),
             failure();
  } else {
    if (!tt.has_shape())
      return emitError(loc) << "input '" << vi.name()
                            << "' has no shape; give one with --input-shape=" << vi.name() << ":DIMS",
             failure();
    for (int i = 0; i < tt.shape().dim_size(); ++i) {
      const auto &d = tt.shape().dim(i);
      if (!d.has_dim_value() || d.dim_value() < 0)
        return emitError(loc) << "input '" << vi.name() << "' has dynamic dimension " << i
                              << (d.has_dim_param() ? " ('" + d.dim_param() + "')" : std::string())
                              << "; fix it with --input-shape=" << vi.name() << ":DIMS",
               failure();
      shape.push_back(d.dim_value());
    }
  }
  for (int64_t d : shape)
    if (d < 0)
      return emitError(loc) << "input '" << vi.name() << "' has a negative dimension", failure();
  if (!onnx::checkedProduct(shape))
    return emitError(loc) << "input '" << vi.name() << "' has too many elements", failure();
  return RankedTensorType::get(shape, elem);
}

/// A --bind-input value must have the declared element type and agree with
/// every declared static dimension.
LogicalResult checkBoundValue(const ::onnx::ValueInfoProto &vi, ShapedType value, Location loc) {
  if (!vi.type().has_tensor_type())
    return emitError(loc) << "input '" << vi.name() << "' is not a tensor and cannot be bound";
  const auto &tt = vi.type().tensor_type();
  Type elem = onnx::elementTypeFromOnnx(loc.getContext(), tt.elem_type());
  if (elem != value.getElementType())
    return emitError(loc) << "the value bound to input '" << vi.name() << "' has element type "
                          << value.getElementType() << ", the model declares " << elem;
  if (!tt.has_shape())
    return success();
  bool agrees = tt.shape().dim_size() == value.getRank();
  for (int i = 0; agrees && i < tt.shape().dim_size(); ++i)
    agrees = !tt.shape().dim(i).has_dim_value() || tt.shape().dim(i).dim_value() == value.getDimSize(i);
  if (!agrees)
    return emitError(loc) << "the value bound to input '" << vi.name() << "' has shape "
                          << value.getShape() << ", which disagrees with the declared shape";
  return success();
}

/// Node indices in an order where every input is defined before use.
FailureOr<SmallVector<int>> topologicalOrder(MLIRContext &ctx, const ::onnx::GraphProto &graph,
                                             const llvm::StringSet<> &available) {
  llvm::StringMap<int> producer;
  for (int i = 0; i < graph.node_size(); ++i)
    for (const std::string &out : graph.node(i).output()) {
      if (out.empty())
        continue;
      if (available.contains(out) || !producer.try_emplace(out, i).second)
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
        if (in.empty() || available.contains(in))
          continue;
        auto p = producer.find(in);
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

} // namespace

OwningOpRef<ModuleOp> importModel(MLIRContext &ctx, const ::onnx::ModelProto &model,
                                  const ImportOptions &options) {
  ctx.loadDialect<onnx::OnnxDialect, func::FuncDialect>();
  Location unknown = UnknownLoc::get(&ctx);
  if (!model.has_graph())
    return emitError(unknown) << "the file has no graph (not an ONNX model?)", nullptr;
  if (model.ir_version() > kMaxIrVersion)
    return emitError(unknown) << "IR version " << model.ir_version()
                              << " is newer than the newest supported (" << kMaxIrVersion << ")",
           nullptr;
  int64_t opset = -1;
  llvm::StringMap<int64_t> domains;
  for (const auto &imp : model.opset_import()) {
    domains[imp.domain()] = imp.version();
    if (imp.domain().empty() || imp.domain() == "ai.onnx")
      opset = imp.version();
  }
  if (opset < 0)
    opset = model.opset_import_size() == 0 ? 1 : -1;
  if (opset > kMaxOpset)
    return emitError(unknown) << "opset " << opset << " is newer than the newest supported ("
                              << kMaxOpset << ")",
           nullptr;
  const ::onnx::GraphProto &graph = model.graph();
  if (graph.node_size() > options.maxNodes)
    return emitError(unknown) << "the graph has " << graph.node_size() << " nodes, more than the limit "
                              << options.maxNodes << " (raise it with --max-nodes)",
           nullptr;

  OpBuilder b(&ctx);
  OwningOpRef<ModuleOp> module = ModuleOp::create(unknown);
  b.setInsertionPointToEnd(module->getBody());
  llvm::StringMap<Value> values;
  llvm::StringSet<> available;
  GraphImporter importer(ctx, b, options.maxTensorBytes);

  // Runtime inputs: graph inputs that are not initializers.
  llvm::StringSet<> initializerNames;
  for (const auto &init : graph.initializer())
    initializerNames.insert(init.name());
  SmallVector<Type> argTypes;
  SmallVector<std::string> argNames;
  llvm::StringMap<const ::onnx::ValueInfoProto *> boundDecls;
  for (const auto &vi : graph.input()) {
    if (initializerNames.contains(vi.name()))
      continue;
    if (options.boundInputs.count(vi.name())) {
      boundDecls[vi.name()] = &vi;
      continue;
    }
    if (vi.name().empty() || available.contains(vi.name()))
      return emitError(unknown) << "graph input '" << vi.name() << "' is empty or repeated", nullptr;
    auto t = inputType(ctx, vi, options, valueLoc(ctx, vi.name(), "input"));
    if (failed(t))
      return nullptr;
    argTypes.push_back(*t);
    argNames.push_back(vi.name());
    available.insert(vi.name());
  }
  for (auto &[name, shape] : options.inputShapes)
    if (!available.contains(name))
      return emitError(unknown) << "--input-shape names '" << name << "', which is not a model input",
             nullptr;
  for (auto &[name, tensor] : options.boundInputs)
    if (!boundDecls.count(name))
      return emitError(unknown) << "--bind-input names '" << name
                                << "', which is not a model input (or is an initializer)",
             nullptr;

  auto func = func::FuncOp::create(b, unknown, options.funcName, b.getFunctionType(argTypes, {}));
  Block *entry = func.addEntryBlock();
  b.setInsertionPointToStart(entry);
  for (auto [i, name] : llvm::enumerate(argNames)) {
    values[name] = entry->getArgument(i);
    func.setArgAttr(i, onnx::kValueNameAttr, b.getStringAttr(name));
  }

  int64_t constantBytes = 0;
  for (const auto &init : graph.initializer()) {
    Location loc = valueLoc(ctx, init.name(), "initializer");
    auto attr = importTensor(ctx, init, options.externalData);
    if (!attr)
      return emitError(loc) << "initializer '" << init.name()
                            << "': " << llvm::toString(attr.takeError()),
             nullptr;
    auto st = cast<ShapedType>(attr->getType());
    constantBytes += st.getNumElements() * std::max<int64_t>(1, st.getElementTypeBitWidth() / 8);
    if (constantBytes > options.maxConstantBytes)
      return emitError(loc) << "constants exceed the limit of " << options.maxConstantBytes
                            << " bytes (raise it with --max-constant-bytes)",
             nullptr;
    if (available.contains(init.name()) && !values.count(init.name()))
      return emitError(loc) << "initializer '" << init.name() << "' is defined twice", nullptr;
    values[init.name()] = onnx::ConstantOp::create(b, loc, *attr);
    available.insert(init.name());
  }

  for (auto &[name, tensor] : options.boundInputs) {
    Location loc = valueLoc(ctx, name, "input");
    auto attr = importTensor(ctx, *tensor);
    if (!attr)
      return emitError(loc) << "--bind-input '" << name << "': " << llvm::toString(attr.takeError()),
             nullptr;
    if (failed(checkBoundValue(*boundDecls[name], cast<ShapedType>(attr->getType()), loc)))
      return nullptr;
    values[name] = onnx::ConstantOp::create(b, loc, *attr);
    available.insert(name);
  }

  auto order = topologicalOrder(ctx, graph, available);
  if (failed(order))
    return nullptr;
  llvm::StringMap<std::string> unsupportedValues;
  for (int index : *order) {
    const ::onnx::NodeProto &node = graph.node(index);
    Location loc = nodeLoc(ctx, node, index);
    if (!node.domain().empty() && node.domain() != "ai.onnx")
      return emitError(loc) << "unsupported op " << node.op_type() << " from domain '" << node.domain()
                            << "'",
             nullptr;
    NodeState state{node.op_type(), {}, {}, loc, opset, std::nullopt, node.output_size()};
    for (const std::string &in : node.input()) {
      if (in.empty()) {
        state.inputs.push_back(Value());
        continue;
      }
      if (auto u = unsupportedValues.find(in); u != unsupportedValues.end())
        return emitError(loc) << "input '" << in << "' is " << u->second, nullptr;
      state.inputs.push_back(values.lookup(in));
    }
    for (const auto &a : node.attribute()) {
      if (a.name().empty())
        return emitError(loc) << "an attribute has no name", nullptr;
      auto attr = importAttribute(ctx, a);
      if (!attr)
        return emitError(loc) << llvm::toString(attr.takeError()), nullptr;
      state.attrs.set(a.name(), *attr);
    }
    if (failed(importer.upgrade(state)))
      return nullptr;
    if (!state.results && failed(importer.decompose(state)))
      return nullptr;
    SmallVector<Value> results;
    if (state.results) {
      results = *state.results;
    } else {
      auto built = importer.buildOp(state.opType, state.inputs, state.attrs.getAttrs(), loc);
      if (failed(built))
        return nullptr;
      results = *built;
    }
    for (int i = 0; i < node.output_size(); ++i) {
      const std::string &out = node.output(i);
      if (out.empty())
        continue;
      if (i < (int)results.size())
        values[out] = results[i];
      else
        unsupportedValues[out] = "output " + std::to_string(i) + " of " + node.op_type() +
                                 ", which onnxc does not compute";
    }
  }

  SmallVector<Value> results;
  for (const auto &out : graph.output()) {
    Value v = values.lookup(out.name());
    if (auto u = unsupportedValues.find(out.name()); !v && u != unsupportedValues.end())
      return emitError(valueLoc(ctx, out.name(), "output"))
                 << "graph output '" << out.name() << "' is " << u->second,
             nullptr;
    if (!v)
      return emitError(valueLoc(ctx, out.name(), "output"))
                 << "graph output '" << out.name() << "' is not produced by any node",
             nullptr;
    results.push_back(v);
  }
  if (results.empty())
    return emitError(unknown) << "the graph has no outputs", nullptr;
  func::ReturnOp::create(b, unknown, results);
  func.setFunctionType(b.getFunctionType(argTypes, ValueRange(results).getTypes()));
  for (auto [i, out] : llvm::enumerate(graph.output()))
    func.setResultAttr(i, onnx::kValueNameAttr, b.getStringAttr(out.name()));
  if (failed(mlir::verify(*module)))
    return nullptr;
  return module;
}

} // namespace onnxc
