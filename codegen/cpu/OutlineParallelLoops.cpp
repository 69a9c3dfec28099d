// Moves loops marked onnxc.parallel into task functions run by the runtime's onnxc_parallel_for_measured.
//
// A marked `scf.for %i = 0 to N step 1` becomes
//   ctx = {captured values}; onnxc_parallel_for_measured(@task, &ctx, N)
// with `task(ctx, begin, end)` running iterations [begin, end). Memrefs travel
// as their LLVM descriptors (cast with unrealized_conversion_cast, which the
// memref-to-LLVM conversion resolves) with the target's index width, indices
// as that width. The task's begin/end are i64 (the C ABI). Each iteration writes a
// disjoint output tile, so the result does not depend on the thread count.
#include "codegen/Passes.h"
#include "target/TargetInfo.h"

#include "mlir/Transforms/RegionUtils.h"

using namespace mlir;

namespace onnxc::codegen {
#define GEN_PASS_DEF_OUTLINEPARALLELLOOPS
#include "codegen/Passes.h.inc"

namespace {

constexpr const char *kRuntimeParallelFor = "onnxc_parallel_for_measured";
constexpr const char *kRuntimeRunBegin = "onnxc_run_begin";
constexpr const char *kRuntimeRunEnd = "onnxc_run_end";

/// The LLVM descriptor struct of a memref of `rank` dimensions.
Type descriptorType(MLIRContext *ctx, int64_t rank, Type indexInt) {
  auto ptr = LLVM::LLVMPointerType::get(ctx);
  SmallVector<Type> fields{ptr, ptr, indexInt};
  if (rank > 0)
    fields.append(2, LLVM::LLVMArrayType::get(indexInt, rank));
  return LLVM::LLVMStructType::getLiteral(ctx, fields);
}

/// A memref whose shape, strides and offset are all static travels as its
/// aligned pointer alone; the task rebuilds the descriptor from constants.
bool travelsAsPointer(MemRefType m) {
  SmallVector<int64_t> strides;
  int64_t offset;
  return m.hasStaticShape() && succeeded(m.getStridesAndOffset(strides, offset)) &&
         !ShapedType::isDynamic(offset) && llvm::none_of(strides, ShapedType::isDynamic);
}

/// The LLVM type that carries `t` through the task context, or null.
Type contextFieldType(Type t, unsigned indexBits) {
  MLIRContext *ctx = t.getContext();
  auto indexInt = IntegerType::get(ctx, indexBits);
  if (auto m = dyn_cast<MemRefType>(t)) {
    if (m.getMemorySpace())
      return {};
    if (travelsAsPointer(m))
      return LLVM::LLVMPointerType::get(ctx);
    return descriptorType(ctx, m.getRank(), indexInt);
  }
  if (isa<IndexType>(t))
    return indexInt;
  if (t.isSignlessIntOrFloat()) // ui8 and si8 scalars have no LLVM type
    return t;
  return {};
}

Value toContextField(OpBuilder &b, Location loc, Value v, Type field, unsigned indexBits) {
  if (auto m = dyn_cast<MemRefType>(v.getType())) {
    if (!isa<LLVM::LLVMPointerType>(field))
      return UnrealizedConversionCastOp::create(b, loc, field, v).getResult(0);
    Type desc = descriptorType(b.getContext(), m.getRank(), b.getIntegerType(indexBits));
    Value d = UnrealizedConversionCastOp::create(b, loc, desc, v).getResult(0);
    return LLVM::ExtractValueOp::create(b, loc, d, ArrayRef<int64_t>{1});
  }
  if (isa<IndexType>(v.getType()))
    return arith::IndexCastOp::create(b, loc, field, v);
  return v;
}

Value fromContextField(OpBuilder &b, Location loc, Value v, Type original, unsigned indexBits) {
  if (auto m = dyn_cast<MemRefType>(original)) {
    if (!isa<LLVM::LLVMPointerType>(v.getType()))
      return UnrealizedConversionCastOp::create(b, loc, original, v).getResult(0);
    // Rebuild the descriptor of a static memref around its aligned pointer.
    auto indexInt = b.getIntegerType(indexBits);
    Type descType = descriptorType(b.getContext(), m.getRank(), indexInt);
    SmallVector<int64_t> strides;
    int64_t offset;
    (void)m.getStridesAndOffset(strides, offset);
    auto constant = [&](int64_t c) {
      return LLVM::ConstantOp::create(b, loc, indexInt, b.getIntegerAttr(indexInt, c));
    };
    Value d = LLVM::PoisonOp::create(b, loc, descType);
    d = LLVM::InsertValueOp::create(b, loc, d, v, ArrayRef<int64_t>{0});
    d = LLVM::InsertValueOp::create(b, loc, d, v, ArrayRef<int64_t>{1});
    d = LLVM::InsertValueOp::create(b, loc, d, constant(offset), ArrayRef<int64_t>{2});
    for (int64_t i = 0; i < m.getRank(); ++i) {
      d = LLVM::InsertValueOp::create(b, loc, d, constant(m.getDimSize(i)), ArrayRef<int64_t>{3, i});
      d = LLVM::InsertValueOp::create(b, loc, d, constant(strides[i]), ArrayRef<int64_t>{4, i});
    }
    return UnrealizedConversionCastOp::create(b, loc, original, d).getResult(0);
  }
  if (isa<IndexType>(original))
    return arith::IndexCastOp::create(b, loc, original, v);
  return v;
}

/// The module's declaration of the runtime function `name`, added if missing.
func::FuncOp runtimeFunction(ModuleOp module, StringRef name, FunctionType type) {
  if (auto f = module.lookupSymbol<func::FuncOp>(name))
    return f;
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  auto f = func::FuncOp::create(b, module.getLoc(), name, type);
  f.setPrivate();
  return f;
}

func::FuncOp runtimeParallelFor(ModuleOp module, FunctionType taskType) {
  MLIRContext *ctx = module.getContext();
  return runtimeFunction(module, kRuntimeParallelFor,
                         FunctionType::get(ctx, {taskType, LLVM::LLVMPointerType::get(ctx), IntegerType::get(ctx, 64)},
                                           {}));
}

struct OutlineParallelLoopsPass : impl::OutlineParallelLoopsBase<OutlineParallelLoopsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<std::pair<func::FuncOp, scf::ForOp>> loops;
    module.walk([&](scf::ForOp loop) {
      // Marked loops, and the serial loop nests at the top of a function.
      if (loop->hasAttr(kParallelAttr) || (isa<func::FuncOp>(loop->getParentOp()) && !loop.getNumResults()))
        loops.push_back({loop->getParentOfType<func::FuncOp>(), loop});
    });
    indexBits = targetOf(module).indexBits;
    unsigned count = 0;
    SmallVector<func::FuncOp> tasks;
    for (auto [parent, loop] : loops) {
      bool parallel = loop->hasAttr(kParallelAttr);
      loop->removeAttr(kParallelAttr);
      if (auto task = outline(module, parent, loop, parent.getSymName().str() + "_task" + std::to_string(count++),
                              parallel))
        tasks.push_back(task);
    }
    mergeIdenticalTasks(module, tasks);
    bracketRuns(module);
  }

  /// Calls onnxc_run_begin/onnxc_run_end around the body of each public
  /// function that reaches the pool (the model's entry), keyed by one of its
  /// parallel tasks: the runtime compares whole runs with and without the
  /// pool and keeps the faster (runs on two cores never lose to one).
  void bracketRuns(ModuleOp module) {
    func::ConstantOp key;
    module.walk([&](func::CallOp call) {
      if (!key && call.getCallee() == kRuntimeParallelFor)
        key = call.getOperand(0).getDefiningOp<func::ConstantOp>();
    });
    if (!key)
      return;
    MLIRContext *ctx = module.getContext();
    Type keyType = key.getType(), i64 = IntegerType::get(ctx, 64);
    func::FuncOp begin = runtimeFunction(module, kRuntimeRunBegin, FunctionType::get(ctx, {keyType}, {i64}));
    func::FuncOp end = runtimeFunction(module, kRuntimeRunEnd, FunctionType::get(ctx, {keyType, i64}, {}));
    for (func::FuncOp f : module.getOps<func::FuncOp>()) {
      if (f.isPrivate() || f.isExternal())
        continue;
      OpBuilder b = OpBuilder::atBlockBegin(&f.getBody().front());
      Value k = func::ConstantOp::create(b, f.getLoc(), keyType, key.getValueAttr());
      Value start = func::CallOp::create(b, f.getLoc(), begin, ValueRange{k}).getResult(0);
      f.walk([&](func::ReturnOp ret) {
        OpBuilder rb(ret);
        func::CallOp::create(rb, ret.getLoc(), end, ValueRange{k, start});
      });
    }
  }

  /// Keeps one task of each set with equal bodies (convs of one shape differ
  /// only in the buffers their context carries) and points every call at it:
  /// densenet121's 1314 tasks hold 910 distinct bodies. `tasks` is in creation
  /// order, so a task's nested tasks are merged before the task is compared.
  void mergeIdenticalTasks(ModuleOp module, ArrayRef<func::FuncOp> tasks) {
    DenseMap<StringAttr, FlatSymbolRefAttr> replacement;
    auto redirect = [&](Operation *root) {
      root->walk([&](Operation *op) {
        if (auto call = dyn_cast<func::CallOp>(op)) {
          if (auto to = replacement.lookup(call.getCalleeAttr().getAttr()))
            call.setCalleeAttr(to);
        } else if (auto ref = dyn_cast<func::ConstantOp>(op)) {
          if (auto to = replacement.lookup(ref.getValueAttr().getAttr()))
            ref.setValueAttr(to);
        }
      });
    };
    DenseMap<size_t, SmallVector<func::FuncOp>> kept;
    for (func::FuncOp task : tasks) {
      redirect(task);
      llvm::hash_code hash = llvm::hash_value(task.getFunctionType().getAsOpaquePointer());
      task.getBody().walk([&](Operation *op) {
        hash = llvm::hash_combine(hash, OperationEquivalence::computeHash(op, OperationEquivalence::ignoreHashValue,
                                                                          OperationEquivalence::ignoreHashValue,
                                                                          OperationEquivalence::IgnoreLocations));
      });
      SmallVector<func::FuncOp> &same = kept[hash];
      auto equal = llvm::find_if(same, [&](func::FuncOp other) {
        return other.getFunctionType() == task.getFunctionType() &&
               other->getDiscardableAttrDictionary() == task->getDiscardableAttrDictionary() &&
               OperationEquivalence::isRegionEquivalentTo(&other.getBody(), &task.getBody(),
                                                          OperationEquivalence::IgnoreLocations);
      });
      if (equal == same.end()) {
        same.push_back(task);
        continue;
      }
      replacement[task.getSymNameAttr()] = FlatSymbolRefAttr::get(*equal);
      task.erase();
    }
    if (!replacement.empty())
      redirect(module);
  }

  unsigned indexBits = 64;

  /// Moves `loop` into a task function run through the runtime (`parallel`)
  /// or called directly (a serial loop nest in a function of its own keeps
  /// LLVM's loop passes, superlinear in function size, fast). Leaves the loop
  /// in place when its shape or captures do not fit. Returns the task, or null.
  func::FuncOp outline(ModuleOp module, func::FuncOp parent, scf::ForOp loop, const std::string &name, bool parallel) {
    auto lb = getConstantIntValue(loop.getLowerBound()), ub = getConstantIntValue(loop.getUpperBound()),
         st = getConstantIntValue(loop.getStep());
    if (!lb || *lb != 0 || !st || *st != 1 || !ub || *ub < (parallel ? 2 : 1) || loop.getNumResults())
      return {};
    SetVector<Value> used;
    getUsedValuesDefinedAbove(loop.getRegion(), used);
    SmallVector<Value> constants, captured;
    SmallVector<Type> fieldTypes;
    for (Value v : used) {
      Operation *def = v.getDefiningOp();
      if (def && def->hasTrait<OpTrait::ConstantLike>()) {
        constants.push_back(v);
        continue;
      }
      Type field = contextFieldType(v.getType(), indexBits);
      if (!field)
        return {};
      captured.push_back(v);
      fieldTypes.push_back(field);
    }
    MLIRContext *ctx = &getContext();
    Location loc = loop.getLoc();
    auto ptr = LLVM::LLVMPointerType::get(ctx);
    auto i64 = IntegerType::get(ctx, 64);
    auto ctxType = LLVM::LLVMStructType::getLiteral(ctx, fieldTypes);
    auto taskType = FunctionType::get(ctx, {ptr, i64, i64}, {});
    auto gep = [&](OpBuilder &b, Value base, int64_t field) {
      return LLVM::GEPOp::create(b, loc, ptr, ctxType, base,
                                 ArrayRef<LLVM::GEPArg>{0, (int32_t)field});
    };

    // The task: unpack the context, run iterations [begin, end).
    OpBuilder mb(parent);
    mb.setInsertionPointAfter(parent);
    auto task = func::FuncOp::create(mb, loc, name, taskType);
    task.setPrivate();
    if (!parallel) // one call site: LLVM would inline it back
      task->setAttr("passthrough", mb.getArrayAttr({mb.getStringAttr("noinline")}));
    Block *entry = task.addEntryBlock();
    OpBuilder b = OpBuilder::atBlockEnd(entry);
    IRMapping map;
    for (Value c : constants)
      map.map(c, b.clone(*c.getDefiningOp())->getResult(0));
    for (auto [i, v] : llvm::enumerate(captured)) {
      Value field = LLVM::LoadOp::create(b, loc, fieldTypes[i], gep(b, entry->getArgument(0), i));
      map.map(v, fromContextField(b, loc, field, v.getType(), indexBits));
    }
    auto toIndex = [&](Value v) { return arith::IndexCastOp::create(b, loc, b.getIndexType(), v); };
    auto body = scf::ForOp::create(b, loc, toIndex(entry->getArgument(1)),
                                   toIndex(entry->getArgument(2)),
                                   arith::ConstantIndexOp::create(b, loc, 1));
    map.map(loop.getInductionVar(), body.getInductionVar());
    {
      OpBuilder bb = OpBuilder::atBlockBegin(body.getBody());
      for (Operation &op : loop.getBody()->without_terminator())
        bb.clone(op, map);
    }
    func::ReturnOp::create(b, loc);

    // The call site: pack the context on the stack, hand the range to the runtime.
    OpBuilder cb(loop);
    Value ctxPtr;
    if (captured.empty()) {
      ctxPtr = LLVM::ZeroOp::create(cb, loc, ptr);
    } else {
      OpBuilder ab = OpBuilder::atBlockBegin(&parent.front());
      Value one = LLVM::ConstantOp::create(ab, loc, i64, ab.getI64IntegerAttr(1));
      ctxPtr = LLVM::AllocaOp::create(ab, loc, ptr, ctxType, one);
    }
    for (auto [i, v] : llvm::enumerate(captured))
      LLVM::StoreOp::create(cb, loc, toContextField(cb, loc, v, fieldTypes[i], indexBits), gep(cb, ctxPtr, i));
    if (parallel) {
      Value fn = func::ConstantOp::create(cb, loc, taskType, SymbolRefAttr::get(task));
      Value n = arith::ConstantIntOp::create(cb, loc, *ub, 64);
      func::CallOp::create(cb, loc, runtimeParallelFor(module, taskType), ValueRange{fn, ctxPtr, n});
    } else {
      Value zero = arith::ConstantIntOp::create(cb, loc, 0, 64);
      Value n = arith::ConstantIntOp::create(cb, loc, *ub, 64);
      func::CallOp::create(cb, loc, task, ValueRange{ctxPtr, zero, n});
    }
    loop.erase();
    return task;
  }
};

} // namespace
} // namespace onnxc::codegen
