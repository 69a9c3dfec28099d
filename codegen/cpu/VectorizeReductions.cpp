// Register-tiles and vectorizes linalg reductions on buffers (MatMul, Gemm, Conv, pooling).
//
// The output of a reduction is cut into tiles of `rows x lanes`: lanes run
// along the output's contiguous axis (target vector width), rows along a
// second output axis that the lane-carrying inputs do not depend on, so one
// vector load feeds every row. The tile's accumulators live in vector
// registers across the whole reduction loop nest; the generic's body is
// replayed on vectors, so a mul/add body becomes FMAs of the target width.
// Remainder tiles are emitted statically (fewer rows; bounds-checked lanes).
// The outermost tile loop carries `onnxc.parallel` for the thread pool when the
// target has threads. Width and accumulator count are the target's (module
// attribute onnxc.target): 0 vector bits give scalar tiles in FP registers.
#include "codegen/Passes.h"
#include "codegen/common/Kernels.h"
#include "codegen/cpu/ReductionPlan.h"
#include "codegen/cpu/ReductionTiles.h"
#include "codegen/cpu/VectorBody.h"
#include "target/TargetInfo.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

#include <cmath>

using namespace mlir;

namespace onnxc::codegen {
#define GEN_PASS_DEF_VECTORIZEREDUCTIONS
#include "codegen/Passes.h.inc"

namespace {


/// Weights above this size stream through the cache once per tile row
/// unless emitWeightStreaming reorders the tiles (about an L2 cache).
constexpr int64_t kStreamedWeightBytes = 1 << 20;
/// The weights of one lane tile and reduction block (a quarter of an L2
/// cache, the rest holding the activations they meet).
constexpr int64_t kBlockWeightBytes = 256 << 10;

/// The buffer a view (subview, reshape, cast) looks into.
Value rootOf(Value v) {
  while (auto view = v.getDefiningOp<ViewLikeOpInterface>())
    v = view.getViewSource();
  return v;
}

/// A range of the outermost reduction axis for one pass over a tile; `first`
/// starts from the prologue (else from the partial sums in the result), `last`
/// applies the epilogue (else stores raw partial sums).
struct ReductionBlock {
  Value start;
  int64_t size = 0;
  bool first = true, last = true;
};

/// Emits the tiled, vectorized loop nest of one reduction (and its fused ops).
class TileEmitter {
public:
  /// Reductions of fewer than `minParallelWork` iterations stay on the calling
  /// thread: waking the pool would cost more than they take.
  TileEmitter(linalg::GenericOp op, const TilePlan &plan, const TileFusion &fusion,
              int64_t minParallelWork, bool threads, const DenseMap<unsigned, Access> &padded)
      : op(op), plan(plan), fusion(fusion), loc(op.getLoc()), dims(plan.extents.size()) {
    int64_t work = 1;
    for (int64_t e : plan.extents)
      work = std::min<int64_t>(work * e, minParallelWork);
    shareTiles = threads && work >= minParallelWork;
    for (OpOperand *in : op.getDpsInputOperands()) {
      auto it = padded.find(in->getOperandNumber());
      inputs.push_back(it != padded.end() ? it->second : accessOf(op, in));
    }
  }

  void emit(OpBuilder &b) {
    for (AffineExpr e : op.getMatchingIndexingMap(op.getDpsInitOperand(0)).getResults()) {
      int64_t d = cast<AffineDimExpr>(e).getPosition();
      if (d != plan.lane && d != plan.row)
        outer.push_back(d);
    }
    for (int64_t d = 0; d < (int64_t)plan.extents.size(); ++d) {
      if (op.getIteratorTypesArray()[d] == utils::IteratorType::reduction && plan.extents[d] > 1)
        reductions.push_back(d);
      dims[d] = index(b, 0);
    }
    innermostLongestReduction(reductions, [&](int64_t d) { return plan.extents[d]; });
    if (streamsWeights())
      return emitWeightStreaming(b);
    if (shareTiles)
      return emitTileGrid(b);
    forOuterPoints(b, 0, [&](OpBuilder &ob) { emitLaneTiles(ob); });
  }

private:
  Value index(OpBuilder &b, int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }

  /// A loop 0..count (none when count is 1) whose body gets the induction
  /// value, marked for the thread pool when `parallel`.
  void loop(OpBuilder &b, int64_t count, function_ref<void(OpBuilder &, Value)> body, bool parallel = false) {
    if (count == 1)
      return body(b, index(b, 0));
    auto forOp = scf::ForOp::create(b, loc, index(b, 0), index(b, count), index(b, 1));
    if (parallel)
      forOp->setAttr(kParallelAttr, b.getUnitAttr());
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(forOp.getBody()->getTerminator());
    body(b, forOp.getInductionVar());
  }

  Value scaled(OpBuilder &b, Value iv, int64_t scale, int64_t offset) {
    AffineExpr s0 = b.getAffineSymbolExpr(0);
    return affine::AffineApplyOp::create(b, loc, AffineMap::get(0, 1, s0 * scale + offset), iv);
  }


  using LaneTileFn = function_ref<void(OpBuilder &, Value laneBase, int64_t vectors, int64_t lastLanes)>;
  using RowTileFn = function_ref<void(OpBuilder &, Value rowBase, int64_t rows)>;

  /// Vectors in a full lane tile (`last` false) or in the partial last one,
  /// and the lanes its last vector uses.
  std::pair<int64_t, int64_t> laneTileShape(bool last) {
    int64_t rest = plan.extents[plan.lane] % (plan.width * plan.laneVectors);
    if (!last)
      return {plan.laneVectors, plan.width};
    return {llvm::divideCeil(rest, plan.width), rest % plan.width ? rest % plan.width : plan.width};
  }

  /// Full lane tiles in a loop, then the remainder tile.
  void forLaneTiles(OpBuilder &b, LaneTileFn body) {
    int64_t tile = plan.width * plan.laneVectors, extent = plan.extents[plan.lane];
    int64_t full = extent / tile, rest = extent % tile;
    if (full)
      loop(b, full, [&](OpBuilder &nb, Value iv) {
        auto [vectors, lanes] = laneTileShape(false);
        body(nb, scaled(nb, iv, tile, 0), vectors, lanes);
      });
    if (rest) {
      auto [vectors, lanes] = laneTileShape(true);
      body(b, index(b, full * tile), vectors, lanes);
    }
  }

  /// Full row tiles in a loop, then the remainder tile (one tile of no row
  /// axis when the plan has none).
  void forRowTiles(OpBuilder &b, RowTileFn body) {
    if (plan.row < 0)
      return body(b, Value(), 1);
    int64_t extent = plan.extents[plan.row], full = extent / plan.rowTile, rest = extent % plan.rowTile;
    if (full)
      loop(b, full, [&](OpBuilder &nb, Value iv) { body(nb, scaled(nb, iv, plan.rowTile, 0), plan.rowTile); });
    if (rest)
      body(b, index(b, full * plan.rowTile), rest);
  }

  /// Lane tiles outside row tiles: an activation block stays in cache while
  /// the weights stream. (Serial; with threads emitTileGrid keeps this order.)
  void emitLaneTiles(OpBuilder &b) {
    forLaneTiles(b, [&](OpBuilder &lb, Value laneBase, int64_t vectors, int64_t lastLanes) {
      forRowTiles(lb, [&](OpBuilder &rb, Value rowBase, int64_t rows) {
        emitTile(rb, laneBase, rowBase, rows, vectors, lastLanes);
      });
    });
  }

  /// With threads: one parallel loop over every tile (outer points, then lane
  /// tiles, then row tiles: the order of the nested loops), each tile's shape
  /// chosen by its position, so each thread gets an equal share of tiles
  /// however few one axis has (squeezenet's classifier has 5 full lane tiles).
  void emitTileGrid(OpBuilder &b) {
    int64_t laneTile = plan.width * plan.laneVectors, laneExtent = plan.extents[plan.lane];
    int64_t fullLanes = laneExtent / laneTile, restLanes = laneExtent % laneTile;
    int64_t rowExtent = plan.row >= 0 ? plan.extents[plan.row] : 1, rowTile = plan.row >= 0 ? plan.rowTile : 1;
    int64_t fullRows = rowExtent / rowTile, restRows = rowExtent % rowTile;
    SmallVector<int64_t> counts;
    for (int64_t d : outer)
      counts.push_back(plan.extents[d]);
    counts.push_back(fullLanes + (restLanes ? 1 : 0));
    counts.push_back(fullRows + (restRows ? 1 : 0));
    int64_t total = 1;
    for (int64_t c : counts)
      total *= c;
    loop(b, total, [&](OpBuilder &nb, Value iv) {
      SmallVector<Value> at;
      int64_t stride = total;
      for (int64_t c : counts) {
        stride /= c;
        AffineExpr s0 = nb.getAffineSymbolExpr(0);
        at.push_back(affine::AffineApplyOp::create(nb, loc, AffineMap::get(0, 1, s0.floorDiv(stride) % c), iv));
      }
      for (auto [i, d] : llvm::enumerate(outer))
        dims[d] = at[i];
      Value laneAt = at[outer.size()], rowAt = at[outer.size() + 1];
      Value laneBase = scaled(nb, laneAt, laneTile, 0);
      Value rowBase = plan.row >= 0 ? scaled(nb, rowAt, rowTile, 0) : Value();
      auto byRows = [&](OpBuilder &lb, bool lastLanes) {
        int64_t vectors, lanes;
        std::tie(vectors, lanes) = laneTileShape(lastLanes);
        branch(lb, rowAt, fullRows, restRows, [&](OpBuilder &rb, bool lastRows) {
          emitTile(rb, laneBase, rowBase, lastRows ? restRows : rowTile, vectors, lanes);
        });
      };
      branch(nb, laneAt, fullLanes, restLanes, byRows);
    }, /*parallel=*/true);
  }

  /// Weights too big for the cache (see streamsWeights): lane tiles outermost
  /// (the parallel loop with threads, so each thread reads only its lane
  /// tiles' weights), then blocks of the outermost reduction axis small enough
  /// that a lane tile's weights of one block stay in L2 while every outer
  /// point and row tile reuses them. Blocks before the last store raw partial
  /// sums in the result, which the next block reads back.
  void emitWeightStreaming(OpBuilder &b) {
    int64_t laneTile = plan.width * plan.laneVectors, laneExtent = plan.extents[plan.lane];
    int64_t fullLanes = laneExtent / laneTile, restLanes = laneExtent % laneTile;
    int64_t d0 = reductions.front(), blockSize = reductionBlock(), blocks = plan.extents[d0] / blockSize;
    loop(b, fullLanes + (restLanes ? 1 : 0), [&](OpBuilder &nb, Value laneAt) {
      Value laneBase = scaled(nb, laneAt, laneTile, 0);
      branch(nb, laneAt, fullLanes, restLanes, [&](OpBuilder &lb, bool lastLanes) {
        int64_t vectors, lanes;
        std::tie(vectors, lanes) = laneTileShape(lastLanes);
        auto forBlock = [&](OpBuilder &kb, Value start, bool first, bool last) {
          forOuterPoints(kb, 0, [&](OpBuilder &ob) {
            forRowTiles(ob, [&](OpBuilder &rb, Value rowBase, int64_t rows) {
              emitTile(rb, laneBase, rowBase, rows, vectors, lanes, ReductionBlock{start, blockSize, first, last});
            });
          });
        };
        forBlock(lb, index(lb, 0), true, blocks == 1);
        if (blocks > 2)
          loop(lb, blocks - 2, [&](OpBuilder &mb, Value iv) { forBlock(mb, scaled(mb, iv, blockSize, blockSize), false, false); });
        if (blocks > 1)
          forBlock(lb, index(lb, (blocks - 1) * blockSize), false, true);
      });
    }, /*parallel=*/shareTiles);
  }

  /// Nested loops over the outer axes from `i` on, then `body`.
  void forOuterPoints(OpBuilder &b, size_t i, function_ref<void(OpBuilder &)> body) {
    if (i == outer.size())
      return body(b);
    int64_t d = outer[i];
    loop(b, plan.extents[d], [&](OpBuilder &nb, Value iv) {
      dims[d] = iv;
      forOuterPoints(nb, i + 1, body);
    });
  }

  /// Whether the weights (inputs no outer axis indexes) exceed the cache and
  /// several tiles would each stream them: then emitWeightStreaming. The
  /// partial sums it keeps in the result need an accumulator-typed result that
  /// no epilogue input shares.
  bool streamsWeights() {
    int64_t laneTiles = llvm::divideCeil(plan.extents[plan.lane], plan.width * plan.laneVectors);
    int64_t otherTiles = plan.row >= 0 ? llvm::divideCeil(plan.extents[plan.row], plan.rowTile) : 1;
    for (int64_t d : outer)
      otherTiles *= plan.extents[d];
    if (reductions.empty() || laneTiles < 2 || otherTiles < 2 || weightBytes() <= kStreamedWeightBytes)
      return false;
    Value result = fusion.result.mem;
    if (getElementTypeOrSelf(result.getType()) != getElementTypeOrSelf(op.getDpsInitOperand(0)->get().getType()) ||
        fusion.result.low.size())
      return false;
    return llvm::none_of(fusion.epilogueInputs, [&](const Access &a) { return a.mem && rootOf(a.mem) == rootOf(result); });
  }

  /// Extent of the blocks of the outermost reduction axis: the largest divisor
  /// of its extent whose share of a lane tile's weights fits kBlockWeightBytes.
  int64_t reductionBlock() {
    int64_t d0 = reductions.front(), perStep = plan.width * plan.laneVectors * 4;
    for (int64_t d : ArrayRef<int64_t>(reductions).drop_front())
      perStep *= plan.extents[d];
    int64_t block = plan.extents[d0];
    while (block > 1 && block * perStep > kBlockWeightBytes)
      do
        --block;
      while (plan.extents[d0] % block);
    return block;
  }

  /// Bytes of the inputs that no outer axis of more than one point indexes (a conv's weights).
  int64_t weightBytes() {
    int64_t bytes = 0;
    for (const Access &a : inputs) {
      if (!a.mem || llvm::any_of(outer, [&](int64_t d) { return plan.extents[d] > 1 && usesDim(a.map, d); }))
        continue;
      auto t = cast<MemRefType>(a.mem.getType());
      if (t.hasStaticShape())
        bytes += t.getNumElements() * t.getElementTypeBitWidth() / 8;
    }
    return bytes;
  }

  /// `body(last)` for tile `at` of `full` whole tiles and a last partial one
  /// when `rest`: one branch when only one kind exists.
  void branch(OpBuilder &b, Value at, int64_t full, int64_t rest, function_ref<void(OpBuilder &, bool)> body) {
    if (!rest || !full)
      return body(b, !full);
    Value isFull = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, at, index(b, full));
    // The regions are filled once the op exists: bodies that build loops and
    // affine maps need their blocks inside a parent op.
    auto ifOp = scf::IfOp::create(b, loc, isFull, /*withElseRegion=*/true);
    for (bool last : {false, true}) {
      OpBuilder nb = last ? ifOp.getElseBodyBuilder() : ifOp.getThenBodyBuilder();
      body(nb, last);
    }
  }

  /// Indices of `map` with the lane and row dimensions at the given values.
  SmallVector<Value> indicesOf(OpBuilder &b, AffineMap map, Value lane, Value row) {
    SmallVector<Value> values(dims);
    values[plan.lane] = lane;
    if (plan.row >= 0)
      values[plan.row] = row;
    SmallVector<Value> result;
    for (AffineExpr e : map.getResults())
      result.push_back(affine::makeComposedAffineApply(
                           b, loc, AffineMap::get(map.getNumDims(), 0, e), getAsOpFoldResult(values))
                           .getResult());
    return result;
  }

  VectorType vectorOf(Type elem) { return VectorType::get({plan.width}, elem); }

  int64_t laneStride(const Access &a) { return laneStrideAlong(a, plan.lane); }

  /// `idx` (the indices of lane 0) moved to lane `l`.
  SmallVector<Value> laneIndices(OpBuilder &b, AffineMap map, ArrayRef<Value> idx, int64_t l) {
    int64_t pos = lanePosition(map, plan.lane);
    SmallVector<Value> li(idx);
    li[pos] = scaled(b, idx[pos], 1, l * *coefficientOf(map.getResult(pos), plan.lane));
    return li;
  }

  /// The vector of `a` at (lane, row): lanes [0, lanes) loaded when `a`
  /// varies along the lanes, else one element broadcast.
  Value read(OpBuilder &b, const Access &a, Value lane, Value row, int64_t lanes) {
    Type elem = getElementTypeOrSelf(a.mem.getType());
    SmallVector<Value> idx = indicesOf(b, a.map, lane, row);
    if (!a.low.empty())
      return readPadded(b, a, idx, lanes);
    if (!usesDim(a.map, plan.lane)) {
      Value s = memref::LoadOp::create(b, loc, a.mem, idx);
      return vector::BroadcastOp::create(b, loc, vectorOf(elem), s);
    }
    if (isContiguousAlong(a, plan.lane)) {
      Value pad = arith::ConstantOp::create(b, loc, b.getZeroAttr(elem));
      SmallVector<bool> inBounds{lanes == plan.width};
      return vector::TransferReadOp::create(b, loc, vectorOf(elem), a.mem, idx, pad, inBounds);
    }
    // Lanes a small stride apart along the contiguous axis (stride-2 convs).
    if (int64_t stride = laneStride(a); stride > 1 && stride <= kMaxShuffledStride)
      return readEveryNth(b, loc, a.mem, idx, plan.width, stride);
    // Other strided lanes: one gather (tail lanes masked off), or scalar
    // loads when the layout is not static (invalid tail lanes repeat lane 0).
    if (std::optional<FlatLanes> flat = flatLanes(b, a, idx)) {
      Value pad = arith::ConstantOp::create(b, loc, vectorOf(elem), b.getZeroAttr(vectorOf(elem)));
      return vector::GatherOp::create(b, loc, vectorOf(elem), flat->view, ValueRange{flat->at}, flat->offsets,
                                      laneMask(b, lanes), pad);
    }
    SmallVector<Value> elems;
    for (int64_t l = 0; l < plan.width; ++l)
      elems.push_back(memref::LoadOp::create(b, loc, a.mem, laneIndices(b, a.map, idx, l < lanes ? l : 0)));
    return vector::FromElementsOp::create(b, loc, vectorOf(elem), elems);
  }

  /// Padded indices `idx` of `a` moved into its interior, and whether they
  /// lie inside it (invalid ones become 0, so a load stays in bounds).
  std::pair<Value, SmallVector<Value>> interiorIndices(OpBuilder &b, const Access &a, ArrayRef<Value> idx) {
    Value valid = arith::ConstantIntOp::create(b, loc, 1, 1);
    Value zero = index(b, 0);
    SmallVector<Value> inner;
    for (auto [d, padded] : llvm::enumerate(idx)) {
      Value i = scaled(b, padded, 1, -a.low[d]);
      Value inRange = arith::AndIOp::create(
          b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, i, zero),
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, i, index(b, a.sizes[d])));
      valid = arith::AndIOp::create(b, loc, valid, inRange);
      inner.push_back(i);
    }
    for (Value &i : inner)
      i = arith::SelectOp::create(b, loc, valid, i, zero);
    return {valid, inner};
  }

  /// The element of `a` at padded indices `idx`: from the interior, or the
  /// pad value outside it.
  Value readPaddedElement(OpBuilder &b, const Access &a, ArrayRef<Value> idx) {
    auto [valid, inner] = interiorIndices(b, a, idx);
    Value v = memref::LoadOp::create(b, loc, a.mem, inner);
    return arith::SelectOp::create(b, loc, valid, v, a.padValue);
  }

  /// The vector of padded input `a` at padded indices `idx` (lane 0): one
  /// vector load when its first and last lanes lie inside the interior and
  /// the lanes are contiguous, else an element at a time.
  Value readPadded(OpBuilder &b, const Access &a, ArrayRef<Value> idx, int64_t lanes) {
    Type elem = getElementTypeOrSelf(a.mem.getType());
    if (!usesDim(a.map, plan.lane))
      return vector::BroadcastOp::create(b, loc, vectorOf(elem), readPaddedElement(b, a, idx));
    auto elementwise = [&](OpBuilder &nb) -> Value {
      SmallVector<Value> elems;
      for (int64_t l = 0; l < plan.width; ++l)
        elems.push_back(readPaddedElement(nb, a, laneIndices(nb, a.map, idx, l < lanes ? l : 0)));
      return vector::FromElementsOp::create(nb, loc, vectorOf(elem), elems);
    };
    if (lanes == 1 || !isContiguousAlong(a, plan.lane))
      return elementwise(b);
    std::pair<Value, SmallVector<Value>> first = interiorIndices(b, a, idx);
    Value firstValid = first.first;
    SmallVector<Value> inner = first.second;
    Value lastValid = interiorIndices(b, a, laneIndices(b, a.map, idx, lanes - 1)).first;
    Value whole = arith::AndIOp::create(b, loc, firstValid, lastValid);
    auto ifOp = scf::IfOp::create(
        b, loc, whole,
        [&](OpBuilder &nb, Location l) {
          SmallVector<bool> inBounds{lanes == plan.width};
          Value v = vector::TransferReadOp::create(nb, l, vectorOf(elem), a.mem, inner, a.padValue, inBounds);
          scf::YieldOp::create(nb, l, v);
        },
        [&](OpBuilder &nb, Location l) { scf::YieldOp::create(nb, l, elementwise(nb)); });
    return ifOp.getResult(0);
  }

  /// Stores lanes [0, lanes) of `value` at (lane, row) of `a`.
  void write(OpBuilder &b, const Access &a, Value value, Value lane, Value row, int64_t lanes) {
    SmallVector<Value> idx = indicesOf(b, a.map, lane, row);
    if (isContiguousAlong(a, plan.lane)) {
      SmallVector<bool> inBounds{lanes == plan.width};
      vector::TransferWriteOp::create(b, loc, value, a.mem, idx, inBounds);
      return;
    }
    // Strided lanes (channels of an NCHW output): one scatter, compact to
    // compile (a store per lane is 16 extracts and stores per vector).
    if (std::optional<FlatLanes> flat = flatLanes(b, a, idx)) {
      vector::ScatterOp::create(b, loc, Type(), flat->view, ValueRange{flat->at}, flat->offsets, laneMask(b, lanes),
                                value);
      return;
    }
    for (int64_t l = 0; l < lanes; ++l)
      memref::StoreOp::create(b, loc, vector::ExtractOp::create(b, loc, value, l), a.mem,
                              laneIndices(b, a.map, idx, l));
  }

  /// A strided lane vector of `a` as a gather or scatter: a flat unit-stride
  /// view of the buffer, lane 0's position in it and each lane's offset.
  struct FlatLanes {
    Value view, at, offsets;
  };

  /// `a` at indices `idx` (lane 0) seen as FlatLanes; none when vectors are
  /// one lane wide or `a`'s layout is not static.
  std::optional<FlatLanes> flatLanes(OpBuilder &b, const Access &a, ArrayRef<Value> idx) {
    auto type = cast<MemRefType>(a.mem.getType());
    SmallVector<int64_t> strides;
    int64_t offset;
    int64_t pos = lanePosition(a.map, plan.lane);
    if (plan.width < 2 || pos < 0 || !type.hasStaticShape() || failed(type.getStridesAndOffset(strides, offset)) ||
        ShapedType::isDynamic(offset) || llvm::any_of(strides, ShapedType::isDynamic))
      return std::nullopt;
    int64_t span = 1;
    AffineExpr linear = b.getAffineConstantExpr(0);
    for (auto [i, stride] : llvm::enumerate(strides)) {
      span += (type.getDimSize(i) - 1) * stride;
      linear = linear + b.getAffineSymbolExpr(i) * stride;
    }
    auto flatType = MemRefType::get({span}, type.getElementType(), StridedLayoutAttr::get(b.getContext(), offset, {1}));
    Value view = memref::ReinterpretCastOp::create(b, loc, flatType, a.mem, offset, ArrayRef<int64_t>{span},
                                                   ArrayRef<int64_t>{1});
    Value at = affine::AffineApplyOp::create(b, loc, AffineMap::get(0, strides.size(), linear), idx);
    int64_t step = strides[pos] * *coefficientOf(a.map.getResult(pos), plan.lane);
    SmallVector<int32_t> lanes;
    for (int64_t l = 0; l < plan.width; ++l)
      lanes.push_back(l * step);
    auto offsetsType = VectorType::get({plan.width}, b.getI32Type());
    Value offsets = arith::ConstantOp::create(b, loc, offsetsType, DenseElementsAttr::get(offsetsType, ArrayRef(lanes)));
    return FlatLanes{view, at, offsets};
  }

  /// The mask of lanes [0, lanes).
  Value laneMask(OpBuilder &b, int64_t lanes) {
    return vector::ConstantMaskOp::create(b, loc, VectorType::get({plan.width}, b.getI1Type()),
                                          ArrayRef<int64_t>{lanes});
  }

  Value laneValue(OpBuilder &b, Value laneBase, int64_t v) {
    return scaled(b, laneBase, 1, v * plan.width);
  }
  Value rowValue(OpBuilder &b, Value rowBase, int64_t r) {
    return plan.row < 0 ? Value() : scaled(b, rowBase, 1, r);
  }

  /// `g`'s body at one (lane, row) point; `acc` fills the slot whose access has no buffer.
  Value applyElementwise(OpBuilder &b, linalg::GenericOp g, ArrayRef<Access> accesses, Value acc,
                         Value lane, Value row, int64_t lanes) {
    SmallVector<Value> args;
    for (const Access &a : accesses)
      args.push_back(a.mem ? read(b, a, lane, row, lanes) : acc);
    Type outElem = g.getRegionOutputArgs()[0].getType();
    args.push_back(acc ? acc
                       : arith::ConstantOp::create(b, loc, vectorOf(outElem),
                                                   DenseElementsAttr::get(vectorOf(outElem),
                                                                          b.getZeroAttr(outElem))));
    return replayBody(b, g.getBody(), args);
  }

  void emitTile(OpBuilder &b, Value laneBase, Value rowBase, int64_t rows, int64_t vectors,
                int64_t lastLanes, ReductionBlock block = {}) {
    auto lanesOf = [&](int64_t v) { return v + 1 == vectors ? lastLanes : plan.width; };
    Access own = accessOf(op, op.getDpsInitOperand(0));
    SmallVector<Value> accs;
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t v = 0; v < vectors; ++v) {
        Value lane = laneValue(b, laneBase, v), row = rowValue(b, rowBase, r);
        accs.push_back(!block.first    ? read(b, fusion.result, lane, row, lanesOf(v))
                       : fusion.prologue ? applyElementwise(b, fusion.prologue, fusion.prologueInputs, Value(), lane,
                                                            row, lanesOf(v))
                                         : read(b, own, lane, row, lanesOf(v)));
      }

    auto step = [&](OpBuilder &nb, Location, ValueRange ivs, ValueRange iterAccs) {
      for (auto [d, iv] : llvm::zip(reductions, ivs))
        dims[d] = iv;
      // Input vectors per (row, vector); inputs that ignore rows or lanes are shared.
      SmallVector<SmallVector<Value>> ins;
      for (const Access &a : inputs) {
        bool byLane = usesDim(a.map, plan.lane), byRow = plan.row >= 0 && usesDim(a.map, plan.row);
        SmallVector<Value> values;
        for (int64_t r = 0; r < (byRow ? rows : 1); ++r)
          for (int64_t v = 0; v < (byLane ? vectors : 1); ++v)
            values.push_back(read(nb, a, laneValue(nb, laneBase, v), rowValue(nb, rowBase, r), lanesOf(v)));
        ins.push_back(values);
      }
      SmallVector<Value> next;
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t v = 0; v < vectors; ++v) {
          SmallVector<Value> args;
          for (auto [a, values] : llvm::zip(inputs, ins)) {
            bool byLane = usesDim(a.map, plan.lane), byRow = plan.row >= 0 && usesDim(a.map, plan.row);
            args.push_back(values[(byRow ? r : 0) * (byLane ? vectors : 1) + (byLane ? v : 0)]);
          }
          args.push_back(iterAccs[r * vectors + v]);
          next.push_back(replayBody(nb, op.getBody(), args));
        }
      return next;
    };
    if (!reductions.empty()) {
      SmallVector<Value> lbs, ubs, steps;
      for (int64_t d : reductions) {
        bool blocked = block.start && d == reductions.front();
        lbs.push_back(blocked ? block.start : index(b, 0));
        ubs.push_back(blocked ? scaled(b, block.start, 1, block.size) : index(b, plan.extents[d]));
        steps.push_back(index(b, 1));
      }
      scf::LoopNest nest = scf::buildLoopNest(b, loc, lbs, ubs, steps, accs,
                                              [&](OpBuilder &nb, Location l, ValueRange ivs,
                                                  ValueRange args) { return step(nb, l, ivs, args); });
      accs.assign(nest.results.begin(), nest.results.end());
      for (int64_t d : reductions)
        dims[d] = index(b, 0);
    } else {
      accs = step(b, loc, {}, accs);
    }
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t v = 0; v < vectors; ++v) {
        Value lane = laneValue(b, laneBase, v), row = rowValue(b, rowBase, r);
        Value result = accs[r * vectors + v];
        if (fusion.epilogue && block.last)
          result = applyElementwise(b, fusion.epilogue, fusion.epilogueInputs, result, lane, row,
                                    lanesOf(v));
        write(b, fusion.result, result, lane, row, lanesOf(v));
      }
  }

  Value replayBody(OpBuilder &b, Block *body, ArrayRef<Value> args) {
    return replayOnVectors(b, loc, body, args, plan.width);
  }

  linalg::GenericOp op;
  const TilePlan &plan;
  const TileFusion &fusion;
  Location loc;
  SmallVector<Access> inputs;
  SmallVector<Value> dims;
  SmallVector<int64_t> outer, reductions;
  bool shareTiles = false; // the tiles run as one parallel loop (threads and enough work)
};

/// Names the tile shape on the loops in [first, end) (for --report).
void markTiles(Operation *first, Operation *end, const TilePlan &plan) {
  std::string shape = std::to_string(plan.rowTile) + " rows x " + std::to_string(plan.laneVectors) + " x " +
                      std::to_string(plan.width) + " lanes";
  for (Operation *op = first; op && op != end; op = op->getNextNode())
    if (op->getNumRegions())
      op->setAttr(kTileAttr, StringAttr::get(op->getContext(), shape));
}

struct VectorizeReductionsPass : impl::VectorizeReductionsBase<VectorizeReductionsPass> {
  using VectorizeReductionsBase::VectorizeReductionsBase;
  void runOnOperation() override {
    SmallVector<linalg::GenericOp> ops;
    auto collect = [&] {
      ops.clear();
      // Only reductions: the elementwise ops they absorb are erased on the way.
      getOperation().walk([&](linalg::GenericOp op) {
        if (op.getNumReductionLoops())
          ops.push_back(op);
      });
    };
    TargetInfo target = targetOf(getOperation());
    collect();
    for (linalg::GenericOp op : ops)
      alignReshapedConsumer(op, /*splitReductions=*/!target.compactCode);
    collect();
    int64_t bits = vectorBits >= 0 ? vectorBits : target.vectorBits;
    int64_t maxAccumulators = accumulators > 0 ? accumulators : target.maxAccumulators();
    for (linalg::GenericOp op : ops) {
      std::optional<TilePlan> plan = planFor(op, bits, maxAccumulators);
      if (!plan)
        continue;
      TileFusion fusion = findTileFusion(op, /*intoPaddedBuffers=*/!target.compactCode);
      if ((fusion.prologue && (!isVectorizableBody(fusion.prologue) ||
                               !lanesAddressable(fusion.prologueInputs, plan->lane))) ||
          (fusion.epilogue && (!isVectorizableBody(fusion.epilogue) ||
                               !lanesAddressable(fusion.epilogueInputs, plan->lane))) ||
          lanePosition(fusion.result.map, plan->lane) < 0)
        fusion = TileFusion{{}, {}, {}, {}, accessOf(op, op.getDpsInitOperand(0)), {}};
      // Flash- and RAM-bound targets read padded inputs through guards
      // instead of keeping a padded buffer.
      DenseMap<unsigned, Access> padded;
      if (target.compactCode)
        padded = unpadInputs(op, fusion.deadAfter);
      OpBuilder b(op);
      Operation *before = op->getPrevNode();
      TileEmitter(op, *plan, fusion, minParallelWork, target.hasThreads, padded).emit(b);
      markTiles(before ? before->getNextNode() : &op->getBlock()->front(), op, *plan);
      Value buffer = op.getDpsInitOperand(0)->get();
      op.erase();
      for (Operation *dead : fusion.deadAfter)
        dead->erase();
      if (auto alloc = buffer.getDefiningOp<memref::AllocOp>(); alloc && alloc->use_empty())
        alloc.erase();
    }
  }
};

} // namespace
} // namespace onnxc::codegen
