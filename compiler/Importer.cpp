// Imports an ONNX ModelProto into a func.func of onnx dialect ops (checks, topological order).
#include "compiler/Importer.h"
#include "dialects/onnx/NarrowTypes.h"
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
  if (++opsBuilt == options.failOpBuildAt)
    return emitError(loc) << "injected failure of op " << opsBuilt << " (" << opType << ", --inject-op-failure)",
           failure();
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
  if (!onnx::opTakesNarrowTypes(opType)) {
    SmallVector<Type> all(types);
    for (Value v : operands)
      all.push_back(v.getType());
    for (Type t : all)
      if (auto shaped = dyn_cast<ShapedType>(t); shaped && onnx::isNarrowType(shaped.getElementType()))
        return emitError(loc) << opType << " does not take "
                              << onnx::onnxTypeName(onnx::onnxCodeFromElementType(shaped.getElementType()))
                              << " tensors (onnxc moves and converts them: Cast, QuantizeLinear, "
                                 "DequantizeLinear and data-movement ops)",
               failure();
  }
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
                          << onnx::onnxTypeName(tt.elem_type()),
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
  // Bytes of the nonzero dims: a 0 dim must not hide absurd others.
  int64_t bytes = elem.isIntOrFloat() ? llvm::divideCeil(elem.getIntOrFloatBitWidth(), 8) : 1;
  for (int64_t d : shape)
    if (d != 0 && llvm::MulOverflow(bytes, d, bytes))
      return emitError(loc) << "input '" << vi.name() << "' has too many elements", failure();
  if (bytes > options.maxTensorBytes)
    return emitError(loc) << "input '" << vi.name() << "' (" << RankedTensorType::get(shape, elem) << ") needs "
                          << bytes << " bytes" << (llvm::is_contained(shape, 0) ? " not counting its 0 dims" : "")
                          << ", more than the limit of " << options.maxTensorBytes
                          << " (raise it with --max-tensor-bytes)",
           failure();
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
  Scope scope;
  GraphImporter importer(ctx, b, options, opset);

  // Runtime inputs: graph inputs that are not initializers.
  llvm::StringSet<> initializerNames, declared;
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
    if (vi.name().empty() || !declared.insert(vi.name()).second)
      return emitError(unknown) << "graph input '" << vi.name() << "' is empty or repeated", nullptr;
    auto t = inputType(ctx, vi, options, valueLoc(ctx, vi.name(), "input"));
    if (failed(t))
      return nullptr;
    argTypes.push_back(*t);
    argNames.push_back(vi.name());
  }
  for (auto &[name, shape] : options.inputShapes)
    if (!declared.contains(name))
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
    scope.values[name] = entry->getArgument(i);
    func.setArgAttr(i, onnx::kValueNameAttr, b.getStringAttr(name));
  }
  if (failed(importer.importInitializers(graph, scope)))
    return nullptr;
  for (auto &[name, tensor] : options.boundInputs) {
    Location loc = valueLoc(ctx, name, "input");
    auto attr = importTensor(ctx, *tensor);
    if (!attr)
      return emitError(loc) << "--bind-input '" << name << "': " << llvm::toString(attr.takeError()),
             nullptr;
    if (failed(checkBoundValue(*boundDecls[name], cast<ShapedType>(attr->getType()), loc)))
      return nullptr;
    scope.values[name] = onnx::ConstantOp::create(b, loc, *attr);
  }
  if (failed(importer.importNodes(graph, scope)))
    return nullptr;

  SmallVector<Value> results;
  for (const auto &out : graph.output()) {
    Value v = scope.lookup(out.name());
    if (scope.sequence(out.name()))
      return emitError(scope.sequenceMaker(out.name()))
                 << "graph output '" << out.name() << "' is a sequence; onnxc outputs tensors only",
             nullptr;
    if (const std::string *why = scope.whyMissing(out.name()); !v && why)
      return emitError(valueLoc(ctx, out.name(), "output"))
                 << "graph output '" << out.name() << "' is " << *why,
             nullptr;
    if (!v)
      return emitError(valueLoc(ctx, out.name(), "output"))
                 << "graph output '" << out.name() << "' is not produced by any node",
             nullptr;
    results.push_back(v);
  }
  if (results.empty())
    return emitError(unknown) << "the graph has no outputs", nullptr;
  // Outputs sized at run time: their actual dims travel in one hidden last result.
  SmallVector<Value> dimValues;
  SmallVector<SmallVector<int64_t>> runtimeDimsOf(results.size());
  for (auto [i, v] : llvm::enumerate(results))
    if (auto it = importer.runtimeDims.find(v); it != importer.runtimeDims.end())
      for (auto [d, dim] : llvm::enumerate(it->second))
        if (dim) {
          runtimeDimsOf[i].push_back(d);
          auto one = importer.buildOp("Reshape", {dim, importer.constI64({1}, unknown)}, {}, unknown);
          if (failed(one))
            return nullptr;
          dimValues.push_back((*one)[0]);
        }
  if (!dimValues.empty()) {
    if (options.noRuntimeDims) {
      size_t first = llvm::find_if(runtimeDimsOf, [](auto &d) { return !d.empty(); }) - runtimeDimsOf.begin();
      return emitError(valueLoc(ctx, graph.output(first).name(), "output"))
                 << "graph output '" << graph.output(first).name()
                 << "' is sized at run time; outputs sized at run time (NonZero, Compress, Unique, "
                    "NonMaxSuppression) are not supported on this target",
             nullptr;
    }
    auto all = importer.buildOp("Concat", dimValues, {b.getNamedAttr("axis", b.getI64IntegerAttr(0))}, unknown);
    if (failed(all))
      return nullptr;
    results.push_back((*all)[0]);
  }
  func::ReturnOp::create(b, unknown, results);
  func.setFunctionType(b.getFunctionType(argTypes, ValueRange(results).getTypes()));
  for (auto [i, out] : llvm::enumerate(graph.output())) {
    func.setResultAttr(i, onnx::kValueNameAttr, b.getStringAttr(out.name()));
    if (!runtimeDimsOf[i].empty())
      func.setResultAttr(i, onnx::kRuntimeDimsAttr, b.getDenseI64ArrayAttr(runtimeDimsOf[i]));
  }
  if (!dimValues.empty())
    func->setAttr(onnx::kOutputDimsResultAttr, b.getUnitAttr());
  if (failed(mlir::verify(*module)))
    return nullptr;
  if (options.failOpBuildAt < 0)
    emitRemark(unknown) << "the importer built " << importer.opsBuilt << " ops (--inject-op-failure)";
  return module;
}

} // namespace onnxc
