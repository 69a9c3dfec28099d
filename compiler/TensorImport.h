// Converts ONNX TensorProto / AttributeProto / type protos into MLIR attributes and types.
#ifndef ONNXC_COMPILER_TENSORIMPORT_H
#define ONNXC_COMPILER_TENSORIMPORT_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/Support/Error.h"

namespace onnx {
class TensorProto;
class AttributeProto;
} // namespace onnx

namespace onnxc {

/// The tensor as an ElementsAttr: small tensors become dense attributes,
/// large ones dense_resource blobs that alias the proto's bytes.
struct ExternalDataStore;

/// `external` loads external data (null: external data is an error).
llvm::Expected<mlir::ElementsAttr> importTensor(mlir::MLIRContext &ctx,
                                                const ::onnx::TensorProto &tensor,
                                                ExternalDataStore *external = nullptr);

/// The attribute as MLIR: INT -> i64, FLOAT -> f32, INTS -> array<i64>,
/// FLOATS -> array<f32>, STRING -> string, TENSOR -> elements.
llvm::Expected<mlir::Attribute> importAttribute(mlir::MLIRContext &ctx,
                                                const ::onnx::AttributeProto &attr);

} // namespace onnxc

#endif // ONNXC_COMPILER_TENSORIMPORT_H
