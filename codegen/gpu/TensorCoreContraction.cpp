// Matmul-like kernels on the tensor cores (mma.sync, fp16/bf16/tf32 operands, fp32 accumulation): 32x32 output tiles, k split over a block's warps.
#include "codegen/gpu/Contraction.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

namespace onnxc::codegen {
namespace {

// A block computes a 32x32 output tile: each of its warps the whole tile
// (2 m16 x 4 n8 mma tiles) over every W-th k step, W a power of two; the
// warps' partial sums meet in shared memory. At batch 1 a layer has few
// tiles and a long k (resnet18's layer4: 32 tiles, k = 4608), so splitting
// k is what fills the GPU. Fragments come straight from global memory (L1
// and L2 serve the reuse), the next step's while this one multiplies.
constexpr int64_t kTile = 32, kMaxWarps = 8, kMinStepsPerWarp = 2;
constexpr int64_t kTilesM = 2, kTilesN = 4; // m16 and n8 mma tiles per warp
constexpr int64_t kAcc = kTilesM * kTilesN * 4;

/// Output tiles along an extent of `n`.
constexpr int64_t tilesOf(int64_t n) { return (n + kTile - 1) / kTile; }

/// The arithmetic of a precision: the k of one step, the operand rounding.
struct Mode {
  StringRef precision;
  int64_t k; // 16 (fp16, bf16: mma m16n8k16) or 8 (tf32: m16n8k8)
  bool tf32() const { return precision == "tf32"; }
};

struct Kernel {
  ContractionBuilder &e;
  Contraction &c;
  Mode mode;
  int64_t warps, stepsPerWarp, blocks;

  OpBuilder &b() { return e.b; }
  Location loc() { return e.loc; }

  /// `x` rounded to the operand type, as f32 (what the tensor cores multiply).
  Value rounded(Value x) {
    Type f32 = b().getF32Type(), i32 = b().getI32Type();
    if (x.getType() != f32) // stored at 16 bits already
      return arith::ExtFOp::create(b(), loc(), f32, x);
    if (mode.tf32()) { // round to nearest (ties away), as cvt.rna.tf32.f32
      Value bits = arith::BitcastOp::create(b(), loc(), i32, x);
      bits = arith::AddIOp::create(b(), loc(), bits, arith::ConstantIntOp::create(b(), loc(), i32, 0x1000));
      bits = arith::AndIOp::create(b(), loc(), bits, arith::ConstantIntOp::create(b(), loc(), i32, int32_t(0xffffe000)));
      return arith::BitcastOp::create(b(), loc(), f32, bits);
    }
    return arith::ExtFOp::create(b(), loc(), f32, arith::TruncFOp::create(b(), loc(), narrow(), x).getResult());
  }
  Type narrow() { return mode.precision == "bf16" ? Type(b().getBF16Type()) : Type(b().getF16Type()); }

  /// Block `block`'s (batch, m0, n0).
  std::array<Value, 3> tileOf(Value block) {
    SmallVector<Value> t = delinearize(b(), loc(), block, {c.batch, tilesOf(c.m), tilesOf(c.n)});
    return {t[0], e.mul(t[1], kTile), e.mul(t[2], kTile)};
  }

  /// The (row, k) of each A fragment element and the (k, col) of each B
  /// element a lane holds for one k step (PTX ISA, mma.m16n8k16 / m16n8k8;
  /// lane = 4g + t); pairs of consecutive k share a register in fp16/bf16.
  void fragmentCoords(Value lane, SmallVector<std::pair<Value, Value>> &aCoords,
                      SmallVector<std::pair<Value, Value>> &bCoords) {
    Value g = e.div(lane, 4), t = e.rem(lane, 4);
    SmallVector<std::pair<int64_t, int64_t>> aOff, bOff; // (row or col offset, k offset) from (g, k of t)
    Value kOfT = mode.tf32() ? t : e.mul(t, 2);
    if (mode.tf32()) {
      aOff = {{0, 0}, {8, 0}, {0, 4}, {8, 4}};
      bOff = {{0, 0}, {0, 4}};
    } else {
      aOff = {{0, 0}, {0, 1}, {8, 0}, {8, 1}, {0, 8}, {0, 9}, {8, 8}, {8, 9}};
      bOff = {{0, 0}, {0, 1}, {0, 8}, {0, 9}};
    }
    for (int64_t mt = 0; mt < kTilesM; ++mt)
      for (auto [dr, dk] : aOff)
        aCoords.push_back({e.add(g, e.cst(mt * 16 + dr)), e.add(kOfT, e.cst(dk))});
    for (int64_t nt = 0; nt < kTilesN; ++nt)
      for (auto [dc, dk] : bOff)
        bCoords.push_back({e.add(kOfT, e.cst(dk)), e.add(g, e.cst(nt * 8 + dc))});
  }

  /// The lane's fragment values of step `step` (past the end: zeros).
  SmallVector<Value> loadFragments(Value step, std::array<Value, 3> tile, ArrayRef<std::pair<Value, Value>> aCoords,
                                   ArrayRef<std::pair<Value, Value>> bCoords) {
    Value k0 = e.mul(step, mode.k);
    SmallVector<Value> out;
    for (auto [row, k] : aCoords)
      out.push_back(e.element(/*isA=*/true, tile[0], e.add(tile[1], row), e.add(k0, k)));
    for (auto [k, col] : bCoords)
      out.push_back(e.element(/*isA=*/false, tile[0], e.add(tile[2], col), e.add(k0, k)));
    return out;
  }

  /// One k step: acc[mt][nt] += A[mt] * B[nt] on the tensor cores.
  SmallVector<Value> multiply(ArrayRef<Value> frags, ArrayRef<Value> acc) {
    Type f32 = b().getF32Type(), i32 = b().getI32Type();
    int64_t perA = mode.tf32() ? 4 : 8, perB = mode.tf32() ? 2 : 4;
    // Registers: tf32 one b32 per element; fp16 pairs as f16x2; bf16 pairs as b32.
    auto registers = [&](ArrayRef<Value> values) {
      SmallVector<Value> regs;
      if (mode.tf32()) {
        for (Value v : values)
          regs.push_back(arith::BitcastOp::create(b(), loc(), i32, rounded(v)));
        return regs;
      }
      auto pairType = VectorType::get({2}, narrow());
      auto toNarrow = [&](Value v) -> Value {
        return v.getType() == narrow() ? v : arith::TruncFOp::create(b(), loc(), narrow(), v).getResult();
      };
      for (size_t i = 0; i < values.size(); i += 2) {
        Value v = vector::FromElementsOp::create(b(), loc(), pairType, ValueRange{toNarrow(values[i]), toNarrow(values[i + 1])});
        regs.push_back(mode.precision == "bf16" ? LLVM::BitcastOp::create(b(), loc(), i32, v).getResult() : v);
      }
      return regs;
    };
    auto structType = LLVM::LLVMStructType::getLiteral(b().getContext(), {f32, f32, f32, f32});
    NVVM::MMATypes type = mode.tf32() ? NVVM::MMATypes::tf32
                          : mode.precision == "bf16" ? NVVM::MMATypes::bf16
                                                     : NVVM::MMATypes::f16;
    SmallVector<Value> out(acc.begin(), acc.end());
    for (int64_t mt = 0; mt < kTilesM; ++mt) {
      SmallVector<Value> a = registers(frags.slice(mt * perA, perA));
      for (int64_t nt = 0; nt < kTilesN; ++nt) {
        SmallVector<Value> bf = registers(frags.slice(kTilesM * perA + nt * perB, perB));
        int64_t q = (mt * kTilesN + nt) * 4;
        SmallVector<Value> cfrag(out.begin() + q, out.begin() + q + 4);
        Value d = NVVM::MmaOp::create(b(), loc(), structType, a, bf, cfrag, ArrayRef<int64_t>{16, 8, mode.k},
                                      std::nullopt, std::nullopt, std::array<NVVM::MMATypes, 2>{type, type},
                                      std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row, NVVM::MMALayout::col});
        for (int64_t i = 0; i < 4; ++i)
          out[q + i] = LLVM::ExtractValueOp::create(b(), loc(), d, ArrayRef<int64_t>{i});
      }
    }
    return out;
  }

  /// (row, col) in the tile of accumulator q of a lane (the C fragment).
  std::pair<Value, Value> accCoord(Value lane, int64_t q) {
    Value g = e.div(lane, 4), t = e.rem(lane, 4);
    int64_t tile = q / 4, el = q % 4, mt = tile / kTilesN, nt = tile % kTilesN;
    return {e.add(g, e.cst(mt * 16 + (el >= 2 ? 8 : 0))), e.add(e.mul(t, 2), e.cst(nt * 8 + (el & 1)))};
  }

  /// After the barrier: thread `tid` sums output o = tid + 32W j over the
  /// warps' partials in warp order (deterministic) and stores it.
  void combine(Value tid, Value partials, std::array<Value, 3> tile) {
    int64_t threads = 32 * warps;
    for (int64_t j = 0; j < kTile * kTile / threads; ++j) {
      Value o = e.add(tid, e.cst(j * threads));
      Value row = e.div(o, kTile), col = e.rem(o, kTile);
      Value sum;
      for (int64_t w = 0; w < warps; ++w) {
        Value p = memref::LoadOp::create(b(), loc(), partials, ValueRange{e.cst(w), row, col});
        sum = sum ? arith::AddFOp::create(b(), loc(), sum, p).getResult() : p;
      }
      e.storeOutput(tile[0], e.add(tile[1], row), e.add(tile[2], col), sum);
    }
  }

  void emitDevice() {
    OpBuilder &bb = b();
    auto space = gpu::AddressSpaceAttr::get(bb.getContext(), gpu::AddressSpace::Workgroup);
    auto partialsType = MemRefType::get({warps, kTile, kTile}, bb.getF32Type(), AffineMap(), space);
    Value one = e.cst(1);
    auto launch = gpu::LaunchOp::create(bb, loc(), e.cst(blocks), one, one, e.cst(32 * warps), one, one, nullptr,
                                        nullptr, {}, TypeRange{partialsType});
    bb.setInsertionPointToStart(&launch.getBody().front());
    Value partials = launch.getWorkgroupAttributions()[0];
    Value tid = launch.getThreadIds().x, lane = e.rem(tid, 32), warp = e.div(tid, 32);
    std::array<Value, 3> tile = tileOf(launch.getBlockIds().x);
    SmallVector<std::pair<Value, Value>> aCoords, bCoords;
    fragmentCoords(lane, aCoords, bCoords);
    // acc and the current step's fragments are loop-carried; the body loads
    // the next step's before multiplying.
    Value zero = arith::ConstantOp::create(bb, loc(), bb.getF32FloatAttr(0));
    SmallVector<Value> init(kAcc, zero);
    SmallVector<Value> first = loadFragments(warp, tile, aCoords, bCoords);
    init.append(first);
    auto loop = scf::ForOp::create(bb, loc(), e.cst(0), e.cst(stepsPerWarp), one, init);
    {
      OpBuilder::InsertionGuard g(bb);
      bb.setInsertionPointToStart(loop.getBody());
      auto args = loop.getRegionIterArgs();
      Value nextStep = e.add(warp, e.mul(e.add(loop.getInductionVar(), one), warps));
      SmallVector<Value> next = loadFragments(nextStep, tile, aCoords, bCoords);
      SmallVector<Value> acc = multiply(SmallVector<Value>(args.begin() + kAcc, args.end()),
                                        SmallVector<Value>(args.begin(), args.begin() + kAcc));
      acc.append(next);
      scf::YieldOp::create(bb, loc(), acc);
    }
    for (int64_t q = 0; q < kAcc; ++q) {
      auto [row, col] = accCoord(lane, q);
      memref::StoreOp::create(bb, loc(), loop.getResult(q), partials, ValueRange{warp, row, col});
    }
    gpu::BarrierOp::create(bb, loc());
    combine(tid, partials, tile);
    gpu::TerminatorOp::create(bb, loc());
  }

  /// The same sums as host loops: per block, each warp's partial of each
  /// output over its k steps (operands rounded alike), then the combine.
  void emitHost() {
    OpBuilder &bb = b();
    Value partials = memref::AllocaOp::create(bb, loc(), MemRefType::get({warps, kTile, kTile}, bb.getF32Type()));
    auto loopTo = [&](int64_t n, ValueRange iters = {}) {
      auto l = scf::ForOp::create(bb, loc(), e.cst(0), e.cst(n), e.cst(1), iters);
      bb.setInsertionPointToStart(l.getBody());
      return l;
    };
    auto blockLoop = loopTo(blocks);
    std::array<Value, 3> tile = tileOf(blockLoop.getInductionVar());
    {
      OpBuilder::InsertionGuard g(bb);
      Value w = loopTo(warps).getInductionVar();
      Value row = loopTo(kTile).getInductionVar();
      Value col = loopTo(kTile).getInductionVar();
      Value zero = arith::ConstantOp::create(bb, loc(), bb.getF32FloatAttr(0));
      auto steps = loopTo(stepsPerWarp, zero);
      Value k0 = e.mul(e.add(w, e.mul(steps.getInductionVar(), warps)), mode.k);
      Value acc = steps.getRegionIterArgs()[0];
      for (int64_t kk = 0; kk < mode.k; ++kk) {
        Value k = e.add(k0, e.cst(kk));
        Value x = rounded(e.element(true, tile[0], e.add(tile[1], row), k));
        Value y = rounded(e.element(false, tile[0], e.add(tile[2], col), k));
        acc = arith::AddFOp::create(bb, loc(), acc, arith::MulFOp::create(bb, loc(), x, y));
      }
      scf::YieldOp::create(bb, loc(), acc);
      bb.setInsertionPointAfter(steps);
      memref::StoreOp::create(bb, loc(), steps.getResult(0), partials, ValueRange{w, row, col});
    }
    Value tid = loopTo(32 * warps).getInductionVar();
    combine(tid, partials, tile);
  }
};

} // namespace

static Mode modeOf(StringRef precision) { return Mode{precision, precision == "tf32" ? 8 : 16}; }
static int64_t blocksOf(const Contraction &c) { return c.batch * tilesOf(c.m) * tilesOf(c.n); }

bool suitsTensorCores(const Contraction &c, StringRef precision) {
  return (precision == "tf32" || precision == "fp16" || precision == "bf16") && c.m >= 16 && c.n >= 16 &&
         c.k >= modeOf(precision).k && blocksOf(c) < (int64_t(1) << 31);
}

bool emitTensorCoreContraction(OpBuilder &b, Contraction &c, bool emulate, StringRef precision) {
  if (!suitsTensorCores(c, precision))
    return false;
  Mode mode = modeOf(precision);
  int64_t steps = (c.k + mode.k - 1) / mode.k, warps = 1;
  while (warps < kMaxWarps && steps / (warps * 2) >= kMinStepsPerWarp)
    warps *= 2;
  int64_t blocks = blocksOf(c);
  ContractionBuilder e{b, c.loop.getLoc(), c};
  Kernel kernel{e, c, mode, warps, (steps + warps - 1) / warps, blocks};
  if (emulate)
    kernel.emitHost();
  else
    kernel.emitDevice();
  return true;
}

} // namespace onnxc::codegen
