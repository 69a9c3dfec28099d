// Matmul-like kernels (Gemm, MatMul, conv as implicit GEMM) as 64x64 output tiles with operand tiles staged in shared memory.
#include "codegen/gpu/KernelBodies.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;

namespace onnxc::codegen {
namespace {

// Batch-1 problems are small: 32x32 output tiles give enough blocks.
constexpr int64_t kTileM = 32, kTileN = 32;
constexpr int64_t kThreadsM = 8, kThreadsN = 8; // 64 threads, 4x4 outputs each
constexpr int64_t kMicro = 4;
constexpr int64_t kMinBlocks = 4 * 132; // measured on an H200: with fewer blocks the
                                         // untiled kernels hide latency better

/// A loop nest `out[p] += a[f(p, r)] * b[g(p, r)]`: the parallel dims split
/// into M (read by a only), N (read by b only) and batch (the rest).
struct Contraction {
  scf::ParallelOp loop;
  SmallVector<scf::ForOp> reductions; // outermost first, perfectly nested
  memref::LoadOp a, b;
  SmallVector<int64_t> mDims, nDims, batchDims;
  SmallVector<int64_t> counts, lbs, steps;         // parallel dims
  SmallVector<int64_t> kCounts, kLbs, kSteps;      // reduction loops
  int64_t m = 1, n = 1, k = 1, batch = 1;
  int64_t tileK = 8; // 16 for the tensor cores' m16n8k16
};

std::optional<int64_t> constant(Value v) { return getConstantIntValue(v); }

std::optional<Contraction> match(scf::ParallelOp loop, ArrayRef<int64_t> counts, ArrayRef<int64_t> lbs,
                                 ArrayRef<int64_t> steps, bool tensorCores) {
  Contraction c;
  c.tileK = tensorCores ? 16 : 8;
  c.loop = loop;
  c.counts.assign(counts.begin(), counts.end());
  c.lbs.assign(lbs.begin(), lbs.end());
  c.steps.assign(steps.begin(), steps.end());
  scf::ForOp outer;
  for (Operation &op : loop.getBody()->without_terminator()) {
    if (outer)
      return std::nullopt;
    outer = dyn_cast<scf::ForOp>(op); // the prefix (a fused init) is redone in the epilogue
  }
  if (!outer)
    return std::nullopt;
  for (scf::ForOp f = outer; f;) {
    auto lb = constant(f.getLowerBound()), ub = constant(f.getUpperBound()), st = constant(f.getStep());
    if (f.getNumRegionIterArgs() || !lb || !ub || !st || *ub <= *lb)
      return std::nullopt;
    c.reductions.push_back(f);
    c.kLbs.push_back(*lb);
    c.kSteps.push_back(*st);
    c.kCounts.push_back((*ub - *lb + *st - 1) / *st);
    c.k *= c.kCounts.back();
    auto inner = f.getBody()->getOps<scf::ForOp>();
    if (inner.empty())
      break;
    if (std::next(f.getBody()->begin()) != std::prev(f.getBody()->end())) // not perfectly nested
      return std::nullopt;
    f = *inner.begin();
  }
  Block *body = c.reductions.back().getBody();
  SmallVector<memref::LoadOp> loads(body->getOps<memref::LoadOp>());
  SmallVector<memref::StoreOp> stores(body->getOps<memref::StoreOp>());
  if (loads.size() != 3 || stores.size() != 1)
    return std::nullopt;
  auto add = stores[0].getValueToStore().getDefiningOp<arith::AddFOp>();
  if (!add)
    return std::nullopt;
  Value lhs = add.getLhs(), rhs = add.getRhs();
  if (!rhs.getDefiningOp<arith::MulFOp>())
    std::swap(lhs, rhs);
  auto mul = rhs.getDefiningOp<arith::MulFOp>();
  auto acc = lhs.getDefiningOp<memref::LoadOp>();
  if (!mul || !acc || acc.getMemRef() != stores[0].getMemRef() ||
      !llvm::equal(acc.getIndices(), stores[0].getIndices()) || !mul->hasOneUse())
    return std::nullopt;
  c.a = mul.getLhs().getDefiningOp<memref::LoadOp>();
  c.b = mul.getRhs().getDefiningOp<memref::LoadOp>();
  if (!c.a || !c.b || c.a == acc || c.b == acc || !c.a.getType().isF32() || !c.b.getType().isF32())
    return std::nullopt;
  for (Operation &op : *body)
    if (!isMemoryEffectFree(&op) && !isa<memref::LoadOp, memref::StoreOp>(op))
      return std::nullopt;
  // The output's indices are the parallel ivs; classify each dim.
  auto reads = [&](memref::LoadOp l, Value iv) {
    return llvm::any_of(l.getIndices(), [&](Value i) { return dependsOn(i, iv, loop.getBody()); });
  };
  for (size_t d = 0; d < counts.size(); ++d) {
    Value iv = loop.getInductionVars()[d];
    bool inA = reads(c.a, iv), inB = reads(c.b, iv);
    if (inA && !inB)
      c.mDims.push_back(d), c.m *= counts[d];
    else if (inB && !inA)
      c.nDims.push_back(d), c.n *= counts[d];
    else
      c.batchDims.push_back(d), c.batch *= counts[d];
  }
  // Coalescing: the innermost non-unit output dim is an N dim (b's side).
  int64_t innermost = counts.size() - 1;
  while (innermost > 0 && counts[innermost] == 1)
    --innermost;
  if (!c.mDims.empty() && c.mDims.back() == innermost) {
    std::swap(c.a, c.b);
    std::swap(c.mDims, c.nDims);
    std::swap(c.m, c.n);
  }
  int64_t blocks = c.batch * ((c.m + kTileM - 1) / kTileM) * ((c.n + kTileN - 1) / kTileN);
  if (c.m < kTileM || c.n < kTileN || c.k < c.tileK || c.nDims.empty() || c.nDims.back() != innermost ||
      (!tensorCores && blocks < kMinBlocks))
    return std::nullopt;
  return c;
}

/// Index values for `linear` split over `dims` of `counts` (innermost fastest).
SmallVector<Value> delinearize(OpBuilder &b, Location loc, Value linear, ArrayRef<int64_t> counts) {
  SmallVector<Value> out(counts.size());
  for (int64_t d = counts.size() - 1; d >= 0; --d) {
    Value c = arith::ConstantIndexOp::create(b, loc, counts[d]);
    out[d] = d == 0 ? linear : arith::RemUIOp::create(b, loc, linear, c).getResult();
    if (d > 0)
      linear = arith::DivUIOp::create(b, loc, linear, c);
  }
  return out;
}

struct Emitter {
  OpBuilder &b;
  Location loc;
  Contraction &c;

  Value cst(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value mul(Value x, int64_t y) { return arith::MulIOp::create(b, loc, x, cst(y)); }

  /// Maps the parallel ivs of the dims in `dims` from `linear` (0 when null)
  /// and every other parallel iv from `rest` (or its lower bound).
  void mapDims(IRMapping &map, ArrayRef<int64_t> dims, Value linear) {
    SmallVector<int64_t> counts;
    for (int64_t d : dims)
      counts.push_back(c.counts[d]);
    SmallVector<Value> idx = delinearize(b, loc, linear, counts);
    for (auto [d, i] : llvm::zip(dims, idx))
      map.map(c.loop.getInductionVars()[d], add(mul(i, c.steps[d]), cst(c.lbs[d])));
  }
  void mapReduction(IRMapping &map, Value linear) {
    SmallVector<Value> idx = delinearize(b, loc, linear, c.kCounts);
    for (size_t r = 0; r < c.reductions.size(); ++r)
      map.map(c.reductions[r].getInductionVar(), add(mul(idx[r], c.kSteps[r]), cst(c.kLbs[r])));
  }
  void mapDefaults(IRMapping &map) {
    for (size_t d = 0; d < c.counts.size(); ++d)
      if (!map.contains(c.loop.getInductionVars()[d]))
        map.map(c.loop.getInductionVars()[d], cst(c.lbs[d]));
  }

  /// `load` (of the innermost body) under `map`, with the pure ops its indices need.
  Value cloneLoad(memref::LoadOp load, IRMapping &map) {
    std::function<Value(Value)> value = [&](Value v) -> Value {
      if (Value m = map.lookupOrNull(v))
        return m;
      Operation *def = v.getDefiningOp();
      if (!def || !c.loop->isAncestor(def))
        return v;
      for (Value o : def->getOperands())
        value(o);
      return b.clone(*def, map)->getResult(cast<OpResult>(v).getResultNumber());
    };
    for (Value i : load.getIndices())
      value(i);
    return b.clone(*load, map)->getResult(0);
  }

  /// Thread `tid`'s share of one operand tile for chunk `k0`: element e =
  /// tid + 256 q of a rows x cols tile, the contiguous side fastest.
  void loadTile(memref::LoadOp load, Value shared, Value tid, Value batchIv, Value tile0, Value k0, bool isA,
                Value zero) {
    int64_t rows = c.tileK, cols = isA ? kTileM : kTileN;
    for (int64_t q = 0; q < rows * cols / (kThreadsM * kThreadsN); ++q) {
      Value e = add(tid, cst(q * kThreadsM * kThreadsN));
      // A (weights, a matrix's rows) is contiguous along k; B along n.
      Value kk = isA ? arith::RemUIOp::create(b, loc, e, cst(c.tileK)).getResult()
                     : arith::DivUIOp::create(b, loc, e, cst(cols)).getResult();
      Value mn = isA ? arith::DivUIOp::create(b, loc, e, cst(c.tileK)).getResult()
                     : arith::RemUIOp::create(b, loc, e, cst(cols)).getResult();
      Value kGlobal = add(k0, kk), mnGlobal = add(tile0, mn);
      Value inRange = arith::AndIOp::create(
          b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, kGlobal, cst(c.k)),
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, mnGlobal, cst(isA ? c.m : c.n)));
      auto guarded = scf::IfOp::create(b, loc, TypeRange{b.getF32Type()}, inRange, /*withElseRegion=*/true);
      {
        OpBuilder::InsertionGuard g(b);
        b.setInsertionPointToStart(guarded.thenBlock());
        IRMapping map;
        mapDims(map, c.batchDims, batchIv);
        mapDims(map, isA ? c.mDims : c.nDims, mnGlobal);
        mapReduction(map, kGlobal);
        mapDefaults(map);
        scf::YieldOp::create(b, loc, cloneLoad(load, map));
        b.setInsertionPointToStart(guarded.elseBlock());
        scf::YieldOp::create(b, loc, zero);
      }
      memref::StoreOp::create(b, loc, guarded.getResult(0), shared, ValueRange{kk, mn});
    }
  }
};

} // namespace

bool emitTiledContraction(OpBuilder &b, scf::ParallelOp loop, ArrayRef<int64_t> counts, ArrayRef<int64_t> lbs,
                          ArrayRef<int64_t> steps, bool emulate, StringRef precision) {
  bool tensorCores = precision == "fp16" || precision == "bf16";
  std::optional<Contraction> found = match(loop, counts, lbs, steps, tensorCores);
  if (!found)
    return false;
  Contraction &c = *found;
  Location loc = loop.getLoc();
  Emitter e{b, loc, c};
  MLIRContext *ctx = b.getContext();
  Type f32 = b.getF32Type();
  int64_t tilesM = (c.m + kTileM - 1) / kTileM, tilesN = (c.n + kTileN - 1) / kTileN;
  int64_t blocks = c.batch * tilesM * tilesN, threads = kThreadsM * kThreadsN;
  int64_t kTileK = c.tileK;
  int64_t chunks = (c.k + kTileK - 1) / kTileK;
  Attribute space = emulate ? Attribute() : gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
  auto aType = MemRefType::get({kTileK, kTileM}, f32, AffineMap(), space);
  auto bType = MemRefType::get({kTileK, kTileN}, f32, AffineMap(), space);
  Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0));

  // Block `block`: (batch, tile of M, tile of N); thread: (ty, tx).
  struct Coords {
    Value batch, m0, n0, ty, tx;
  };
  auto coords = [&](Value block, Value tid) {
    Coords k;
    Value nt = arith::RemUIOp::create(b, loc, block, e.cst(tilesN));
    Value rest = arith::DivUIOp::create(b, loc, block, e.cst(tilesN));
    k.m0 = e.mul(arith::RemUIOp::create(b, loc, rest, e.cst(tilesM)), kTileM);
    k.batch = arith::DivUIOp::create(b, loc, rest, e.cst(tilesM));
    k.n0 = e.mul(nt, kTileN);
    k.tx = arith::RemUIOp::create(b, loc, tid, e.cst(kThreadsN));
    k.ty = arith::DivUIOp::create(b, loc, tid, e.cst(kThreadsN));
    return k;
  };
  // The operand type of the tensor cores, and a value rounded to it.
  Type narrow = precision == "bf16" ? Type(b.getBF16Type()) : Type(b.getF16Type());
  auto rounded = [&](Value v) -> Value {
    if (!tensorCores)
      return v;
    return arith::ExtFOp::create(b, loc, f32, arith::TruncFOp::create(b, loc, narrow, v).getResult());
  };
  // acc += As[kk][ty*4+i] * Bs[kk][tx+8j] over the chunk, on values `acc`.
  auto compute = [&](const Coords &k, Value as, Value bs, SmallVector<Value> acc) {
    auto kLoop = scf::ForOp::create(b, loc, e.cst(0), e.cst(kTileK), e.cst(1), acc);
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(kLoop.getBody());
    Value kk = kLoop.getInductionVar();
    auto contract = arith::FastMathFlags::contract;
    SmallVector<Value> av, bv, next;
    for (int64_t i = 0; i < kMicro; ++i)
      av.push_back(rounded(memref::LoadOp::create(b, loc, as, ValueRange{kk, e.add(e.mul(k.ty, kMicro), e.cst(i))})));
    for (int64_t j = 0; j < kMicro; ++j)
      bv.push_back(rounded(memref::LoadOp::create(b, loc, bs, ValueRange{kk, e.add(k.tx, e.cst(j * kThreadsN))})));
    for (int64_t i = 0; i < kMicro; ++i)
      for (int64_t j = 0; j < kMicro; ++j)
        next.push_back(arith::AddFOp::create(b, loc, kLoop.getRegionIterArgs()[i * kMicro + j],
                                             arith::MulFOp::create(b, loc, av[i], bv[j], contract), contract));
    scf::YieldOp::create(b, loc, next);
    return SmallVector<Value>(kLoop.getResults());
  };
  // out = init + acc for each of the thread's outputs that exists: the original
  // body (its fused init included) with the reduction replaced by the sum.
  // The tile coordinates of a thread's accumulator q (SIMT: 4x4 outputs; the
  // tensor cores: four m16n8 tiles of its warp's 16 rows, PTX's C fragment).
  auto coordOf = [&](const Coords &k, Value tid, int64_t q, bool mma) -> std::pair<Value, Value> {
    if (!mma)
      return {e.add(e.mul(k.ty, kMicro), e.cst(q / kMicro)), e.add(k.tx, e.cst(q % kMicro * kThreadsN))};
    Value lane = arith::RemUIOp::create(b, loc, tid, e.cst(32));
    Value warp = arith::DivUIOp::create(b, loc, tid, e.cst(32));
    Value g = arith::DivUIOp::create(b, loc, lane, e.cst(4)), t = arith::RemUIOp::create(b, loc, lane, e.cst(4));
    int64_t tile = q / 4, el = q % 4;
    return {e.add(e.add(e.mul(warp, 16), g), e.cst(el >= 2 ? 8 : 0)),
            e.add(e.mul(t, 2), e.cst(tile * 8 + (el & 1)))};
  };
  auto epilogue = [&](const Coords &k, Value tid, ArrayRef<Value> acc, bool mma) {
    for (int64_t i = 0; i < kMicro; ++i)
      for (int64_t j = 0; j < kMicro; ++j) {
        auto [mLocal, nLocal] = coordOf(k, tid, i * kMicro + j, mma);
        Value m = e.add(k.m0, mLocal);
        Value n = e.add(k.n0, nLocal);
        Value ok = arith::AndIOp::create(b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, m, e.cst(c.m)),
                                         arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, n, e.cst(c.n)));
        auto guard = scf::IfOp::create(b, loc, ok, /*withElseRegion=*/false);
        OpBuilder::InsertionGuard g(b);
        b.setInsertionPointToStart(guard.thenBlock());
        IRMapping map;
        e.mapDims(map, c.batchDims, k.batch);
        e.mapDims(map, c.mDims, m);
        e.mapDims(map, c.nDims, n);
        for (Operation &op : c.loop.getBody()->without_terminator())
          b.clone(op, map);
        promoteAccumulators(guard);
        auto [r, store] = reductionOf(guard);
        b.setInsertionPoint(r);
        Value sum = arith::AddFOp::create(b, loc, r.getInitArgs()[0], acc[i * kMicro + j]);
        r.getResult(0).replaceAllUsesWith(sum);
        r.erase();
      }
  };

  // One k16 step of mma.sync.m16n8k16 per n8 tile of the warp's 16 rows (PTX
  // fragments: lane = 4g + t; A rows g and g+8, cols 2t, 2t+1, 2t+8, 2t+9; B
  // rows 2t, 2t+1, 2t+8, 2t+9, col g), operands rounded to fp16/bf16 pairs.
  auto computeMma = [&](Value tid, Value as, Value bs, SmallVector<Value> acc) {
    Value lane = arith::RemUIOp::create(b, loc, tid, e.cst(32));
    Value warp = arith::DivUIOp::create(b, loc, tid, e.cst(32));
    Value g = arith::DivUIOp::create(b, loc, lane, e.cst(4)), t2 = e.mul(arith::RemUIOp::create(b, loc, lane, e.cst(4)), 2);
    Value row = e.add(e.mul(warp, 16), g);
    auto pairType = VectorType::get({2}, narrow);
    auto i32 = b.getI32Type();
    auto pair = [&](Value shared, Value k0, Value mn) -> Value { // elements k0 and k0 + 1
      Value x = memref::LoadOp::create(b, loc, shared, ValueRange{k0, mn});
      Value y = memref::LoadOp::create(b, loc, shared, ValueRange{e.add(k0, e.cst(1)), mn});
      Value v = vector::FromElementsOp::create(b, loc, pairType,
                                                ValueRange{arith::TruncFOp::create(b, loc, narrow, x),
                                                           arith::TruncFOp::create(b, loc, narrow, y)});
      // bf16 pairs travel as b32 registers.
      return precision == "bf16" ? LLVM::BitcastOp::create(b, loc, i32, v).getResult() : v;
    };
    SmallVector<Value> a;
    for (auto [dr, dk] : {std::pair{0, 0}, {8, 0}, {0, 8}, {8, 8}})
      a.push_back(pair(as, e.add(t2, e.cst(dk)), e.add(row, e.cst(dr))));
    auto structType = LLVM::LLVMStructType::getLiteral(b.getContext(), {f32, f32, f32, f32});
    auto ptxType = precision == "bf16" ? NVVM::MMATypes::bf16 : NVVM::MMATypes::f16;
    SmallVector<Value> out;
    for (int64_t tile = 0; tile < 4; ++tile) {
      Value n = e.add(g, e.cst(tile * 8));
      SmallVector<Value> bfrag{pair(bs, t2, n), pair(bs, e.add(t2, e.cst(8)), n)};
      SmallVector<Value> cfrag(acc.begin() + tile * 4, acc.begin() + tile * 4 + 4);
      Value d = NVVM::MmaOp::create(b, loc, structType, a, bfrag, cfrag, ArrayRef<int64_t>{16, 8, 16},
                                    std::nullopt, std::nullopt, std::array<NVVM::MMATypes, 2>{ptxType, ptxType},
                                    std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row, NVVM::MMALayout::col});
      for (int64_t i = 0; i < 4; ++i)
        out.push_back(LLVM::ExtractValueOp::create(b, loc, d, ArrayRef<int64_t>{i}));
    }
    return out;
  };

  SmallVector<Value> zeros(kMicro * kMicro, zero);
  if (!emulate) {
    Value one = e.cst(1);
    auto launch = gpu::LaunchOp::create(b, loc, e.cst(blocks), one, one, e.cst(threads), one, one, nullptr, nullptr,
                                        {}, TypeRange{aType, bType});
    b.setInsertionPointToStart(&launch.getBody().front());
    Value as = launch.getWorkgroupAttributions()[0], bs = launch.getWorkgroupAttributions()[1];
    Value tid = launch.getThreadIds().x;
    Coords k = coords(launch.getBlockIds().x, tid);
    auto chunkLoop = scf::ForOp::create(b, loc, e.cst(0), e.cst(chunks), e.cst(1), zeros);
    {
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPointToStart(chunkLoop.getBody());
      Value k0 = e.mul(chunkLoop.getInductionVar(), kTileK);
      e.loadTile(c.a, as, tid, k.batch, k.m0, k0, /*isA=*/true, zero);
      e.loadTile(c.b, bs, tid, k.batch, k.n0, k0, /*isA=*/false, zero);
      gpu::BarrierOp::create(b, loc);
      SmallVector<Value> iter(chunkLoop.getRegionIterArgs());
      SmallVector<Value> acc = tensorCores ? computeMma(tid, as, bs, iter) : compute(k, as, bs, iter);
      gpu::BarrierOp::create(b, loc);
      scf::YieldOp::create(b, loc, acc);
    }
    epilogue(k, tid, SmallVector<Value>(chunkLoop.getResults()), tensorCores);
    gpu::TerminatorOp::create(b, loc);
    return true;
  }

  // On the host: each barrier-separated phase runs for every thread in turn;
  // the accumulators live in memory between phases.
  Value as = memref::AllocaOp::create(b, loc, aType), bs = memref::AllocaOp::create(b, loc, bType);
  Value accs = memref::AllocaOp::create(b, loc, MemRefType::get({threads, kMicro * kMicro}, f32));
  auto forThreads = [&](function_ref<void(Value)> body) {
    auto t = scf::ForOp::create(b, loc, e.cst(0), e.cst(threads), e.cst(1));
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(t.getBody());
    body(t.getInductionVar());
  };
  auto blockLoop = scf::ForOp::create(b, loc, e.cst(0), e.cst(blocks), e.cst(1));
  b.setInsertionPointToStart(blockLoop.getBody());
  Value block = blockLoop.getInductionVar();
  forThreads([&](Value tid) {
    for (int64_t q = 0; q < kMicro * kMicro; ++q)
      memref::StoreOp::create(b, loc, zero, accs, ValueRange{tid, e.cst(q)});
  });
  auto chunkLoop = scf::ForOp::create(b, loc, e.cst(0), e.cst(chunks), e.cst(1));
  {
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(chunkLoop.getBody());
    Value k0 = e.mul(chunkLoop.getInductionVar(), kTileK);
    forThreads([&](Value tid) {
      Coords k = coords(block, tid);
      e.loadTile(c.a, as, tid, k.batch, k.m0, k0, true, zero);
      e.loadTile(c.b, bs, tid, k.batch, k.n0, k0, false, zero);
    });
    forThreads([&](Value tid) {
      Coords k = coords(block, tid);
      SmallVector<Value> acc;
      for (int64_t q = 0; q < kMicro * kMicro; ++q)
        acc.push_back(memref::LoadOp::create(b, loc, accs, ValueRange{tid, e.cst(q)}));
      acc = compute(k, as, bs, acc);
      for (int64_t q = 0; q < kMicro * kMicro; ++q)
        memref::StoreOp::create(b, loc, acc[q], accs, ValueRange{tid, e.cst(q)});
    });
  }
  forThreads([&](Value tid) {
    Coords k = coords(block, tid);
    SmallVector<Value> acc;
    for (int64_t q = 0; q < kMicro * kMicro; ++q)
      acc.push_back(memref::LoadOp::create(b, loc, accs, ValueRange{tid, e.cst(q)}));
    epilogue(k, tid, acc, /*mma=*/false);
  });
  return true;
}

} // namespace onnxc::codegen
