// RUN: onnxc-opt --split-input-file --onnxc-lower-to-linalg %s | FileCheck %s

// Tests that a binary op with broadcasting becomes one linalg.generic.
// CHECK-LABEL: func @add
// CHECK: linalg.generic
// CHECK: arith.addf
func.func @add(%a: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<2x3xf32> {
  %c = onnx.Add(%a, %b) : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return %c : tensor<2x3xf32>
}

// -----

// Tests that Conv pads its input, seeds the bias and contracts one kernel tap per generic.
// CHECK-LABEL: func @conv
// CHECK: tensor.pad
// CHECK-COUNT-3: linalg.generic
func.func @conv(%x: tensor<1x2x4x4xf32>, %w: tensor<3x2x2x1xf32>, %b: tensor<3xf32>) -> tensor<1x3x5x6xf32> {
  %c = onnx.Conv(%x, %w, %b) {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x2x4x4xf32>, tensor<3x2x2x1xf32>, tensor<3xf32>) -> tensor<1x3x5x6xf32>
  return %c : tensor<1x3x5x6xf32>
}

// -----

// Tests that MaxPool takes the maximum of strided views in one generic.
// CHECK-LABEL: func @maxpool
// CHECK: tensor.extract_slice
// CHECK: linalg.generic
// CHECK: arith.maximumf
func.func @maxpool(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x2x2xf32> {
  %y = onnx.MaxPool(%x) {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x1x4x4xf32>) -> tensor<1x1x2x2xf32>
  return %y : tensor<1x1x2x2xf32>
}
