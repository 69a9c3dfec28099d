// RUN: onnxc-opt --split-input-file --verify-diagnostics %s

// Tests that a group that does not divide the channels is rejected.
func.func @bad_group(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %none: none) -> tensor<1x4x6x6xf32> {
  // expected-error @+2 {{group 2 does not fit 3 input channels}}
  // expected-error @+1 {{failed to infer returned types}}
  %c = onnx.Conv(%x, %w, %none) {group = 2 : i64} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, none) -> tensor<1x4x6x6xf32>
  return %c : tensor<1x4x6x6xf32>
}

// -----

// Tests that shapes that do not broadcast are rejected.
func.func @bad_broadcast(%a: tensor<2x3xf32>, %b: tensor<4xf32>) -> tensor<2x3xf32> {
  // expected-error @+2 {{shapes 'tensor<2x3xf32>' and 'tensor<4xf32>' do not broadcast}}
  // expected-error @+1 {{failed to infer returned types}}
  %c = onnx.Add(%a, %b) : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<2x3xf32>
  return %c : tensor<2x3xf32>
}

// -----

// Tests that a wrong result type disagrees with inference.
func.func @bad_result(%a: tensor<2x3xf32>) -> tensor<3x2xf32> {
  // expected-error @+2 {{inferred type(s) 'tensor<2x3xf32>' are incompatible}}
  // expected-error @+1 {{failed to infer returned types}}
  %c = onnx.Transpose(%a) {perm = array<i64: 0, 1>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  return %c : tensor<3x2xf32>
}

// -----

// Tests that an out-of-range softmax axis is rejected.
func.func @bad_axis(%a: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{axis 5 is out of range}}
  %c = onnx.Softmax(%a) {axis = 5 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %c : tensor<2x3xf32>
}
