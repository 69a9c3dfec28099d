// Shared helpers for onnx ops: constant inspection, axes, broadcasting, padding math.
#ifndef ONNXC_DIALECTS_ONNX_ONNXUTILS_H
#define ONNXC_DIALECTS_ONNX_ONNXUTILS_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Location.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/SmallVector.h"
#include <optional>

namespace onnxc::onnx {

/// The static ranked tensor type of `v`, or null when `v` is none or dynamic.
mlir::RankedTensorType getStaticType(mlir::Value v);

/// True when `v` is the none value of a missing optional input.
bool isNone(mlir::Value v);

/// The integer values of a constant integer tensor, or nullopt.
std::optional<llvm::SmallVector<int64_t>> getConstantInts(mlir::Value v);

/// The values of a constant float tensor as doubles, or nullopt.
std::optional<llvm::SmallVector<double>> getConstantFloats(mlir::Value v);

/// `axis` normalized to [0, rank), or nullopt when out of range.
std::optional<int64_t> normalizeAxis(int64_t axis, int64_t rank);

/// Numpy broadcast of two shapes; nullopt when incompatible.
std::optional<llvm::SmallVector<int64_t>>
broadcastShapes(llvm::ArrayRef<int64_t> a, llvm::ArrayRef<int64_t> b);

/// Product of dims, or nullopt when it overflows int64 or a dim is negative.
std::optional<int64_t> checkedProduct(llvm::ArrayRef<int64_t> dims);

/// Padding and output size of a windowed op (Conv, pooling) on the spatial axes.
struct WindowGeometry {
  llvm::SmallVector<int64_t> kernel, strides, dilations;
  llvm::SmallVector<int64_t> padsBegin, padsEnd, outSizes;
};

/// ConvTranspose's geometry: output sizes and the begin pads (from pads, or
/// from output_shape / auto_pad as the ONNX spec resolves them).
std::optional<std::string>
computeConvTransposeGeometry(llvm::ArrayRef<int64_t> inSizes, llvm::ArrayRef<int64_t> kernel,
                             llvm::StringRef autoPad, std::optional<llvm::ArrayRef<int64_t>> pads,
                             std::optional<llvm::ArrayRef<int64_t>> strides,
                             std::optional<llvm::ArrayRef<int64_t>> dilations,
                             std::optional<llvm::ArrayRef<int64_t>> outputPadding,
                             std::optional<llvm::ArrayRef<int64_t>> outputShape, WindowGeometry &out);

/// Resolves auto_pad/pads/strides/dilations/ceil_mode for `inSizes`; returns
/// an error string on bad attributes.
std::optional<std::string>
computeWindowGeometry(llvm::ArrayRef<int64_t> inSizes,
                      llvm::ArrayRef<int64_t> kernel, llvm::StringRef autoPad,
                      std::optional<llvm::ArrayRef<int64_t>> pads,
                      std::optional<llvm::ArrayRef<int64_t>> strides,
                      std::optional<llvm::ArrayRef<int64_t>> dilations,
                      bool ceilMode, WindowGeometry &out);

/// Function argument/result attribute holding a graph input's or output's ONNX
/// name (set by the importer, read by diagnostics and the C signature).
constexpr const char *kValueNameAttr = "onnx.name";
/// On a function result: the dims (an i64 array) whose size is known only at
/// run time (data-dependent outputs such as NonZero's).
constexpr const char *kRuntimeDimsAttr = "onnx.runtime_dims";
/// On a function: its last result is not a graph output but the run-time
/// dims of the outputs marked kRuntimeDimsAttr, in output order.
constexpr const char *kOutputDimsResultAttr = "onnx.output_dims_result";

/// The MLIR element type of an ONNX TensorProto data type code, or null.
mlir::Type elementTypeFromOnnx(mlir::MLIRContext *ctx, int64_t code);
/// The ONNX TensorProto data type code of an MLIR element type, or 0.
int32_t onnxCodeFromElementType(mlir::Type t);
/// "FLOAT8E4M3FN (17)": the TensorProto.DataType name and code, for messages.
std::string onnxTypeName(int64_t code);
} // namespace onnxc::onnx

namespace onnxc::onnx {
/// Per-axis start, step and result size of an ONNX Slice on `shape`.
struct SliceGeometry {
  llvm::SmallVector<int64_t> starts, steps, sizes;
};
/// Resolves Slice's constant inputs (axes/steps may be empty = defaults).
std::optional<std::string> computeSliceGeometry(
    llvm::ArrayRef<int64_t> shape, llvm::ArrayRef<int64_t> starts,
    llvm::ArrayRef<int64_t> ends, llvm::ArrayRef<int64_t> axes,
    llvm::ArrayRef<int64_t> steps, SliceGeometry &out);
/// Per-axis begin/end padding of ONNX Pad (`axes` may be empty = all axes).
std::optional<std::string> computePadAmounts(
    int64_t rank, llvm::ArrayRef<int64_t> pads, llvm::ArrayRef<int64_t> axes,
    llvm::SmallVectorImpl<int64_t> &begin, llvm::SmallVectorImpl<int64_t> &end);
/// The permutation of Transpose (`perm` absent = reversed axes), or an error.
std::optional<std::string> computeTransposePerm(
    int64_t rank, std::optional<llvm::ArrayRef<int64_t>> perm,
    llvm::SmallVectorImpl<int64_t> &out);
} // namespace onnxc::onnx

namespace onnxc::onnx {
/// The data of a constant f32 tensor (dense or dense_resource), or nullopt.
std::optional<std::vector<float>> getConstantF32Data(mlir::Value v);
} // namespace onnxc::onnx

namespace onnxc::onnx {
/// Gets the static tensor type of input `name`, or reports that it has none.
mlir::LogicalResult requireStaticType(std::optional<mlir::Location> loc, mlir::Value v,
                                      llvm::StringRef name, mlir::RankedTensorType &t);
/// "input 'NAME' must be a compile-time constant WHAT", naming the graph
/// input (and --bind-input) when `v` is one.
mlir::LogicalResult emitNotConstant(std::optional<mlir::Location> loc, mlir::Value v,
                                    llvm::StringRef name, llvm::StringRef what);
/// Gets the values of constant integer input `name`, or reports that it is not constant.
mlir::LogicalResult requireConstantInts(std::optional<mlir::Location> loc, mlir::Value v,
                                        llvm::StringRef name, llvm::SmallVector<int64_t> &out);
} // namespace onnxc::onnx

namespace onnxc::onnx {
/// Resize's sizes, resolved per axis: the output size, the scale that the
/// coordinate transformation divides by, the resized length it uses
/// (scale * input, a fraction when `scales` gives the size) and the roi
/// (0 to 1 unless tf_crop_and_resize reads it).
struct ResizeGeometry {
  llvm::SmallVector<int64_t> outSizes;
  llvm::SmallVector<double> scales, resizedLengths, roiStart, roiEnd;
};
/// Resolves Resize's `scales` or `sizes` (exactly one given) on `axes`
/// (empty = all axes) for an input of `shape`; `roi` is read when
/// `cropToRoi` (tf_crop_and_resize). Returns an error string on bad values.
std::optional<std::string> computeResizeGeometry(
    llvm::ArrayRef<int64_t> shape, llvm::ArrayRef<int64_t> axes,
    std::optional<llvm::ArrayRef<double>> scales, std::optional<llvm::ArrayRef<int64_t>> sizes,
    std::optional<llvm::ArrayRef<double>> roi, llvm::StringRef keepAspectRatioPolicy,
    bool cropToRoi, ResizeGeometry &out);
/// Reads Resize's constant inputs (an empty tensor counts as missing; a
/// non-constant one is reported at `loc`) and resolves them.
mlir::LogicalResult getResizeGeometry(std::optional<mlir::Location> loc, mlir::RankedTensorType x,
                                      mlir::Value roi, mlir::Value scales, mlir::Value sizes,
                                      std::optional<llvm::ArrayRef<int64_t>> axes,
                                      llvm::StringRef coordinateMode,
                                      llvm::StringRef keepAspectRatioPolicy, ResizeGeometry &out);
} // namespace onnxc::onnx

#endif // ONNXC_DIALECTS_ONNX_ONNXUTILS_H
