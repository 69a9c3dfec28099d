// Matmul-like kernels (Gemm, MatMul, conv as implicit GEMM) in fp32: 32x32 output tiles with operand tiles staged in shared memory.
#include "codegen/gpu/Contraction.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"

using namespace mlir;

namespace onnxc::codegen {
namespace {

constexpr int64_t kTileM = 32, kTileN = 32, kTileK = 8;
constexpr int64_t kThreadsM = 8, kThreadsN = 8; // 64 threads, 4x4 outputs each
constexpr int64_t kMicro = 4;
constexpr int64_t kMinBlocks = 4 * 132; // measured on an H200: with fewer blocks the
                                         // untiled kernels hide latency better

/// Thread `tid`'s share of one operand tile for chunk `k0`: element e =
/// tid + 64 q of a kTileK x 32 tile, the contiguous side fastest (A, the
/// weights, along k; B along n).
void loadTile(ContractionBuilder &e, bool isA, Value shared, Value tid, Value batch, Value tile0, Value k0) {
  int64_t cols = isA ? kTileM : kTileN;
  for (int64_t q = 0; q < kTileK * cols / (kThreadsM * kThreadsN); ++q) {
    Value el = e.add(tid, e.cst(q * kThreadsM * kThreadsN));
    Value kk = isA ? e.rem(el, kTileK) : e.div(el, cols);
    Value mn = isA ? e.div(el, kTileK) : e.rem(el, cols);
    Value v = e.element(isA, batch, e.add(tile0, mn), e.add(k0, kk));
    memref::StoreOp::create(e.b, e.loc, v, shared, ValueRange{kk, mn});
  }
}

} // namespace

bool emitTiledContraction(OpBuilder &b, scf::ParallelOp loop, ArrayRef<int64_t> counts, ArrayRef<int64_t> lbs,
                          ArrayRef<int64_t> steps, bool emulate, StringRef precision) {
  std::optional<Contraction> found = matchContraction(loop, counts, lbs, steps);
  if (!found)
    return false;
  Contraction &c = *found;
  int64_t tilesM = (c.m + kTileM - 1) / kTileM, tilesN = (c.n + kTileN - 1) / kTileN;
  int64_t blocks = c.batch * tilesM * tilesN, threads = kThreadsM * kThreadsN;
  if (precision != "fp32")
    return emitTensorCoreContraction(b, c, emulate, precision);
  if (blocks < kMinBlocks || c.m < kTileM || c.n < kTileN || c.k < kTileK)
    return false;
  Location loc = loop.getLoc();
  ContractionBuilder e{b, loc, c};
  Type f32 = b.getF32Type();
  int64_t chunks = (c.k + kTileK - 1) / kTileK;
  Attribute space = emulate ? Attribute() : gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup);
  auto aType = MemRefType::get({kTileK, kTileM}, f32, AffineMap(), space);
  auto bType = MemRefType::get({kTileK, kTileN}, f32, AffineMap(), space);
  Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0));

  // Block: (batch, tile of M, tile of N); thread: (ty, tx), outputs
  // (ty*4 + i, tx + 8j).
  struct Coords {
    Value batch, m0, n0, ty, tx;
  };
  auto coords = [&](Value block, Value tid) {
    SmallVector<Value> t = delinearize(b, loc, block, {c.batch, tilesM, tilesN});
    return Coords{t[0], e.mul(t[1], kTileM), e.mul(t[2], kTileN), e.div(tid, kThreadsN), e.rem(tid, kThreadsN)};
  };
  // acc += As[kk][ty*4+i] * Bs[kk][tx+8j] over the chunk.
  auto compute = [&](const Coords &k, Value as, Value bs, SmallVector<Value> acc) {
    auto kLoop = scf::ForOp::create(b, loc, e.cst(0), e.cst(kTileK), e.cst(1), acc);
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(kLoop.getBody());
    Value kk = kLoop.getInductionVar();
    auto contract = arith::FastMathFlags::contract;
    SmallVector<Value> av, bv, next;
    for (int64_t i = 0; i < kMicro; ++i)
      av.push_back(memref::LoadOp::create(b, loc, as, ValueRange{kk, e.add(e.mul(k.ty, kMicro), e.cst(i))}));
    for (int64_t j = 0; j < kMicro; ++j)
      bv.push_back(memref::LoadOp::create(b, loc, bs, ValueRange{kk, e.add(k.tx, e.cst(j * kThreadsN))}));
    for (int64_t i = 0; i < kMicro; ++i)
      for (int64_t j = 0; j < kMicro; ++j)
        next.push_back(arith::AddFOp::create(b, loc, kLoop.getRegionIterArgs()[i * kMicro + j],
                                             arith::MulFOp::create(b, loc, av[i], bv[j], contract), contract));
    scf::YieldOp::create(b, loc, next);
    return SmallVector<Value>(kLoop.getResults());
  };
  auto epilogue = [&](const Coords &k, ArrayRef<Value> acc) {
    for (int64_t i = 0; i < kMicro; ++i)
      for (int64_t j = 0; j < kMicro; ++j)
        e.storeOutput(k.batch, e.add(k.m0, e.add(e.mul(k.ty, kMicro), e.cst(i))),
                      e.add(k.n0, e.add(k.tx, e.cst(j * kThreadsN))), acc[i * kMicro + j]);
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
      loadTile(e, /*isA=*/true, as, tid, k.batch, k.m0, k0);
      loadTile(e, /*isA=*/false, bs, tid, k.batch, k.n0, k0);
      gpu::BarrierOp::create(b, loc);
      SmallVector<Value> acc = compute(k, as, bs, SmallVector<Value>(chunkLoop.getRegionIterArgs()));
      gpu::BarrierOp::create(b, loc);
      scf::YieldOp::create(b, loc, acc);
    }
    epilogue(k, SmallVector<Value>(chunkLoop.getResults()));
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
  auto loadAccs = [&](Value tid) {
    SmallVector<Value> acc;
    for (int64_t q = 0; q < kMicro * kMicro; ++q)
      acc.push_back(memref::LoadOp::create(b, loc, accs, ValueRange{tid, e.cst(q)}));
    return acc;
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
      loadTile(e, true, as, tid, k.batch, k.m0, k0);
      loadTile(e, false, bs, tid, k.batch, k.n0, k0);
    });
    forThreads([&](Value tid) {
      SmallVector<Value> acc = compute(coords(block, tid), as, bs, loadAccs(tid));
      for (int64_t q = 0; q < kMicro * kMicro; ++q)
        memref::StoreOp::create(b, loc, acc[q], accs, ValueRange{tid, e.cst(q)});
    });
  }
  forThreads([&](Value tid) { epilogue(coords(block, tid), loadAccs(tid)); });
  return true;
}

} // namespace onnxc::codegen
