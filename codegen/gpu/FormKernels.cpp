// Kernel formation: every parallel loop nest of the host function becomes one gpu.launch (or, for the host check, plain loops).
#include "codegen/Passes.h"
#include "codegen/gpu/Contraction.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;

namespace onnxc::codegen {
#define GEN_PASS_DEF_FORMKERNELS
#include "codegen/Passes.h.inc"

namespace {

constexpr int64_t kThreadsPerBlock = 256;

/// True when `op` or anything nested in it reads or writes memory.
bool touchesMemory(Operation *op) {
  return !isMemoryEffectFree(op) || op->walk([](Operation *inner) {
                                        return isMemoryEffectFree(inner) ? WalkResult::advance()
                                                                         : WalkResult::interrupt();
                                      }).wasInterrupted();
}

bool containsParallelLoop(Operation *op) {
  return op->walk([](scf::ParallelOp) { return WalkResult::interrupt(); }).wasInterrupted();
}

/// True when `indices` of an access inside `loop` are `loop`'s induction
/// variables (in order) and constants.
bool atInductionVars(ValueRange indices, scf::ParallelOp loop, SmallVectorImpl<int64_t> &pattern) {
  pattern.clear();
  for (Value i : indices) {
    auto iv = llvm::find(loop.getInductionVars(), i);
    if (iv != loop.getInductionVars().end())
      pattern.push_back(-1 - (iv - loop.getInductionVars().begin()));
    else if (std::optional<int64_t> c = getConstantIntValue(i))
      pattern.push_back(*c);
    else
      return false;
  }
  return true;
}

/// Folds an init loop into the reduction that follows it: `init` writes each
/// element of one buffer once at its own index (a bias or a fill), `loop`
/// (same bounds) accumulates into that buffer at the same index and writes
/// nothing else. One thread then initializes and accumulates its element; the
/// memory plan already keeps every buffer the two loops touch apart.
bool fuseInitInto(scf::ParallelOp init, scf::ParallelOp loop) {
  if (init.getLowerBound() != loop.getLowerBound() || init.getUpperBound() != loop.getUpperBound() ||
      init.getStep() != loop.getStep())
    return false;
  SmallVector<memref::StoreOp> initStores;
  bool other = false;
  init.getBody()->walk([&](Operation *op) {
    if (auto store = dyn_cast<memref::StoreOp>(op))
      initStores.push_back(store);
    else if (!isMemoryEffectFree(op) && !isa<memref::LoadOp>(op))
      other = true;
  });
  SmallVector<int64_t> pattern, seen;
  if (other || initStores.size() != 1 || !atInductionVars(initStores[0].getIndices(), init, pattern))
    return false;
  Value target = initStores[0].getMemRef();
  if (init.getBody()->walk([&](memref::LoadOp l) {
        return l.getMemRef() == target ? WalkResult::interrupt() : WalkResult::advance();
      }).wasInterrupted())
    return false;
  bool ok = !loop.getBody()->walk([&](Operation *op) {
    auto load = dyn_cast<memref::LoadOp>(op);
    auto store = dyn_cast<memref::StoreOp>(op);
    if (store && (store.getMemRef() != target || !atInductionVars(store.getIndices(), loop, seen) || seen != pattern))
      return WalkResult::interrupt();
    if (load && load.getMemRef() == target && (!atInductionVars(load.getIndices(), loop, seen) || seen != pattern))
      return WalkResult::interrupt();
    if (!store && !load && !isMemoryEffectFree(op) && !isa<scf::ForOp, scf::ReduceOp>(op))
      return WalkResult::interrupt();
    return WalkResult::advance();
  }).wasInterrupted();
  if (!ok)
    return false;
  OpBuilder b(loop.getBody(), loop.getBody()->begin());
  IRMapping map;
  map.map(init.getInductionVars(), loop.getInductionVars());
  for (Operation &op : init.getBody()->without_terminator())
    b.clone(op, map);
  init.erase();
  return true;
}

/// Fuses each init loop in `block` into the parallel loop right after it.
void fuseInitLoops(Block &block) {
  for (Operation &op : llvm::make_early_inc_range(block)) {
    auto init = dyn_cast<scf::ParallelOp>(&op);
    if (!init)
      continue;
    Operation *next = init->getNextNode();
    while (next && isMemoryEffectFree(next) && next->getNumRegions() == 0)
      next = next->getNextNode(); // views and constants in between
    if (auto loop = dyn_cast_or_null<scf::ParallelOp>(next)) {
      // Values the init uses must be defined before the loop (they are: above both).
      fuseInitInto(init, loop);
    }
  }
}

constexpr int64_t kCoarsening = 4;       // outputs per thread along the chosen dim

/// The parallel dim along which one thread should compute kCoarsening
/// outputs, or -1: a dim that is not the innermost (coalescing), divides
/// evenly, and is one that some operand read in the reduction loops does
/// not depend on (that operand is then loaded once for all of them).
int64_t coarseningDim(scf::ParallelOp loop, ArrayRef<int64_t> counts, int64_t total) {
  if (total / kCoarsening < kMinThreads)
    return -1;
  SmallVector<memref::LoadOp> reads;
  loop.getBody()->walk([&](memref::LoadOp load) {
    if (load->getParentOfType<scf::ForOp>() && loop->isAncestor(load->getParentOfType<scf::ForOp>()))
      reads.push_back(load);
  });
  if (reads.empty())
    return -1;
  int64_t innermost = counts.size() - 1;
  while (innermost > 0 && counts[innermost] == 1)
    --innermost;
  int64_t best = -1, bestShared = 0;
  for (int64_t d = 0; d < innermost; ++d) {
    if (counts[d] < kCoarsening || counts[d] % kCoarsening)
      continue;
    Value iv = loop.getInductionVars()[d];
    int64_t shared = llvm::count_if(reads, [&](memref::LoadOp l) {
      return llvm::none_of(l.getIndices(), [&](Value i) { return dependsOn(i, iv, loop.getBody()); });
    });
    if (shared > bestShared)
      best = d, bestShared = shared;
  }
  return best;
}

constexpr int64_t kLanes = 32; // outputs per block when a reduction is split

struct FormKernelsPass : impl::FormKernelsBase<FormKernelsPass> {
  SmallVector<scf::ForOp> coarsened; // loops over a thread's outputs, unroll-jammed at the end
  SmallVector<gpu::LaunchOp> serials; // one-thread kernels

  using FormKernelsBase::FormKernelsBase;

  void runOnOperation() override {
    if (failed(formIn(getOperation().getBody().front())) || failed(checkSerialKernels()))
      return signalPassFailure();
    promoteAccumulators(getOperation());
    // Jammed, the copies of the reduction loops become one loop whose shared
    // loads LLVM reuses across the thread's outputs.
    for (scf::ForOp each : coarsened)
      (void)loopUnrollJamByFactor(each, kCoarsening);
  }

  /// Host control flow stays on the host; what computes becomes kernels.
  LogicalResult formIn(Block &block) {
    fuseInitLoops(block);
    SmallVector<Operation *> ops;
    for (Operation &op : block)
      ops.push_back(&op);
    gpu::LaunchOp serial; // the open one-thread kernel, if any
    for (Operation *op : ops) {
      if (op->hasTrait<OpTrait::IsTerminator>())
        break;
      // A load hoisted out of the loop nest right after it (Pad's value, a
      // scalar input) goes back in: kernels read device memory, the host may not.
      auto load = dyn_cast<memref::LoadOp>(op);
      auto next = load ? dyn_cast_or_null<scf::ParallelOp>(load->getNextNode()) : nullptr;
      if (next && llvm::all_of(load->getUsers(), [&](Operation *u) { return next->isAncestor(u); })) {
        load->moveBefore(&next.getBody()->front());
        continue;
      }
      if (auto loop = dyn_cast<scf::ParallelOp>(op)) {
        serial = nullptr;
        if (failed(parallelKernel(loop)))
          return failure();
        continue;
      }
      if (isa<scf::ForOp, scf::IfOp>(op) && containsParallelLoop(op)) {
        serial = nullptr;
        for (Region &region : op->getRegions())
          for (Block &inner : region)
            if (failed(formIn(inner)))
              return failure();
        continue;
      }
      bool usesSerial = serial && llvm::any_of(op->getOperands(), [&](Value v) {
                          return serial->isProperAncestor(v.getParentRegion()->getParentOp()) ||
                                 v.getParentRegion()->getParentOp() == serial;
                        });
      if (touchesMemory(op) || usesSerial) {
        if (!emulate)
          addToSerialKernel(op, serial);
      } else if (serial) {
        op->moveBefore(serial); // a view or constant: stays on the host, above the kernel
      }
    }
    return success();
  }

  /// Serial code (a loop carried through memory, scalar loads and stores and
  /// the arithmetic between them) runs on one GPU thread, consecutive pieces in
  /// one kernel; the host never touches device memory.
  void addToSerialKernel(Operation *op, gpu::LaunchOp &serial) {
    if (!serial) {
      OpBuilder b(op);
      Location loc = op->getLoc();
      Value one = arith::ConstantIndexOp::create(b, loc, 1);
      serial = gpu::LaunchOp::create(b, loc, one, one, one, one, one, one);
      b.setInsertionPointToStart(&serial.getBody().front());
      gpu::TerminatorOp::create(b, loc);
      serial->setAttr("onnxc.serial", b.getUnitAttr());
      serials.push_back(serial);
    }
    op->moveBefore(serial.getBody().front().getTerminator());
  }

  /// A value computed in a one-thread kernel and used by the host cannot be.
  LogicalResult checkSerialKernels() {
    for (gpu::LaunchOp launch : serials) {
      WalkResult walk = launch.walk([&](Operation *op) {
        for (Value r : op->getResults())
          for (Operation *user : r.getUsers())
            if (!launch->isAncestor(user)) {
              op->emitError("this computation returns values to the host; the GPU path cannot run it yet "
                            "(the CPU targets support it)");
              return WalkResult::interrupt();
            }
        return WalkResult::advance();
      });
      if (walk.wasInterrupted())
        return failure();
    }
    return success();
  }

  /// A reduction along contiguous memory: a warp per output, its lane l
  /// takes elements l, l + 32, ... (coalesced); the lanes' partials combine
  /// with xor shuffles (a fixed tree: deterministic), then the original init
  /// joins and the body's epilogue stores. `emitBody(output)` clones the body
  /// for one output behind its guard (warp-uniform). On the host the lanes
  /// run in turn into an array and the same tree combines it.
  void warpReduction(OpBuilder &b, scf::ParallelOp loop, Operation *combine, int64_t total,
                     function_ref<scf::IfOp(Value)> emitBody) {
    Location loc = loop.getLoc();
    auto cst = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v).getResult(); };
    int64_t warps = kThreadsPerBlock / 32, blocks = (total + warps - 1) / warps;
    Type elem = combine->getResult(0).getType();
    auto combined = [&](Value x, Value y) {
      Operation *c = b.clone(*combine);
      c->setOperands({x, y});
      return c->getResult(0);
    };
    // The body for `output` with its reduction cut to `lane`'s elements;
    // returns the reduction, its original init and the store of its result.
    auto laneSlice = [&](Value output, Value lane) {
      scf::IfOp body = emitBody(output);
      promoteAccumulators(body);
      auto [r, store] = reductionOf(body);
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPoint(r);
      int64_t step = *getConstantIntValue(r.getStep());
      Value init = r.getInitArgs()[0];
      r.setLowerBound(arith::AddIOp::create(b, loc, r.getLowerBound(), arith::MulIOp::create(b, loc, lane, cst(step))));
      r.setStep(cst(step * 32));
      r.getInitArgsMutable()[0].set(identityOf(b, loc, combine, elem));
      return std::make_tuple(r, init, store);
    };
    if (!emulate) {
      Value one = cst(1);
      auto launch = gpu::LaunchOp::create(b, loc, cst(blocks), one, one, cst(kThreadsPerBlock), one, one);
      b.setInsertionPointToStart(&launch.getBody().front());
      Value tid = launch.getThreadIds().x;
      Value lane = arith::RemUIOp::create(b, loc, tid, cst(32));
      Value output = arith::AddIOp::create(b, loc, arith::MulIOp::create(b, loc, launch.getBlockIds().x, cst(warps)),
                                           arith::DivUIOp::create(b, loc, tid, cst(32)));
      auto [r, init, store] = laneSlice(output, lane);
      b.setInsertionPointAfter(r);
      Value v = r.getResult(0);
      Value width = arith::ConstantIntOp::create(b, loc, b.getI32Type(), 32);
      for (int64_t offset = 16; offset >= 1; offset /= 2) {
        Value o = arith::ConstantIntOp::create(b, loc, b.getI32Type(), offset);
        v = combined(v, gpu::ShuffleOp::create(b, loc, v, o, width, gpu::ShuffleMode::XOR).getShuffleResult());
      }
      store.getValueMutable().set(combined(init, v));
      b.setInsertionPointToEnd(&launch.getBody().front());
      gpu::TerminatorOp::create(b, loc);
      return;
    }
    Value partials = memref::AllocaOp::create(b, loc, MemRefType::get({32}, elem));
    auto loopTo = [&](int64_t n) {
      auto l = scf::ForOp::create(b, loc, cst(0), cst(n), cst(1));
      b.setInsertionPointToStart(l.getBody());
      return l.getInductionVar();
    };
    Value block = loopTo(blocks);
    Value output = arith::AddIOp::create(b, loc, arith::MulIOp::create(b, loc, block, cst(warps)), loopTo(warps));
    {
      OpBuilder::InsertionGuard g(b);
      Value lane = loopTo(32);
      auto [r, init, store] = laneSlice(output, lane);
      b.setInsertionPoint(store);
      memref::StoreOp::create(b, loc, r.getResult(0), partials, ValueRange{lane});
      store.erase();
    }
    for (int64_t offset = 16; offset >= 1; offset /= 2) {
      OpBuilder::InsertionGuard g(b);
      Value l = loopTo(offset);
      Value x = memref::LoadOp::create(b, loc, partials, ValueRange{l});
      Value y = memref::LoadOp::create(b, loc, partials, ValueRange{arith::AddIOp::create(b, loc, l, cst(offset))});
      memref::StoreOp::create(b, loc, combined(x, y), partials, ValueRange{l});
    }
    scf::IfOp body = emitBody(output);
    promoteAccumulators(body);
    auto [r, store] = reductionOf(body);
    b.setInsertionPoint(r);
    Value total0 = memref::LoadOp::create(b, loc, partials, ValueRange{cst(0)});
    r.getResult(0).replaceAllUsesWith(combined(r.getInitArgs()[0], total0));
    r.erase();
  }

  /// One thread per iteration: the linear thread id is split into the loop's
  /// indices, the innermost fastest (consecutive threads, consecutive addresses).
  LogicalResult parallelKernel(scf::ParallelOp loop) {
    SmallVector<int64_t> lbs, steps, counts;
    if (!staticBounds(loop, counts, lbs, steps))
      return loop.emitError("a loop with dynamic bounds cannot be mapped to GPU threads yet (the CPU targets "
                            "support it)");
    int64_t total = 1;
    for (int64_t n : counts)
      total *= n;
    if (total == 0) {
      loop.erase();
      return success();
    }
    {
      OpBuilder b(loop);
      if (emitTiledContraction(b, loop, counts, lbs, steps, emulate, precision)) {
        loop.erase();
        return success();
      }
    }
    // 16-byte accesses along the innermost dim, else maybe several outputs per thread.
    bool vectorized = vectorizableInnermost(loop, counts, lbs, steps);
    int64_t coarse = vectorized ? -1 : coarseningDim(loop, counts, total);
    if (vectorized) {
      counts.back() /= 4;
      total /= 4;
    }
    if (coarse >= 0) {
      counts[coarse] /= kCoarsening;
      total /= kCoarsening;
    }
    OpBuilder b(loop);
    Location loc = loop.getLoc();
    auto cst = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v).getResult(); };
    // The body for output `linear`: guard, indices, then the loop body.
    auto emitBody = [&](Value linear) {
      Value inRange = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, linear, cst(total));
      auto guard = scf::IfOp::create(b, loc, inRange, /*withElseRegion=*/false);
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPointToStart(guard.thenBlock());
      IRMapping map;
      int64_t stride = total;
      for (size_t d = 0; d < counts.size(); ++d) {
        stride /= counts[d];
        Value idx = arith::DivUIOp::create(b, loc, linear, cst(stride));
        if (d > 0)
          idx = arith::RemUIOp::create(b, loc, idx, cst(counts[d]));
        if ((int64_t)d == coarse) { // this thread's kCoarsening outputs: idx * k + j
          auto each = scf::ForOp::create(b, loc, cst(0), cst(kCoarsening), cst(1));
          coarsened.push_back(each);
          b.setInsertionPoint(each.getBody()->getTerminator());
          idx = arith::AddIOp::create(b, loc, arith::MulIOp::create(b, loc, idx, cst(kCoarsening)),
                                      each.getInductionVar());
        }
        if (vectorized && d + 1 == counts.size())
          idx = arith::MulIOp::create(b, loc, idx, cst(4)); // the first of the thread's 4
        Value iv = arith::AddIOp::create(b, loc, arith::MulIOp::create(b, loc, idx, cst(steps[d])), cst(lbs[d]));
        map.map(loop.getInductionVars()[d], iv);
      }
      if (vectorized) {
        cloneVectorized(b, loop, map);
        return guard;
      }
      for (Operation &op : loop.getBody()->without_terminator())
        b.clone(op, map);
      return guard;
    };

    Operation *combine = coarse < 0 && !vectorized ? splitCombiner(loop, total) : nullptr;
    if (!combine) {
      int64_t threads = std::min<int64_t>(kThreadsPerBlock, (total + 31) / 32 * 32);
      int64_t blocks = (total + threads - 1) / threads;
      if (blocks >= (int64_t(1) << 31))
        return loop.emitError("too many iterations for one GPU grid (the CPU targets support it)");
      auto linearOf = [&](Value block, Value thread) {
        return arith::AddIOp::create(b, loc, arith::MulIOp::create(b, loc, block, cst(threads)), thread).getResult();
      };
      if (emulate) {
        auto outer = scf::ForOp::create(b, loc, cst(0), cst(blocks), cst(1));
        b.setInsertionPointToStart(outer.getBody());
        auto inner = scf::ForOp::create(b, loc, cst(0), cst(threads), cst(1));
        b.setInsertionPointToStart(inner.getBody());
        emitBody(linearOf(outer.getInductionVar(), inner.getInductionVar()));
      } else {
        Value one = cst(1);
        auto launch = gpu::LaunchOp::create(b, loc, cst(blocks), one, one, cst(threads), one, one);
        b.setInsertionPointToStart(&launch.getBody().front());
        emitBody(linearOf(launch.getBlockIds().x, launch.getThreadIds().x));
        gpu::TerminatorOp::create(b, loc);
      }
      loop.erase();
      return success();
    }

    Type elem = combine->getResult(0).getType();
    if (alongContiguous(loop)) {
      warpReduction(b, loop, combine, total, emitBody);
      loop.erase();
      return success();
    }

    // A split reduction: a block serves kLanes consecutive outputs (coalesced
    // like one thread per output); its kSlices warps each reduce one slice of
    // the reduction loop into shared memory; after a barrier, warp 0 combines
    // the slices in order (deterministic) and stores.
    int64_t blocks = (total + kLanes - 1) / kLanes;
    auto sharedSpace = gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup);
    auto sharedType = MemRefType::get({kSlices, kLanes}, elem, AffineMap(), emulate ? Attribute() : sharedSpace);
    auto phase1 = [&](Value block, Value thread, Value shared) {
      Value lane = arith::RemUIOp::create(b, loc, thread, cst(kLanes));
      Value slice = arith::DivUIOp::create(b, loc, thread, cst(kLanes));
      scf::IfOp body = emitBody(arith::AddIOp::create(b, loc, arith::MulIOp::create(b, loc, block, cst(kLanes)), lane));
      promoteAccumulators(body);
      auto [r, store] = reductionOf(body);
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPoint(r);
      int64_t trip = (*getConstantIntValue(r.getUpperBound()) - *getConstantIntValue(r.getLowerBound())) /
                     *getConstantIntValue(r.getStep());
      int64_t chunk = (trip + kSlices - 1) / kSlices * *getConstantIntValue(r.getStep());
      Value lb = arith::AddIOp::create(b, loc, r.getLowerBound(), arith::MulIOp::create(b, loc, slice, cst(chunk)));
      r.setLowerBound(lb);
      r.setUpperBound(arith::MinUIOp::create(b, loc, r.getUpperBound(), arith::AddIOp::create(b, loc, lb, cst(chunk))));
      r.getInitArgsMutable()[0].set(identityOf(b, loc, combine, elem));
      b.setInsertionPoint(store);
      memref::StoreOp::create(b, loc, r.getResult(0), shared, ValueRange{slice, lane});
      store.erase();
    };
    auto phase2 = [&](Value block, Value thread, Value shared) {
      Value lane = arith::RemUIOp::create(b, loc, thread, cst(kLanes));
      Value first = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, thread, cst(kLanes));
      auto warp0 = scf::IfOp::create(b, loc, first, /*withElseRegion=*/false);
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPointToStart(warp0.thenBlock());
      scf::IfOp body = emitBody(arith::AddIOp::create(b, loc, arith::MulIOp::create(b, loc, block, cst(kLanes)), lane));
      promoteAccumulators(body);
      auto [r, store] = reductionOf(body);
      b.setInsertionPoint(r);
      Value v = r.getInitArgs()[0];
      for (int64_t s = 0; s < kSlices; ++s) {
        Value part = memref::LoadOp::create(b, loc, shared, ValueRange{cst(s), lane});
        Operation *c = b.clone(*combine);
        c->setOperands({v, part});
        v = c->getResult(0);
      }
      r.getResult(0).replaceAllUsesWith(v);
      r.erase();
    };
    Value threadCount = cst(kLanes * kSlices);
    if (emulate) {
      Value shared = memref::AllocaOp::create(b, loc, sharedType);
      auto outer = scf::ForOp::create(b, loc, cst(0), cst(blocks), cst(1));
      b.setInsertionPointToStart(outer.getBody());
      auto first = scf::ForOp::create(b, loc, cst(0), threadCount, cst(1));
      b.setInsertionPointToStart(first.getBody());
      phase1(outer.getInductionVar(), first.getInductionVar(), shared);
      b.setInsertionPointAfter(first);
      auto second = scf::ForOp::create(b, loc, cst(0), threadCount, cst(1));
      b.setInsertionPointToStart(second.getBody());
      phase2(outer.getInductionVar(), second.getInductionVar(), shared);
    } else {
      Value one = cst(1);
      auto launch = gpu::LaunchOp::create(b, loc, cst(blocks), one, one, threadCount, one, one, nullptr, nullptr, {},
                                          TypeRange{sharedType});
      b.setInsertionPointToStart(&launch.getBody().front());
      Value shared = launch.getWorkgroupAttributions()[0];
      phase1(launch.getBlockIds().x, launch.getThreadIds().x, shared);
      gpu::BarrierOp::create(b, loc);
      phase2(launch.getBlockIds().x, launch.getThreadIds().x, shared);
      gpu::TerminatorOp::create(b, loc);
    }
    loop.erase();
    return success();
  }

};

} // namespace
} // namespace onnxc::codegen
