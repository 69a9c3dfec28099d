// Shared pieces of reduction tiling: buffer accesses and the elementwise ops fused into tiles.
#ifndef ONNXC_CODEGEN_REDUCTIONTILES_H
#define ONNXC_CODEGEN_REDUCTIONTILES_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace onnxc::codegen {

/// A buffer read or written at `map` of a reduction's loop indices. With
/// `low` set, `mem` holds only the interior of a padded input: `map` gives
/// padded indices, the interior starts at `low` and spans `sizes`, and reads
/// outside it give `padValue`.
struct Access {
  mlir::Value mem;
  mlir::AffineMap map;
  llvm::SmallVector<int64_t> low, sizes;
  mlir::Value padValue;
};

/// Elementwise generics that a reduction's tiles absorb, so its result buffer
/// is never materialized: the prologue computes the accumulators' initial
/// values (a bias broadcast), the epilogue maps the finished accumulators (an
/// activation, a residual add) before they are stored to `result`.
struct TileFusion {
  mlir::linalg::GenericOp prologue, epilogue;
  llvm::SmallVector<Access> prologueInputs;
  llvm::SmallVector<Access> epilogueInputs; // the accumulator's slot has a null mem
  Access result;                           // where tiles store their final values
  llvm::SmallVector<mlir::Operation *> deadAfter; // erase in order once the tiles exist
};

/// What `op` (a reduction on buffers) can absorb; with neither prologue nor
/// epilogue the tiles read and write the op's own output. With
/// `intoPaddedBuffers`, an epilogue may write the interior of a padded buffer
/// whose fill lies between the two (the fill moves above `op`); without it,
/// such a buffer stays for unpadInputs to drop.
TileFusion findTileFusion(mlir::linalg::GenericOp op, bool intoPaddedBuffers);

/// When `op` (a reduction on buffers) writes a local buffer that an elementwise
/// generic reads through a chain of reshapes, rebuilds the generic (or else,
/// with `splitReductions`, `op` and the generic seeding its buffer, with the
/// flattened dim split) so that it reads the buffer at its own iteration
/// point, as findTileFusion needs. `op` may be replaced. Flash- and RAM-bound
/// targets leave the split out: the generic would then write a padded buffer
/// that they otherwise read through guards.
void alignReshapedConsumer(mlir::linalg::GenericOp op, bool splitReductions);

/// Inputs of `op` whose buffer is only a constant border around one interior
/// that other ops write (a pad written in place by its producer, or a copied
/// graph input): each such buffer is replaced by its interior alone, so no
/// padded buffer is allocated, and the access is returned by operand number
/// (reads of the border become guarded loads). Ops to erase, in order, once
/// `op` is gone are appended to `deadAfter`.
llvm::DenseMap<unsigned, Access> unpadInputs(mlir::linalg::GenericOp op,
                                             llvm::SmallVectorImpl<mlir::Operation *> &deadAfter);

} // namespace onnxc::codegen

#endif // ONNXC_CODEGEN_REDUCTIONTILES_H
