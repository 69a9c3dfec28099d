// Parses an Einsum equation against operand shapes into loop dimensions per operand.
#ifndef ONNXC_DIALECTS_ONNX_EINSUM_H
#define ONNXC_DIALECTS_ONNX_EINSUM_H

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>

namespace onnxc::onnx {

/// Every distinct letter (and every `...` dimension) is one loop dimension.
struct EinsumSpec {
  /// Loop dimension of each axis of each operand (a repeated letter repeats the dimension).
  llvm::SmallVector<llvm::SmallVector<int64_t>> operands;
  /// Loop dimension of each output axis.
  llvm::SmallVector<int64_t> output;
  /// Size of each loop dimension.
  llvm::SmallVector<int64_t> sizes;
};

/// Parses `equation` (explicit `ab,bc->ac` or implicit `ab,bc` form, with
/// `...`) for operands of the given shapes. Returns an error message on failure.
std::optional<std::string> parseEinsum(llvm::StringRef equation,
                                       llvm::ArrayRef<llvm::ArrayRef<int64_t>> shapes,
                                       EinsumSpec &spec);

} // namespace onnxc::onnx

#endif // ONNXC_DIALECTS_ONNX_EINSUM_H
