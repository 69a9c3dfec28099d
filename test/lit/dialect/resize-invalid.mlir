// RUN: onnxc-opt --split-input-file --verify-diagnostics %s

// Tests that linear/cubic resizing of integers is rejected (nearest only).
func.func @int_linear(%x: tensor<1x4xi8>, %none: none) -> tensor<1x8xi8> {
  %s = onnx.Constant() {value = dense<[1.0, 2.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  // expected-error @+2 {{mode 'linear' needs a floating-point input (onnxc resizes 'i8' with mode 'nearest' only)}}
  // expected-error @+1 {{failed to infer returned types}}
  %y = onnx.Resize(%x, %none, %s, %none) {mode = "linear"} : (tensor<1x4xi8>, none, tensor<2xf32>, none) -> tensor<1x8xi8>
  return %y : tensor<1x8xi8>
}

// -----

// Tests that sizes needs one value per listed axis.
func.func @sizes_count(%x: tensor<1x4xf32>, %none: none) -> tensor<1x8xf32> {
  %s = onnx.Constant() {value = dense<[1, 8]> : tensor<2xi64>} : () -> tensor<2xi64>
  // expected-error @+2 {{sizes has 2 values, expected 1 (one per resized axis)}}
  // expected-error @+1 {{failed to infer returned types}}
  %y = onnx.Resize(%x, %none, %none, %s) {axes = array<i64: 1>} : (tensor<1x4xf32>, none, none, tensor<2xi64>) -> tensor<1x8xf32>
  return %y : tensor<1x8xf32>
}

// -----

// Tests that an unknown coordinate transformation is rejected.
func.func @bad_mode(%x: tensor<1x4xf32>, %none: none) -> tensor<1x8xf32> {
  %s = onnx.Constant() {value = dense<[1.0, 2.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  // expected-error @+2 {{unknown coordinate_transformation_mode 'corners'}}
  // expected-error @+1 {{failed to infer returned types}}
  %y = onnx.Resize(%x, %none, %s, %none) {coordinate_transformation_mode = "corners"} : (tensor<1x4xf32>, none, tensor<2xf32>, none) -> tensor<1x8xf32>
  return %y : tensor<1x8xf32>
}

// -----

// Tests that tf_crop_and_resize needs a roi.
func.func @crop_without_roi(%x: tensor<1x4xf32>, %none: none) -> tensor<1x8xf32> {
  %s = onnx.Constant() {value = dense<[1.0, 2.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  // expected-error @+2 {{tf_crop_and_resize needs the 'roi' input}}
  // expected-error @+1 {{failed to infer returned types}}
  %y = onnx.Resize(%x, %none, %s, %none) {coordinate_transformation_mode = "tf_crop_and_resize"} : (tensor<1x4xf32>, none, tensor<2xf32>, none) -> tensor<1x8xf32>
  return %y : tensor<1x8xf32>
}
