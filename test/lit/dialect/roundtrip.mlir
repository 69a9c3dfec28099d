// RUN: onnxc-opt --split-input-file %s | onnxc-opt | FileCheck %s

// Tests that elementwise and NN ops print and parse back.
// CHECK-LABEL: func @ops
// CHECK: onnx.Add
// CHECK: onnx.Conv
// CHECK-SAME: pads = array<i64: 1, 1, 1, 1>
// CHECK: onnx.Relu
func.func @ops(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf32>) -> tensor<1x4x8x8xf32> {
  %a = onnx.Add(%x, %x) : (tensor<1x3x8x8xf32>, tensor<1x3x8x8xf32>) -> tensor<1x3x8x8xf32>
  %c = onnx.Conv(%a, %w, %b) {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
  %r = onnx.Relu(%c) : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  return %r : tensor<1x4x8x8xf32>
}

// -----

// Tests that a missing optional input is the none value.
// CHECK-LABEL: func @clip
// CHECK: %[[N:.*]] = onnx.NoValue
// CHECK: onnx.Clip(%{{.*}}, %{{.*}}, %[[N]])
func.func @clip(%x: tensor<4xf32>, %lo: tensor<f32>) -> tensor<4xf32> {
  %none = onnx.NoValue() : () -> none
  %y = onnx.Clip(%x, %lo, %none) : (tensor<4xf32>, tensor<f32>, none) -> tensor<4xf32>
  return %y : tensor<4xf32>
}
