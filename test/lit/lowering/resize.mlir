// RUN: onnxc-opt --split-input-file --onnxc-lower-to-linalg %s | FileCheck %s

// Tests that nearest is one gather: one tensor.extract per output element at
// precomputed source indices (2x up, 3x up, asymmetric/floor: i / scale).
// CHECK-LABEL: func @nearest
// CHECK-DAG: arith.constant dense<[0, 0, 1, 1]> : tensor<4xi32>
// CHECK-DAG: arith.constant dense<[0, 0, 0, 1, 1, 1]> : tensor<6xi32>
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel", "parallel"]
// CHECK-COUNT-1: tensor.extract
// CHECK-NOT: arith.mulf
// CHECK: return
func.func @nearest(%x: tensor<1x1x2x2xf32>) -> tensor<1x1x4x6xf32> {
  %none = onnx.NoValue() : () -> none
  %s = onnx.Constant() {value = dense<[1.0, 1.0, 2.0, 3.0]> : tensor<4xf32>} : () -> tensor<4xf32>
  %y = onnx.Resize(%x, %none, %s, %none) {coordinate_transformation_mode = "asymmetric", nearest_mode = "floor"} : (tensor<1x1x2x2xf32>, none, tensor<4xf32>, none) -> tensor<1x1x4x6xf32>
  return %y : tensor<1x1x4x6xf32>
}

// -----

// Tests that bilinear (half_pixel, 2x) sums 2 x 2 weighted taps in one generic;
// taps beyond the edge merge into the edge pixel (weight 1, then a 0 pad tap).
// CHECK-LABEL: func @bilinear
// CHECK-DAG: arith.constant dense<[0, 0, 0, 1]> : tensor<4xi32>
// CHECK-DAG: arith.constant dense<[0, 1, 1, 0]> : tensor<4xi32>
// CHECK-DAG: arith.constant dense<[1.000000e+00, 7.500000e-01, 2.500000e-01, 1.000000e+00]> : tensor<4xf32>
// CHECK-DAG: arith.constant dense<[0.000000e+00, 2.500000e-01, 7.500000e-01, 0.000000e+00]> : tensor<4xf32>
// CHECK: linalg.generic
// CHECK-COUNT-4: tensor.extract
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @bilinear(%x: tensor<1x1x2x2xf32>) -> tensor<1x1x4x4xf32> {
  %none = onnx.NoValue() : () -> none
  %sz = onnx.Constant() {value = dense<[1, 1, 4, 4]> : tensor<4xi64>} : () -> tensor<4xi64>
  %y = onnx.Resize(%x, %none, %none, %sz) {mode = "linear"} : (tensor<1x1x2x2xf32>, none, none, tensor<4xi64>) -> tensor<1x1x4x4xf32>
  return %y : tensor<1x1x4x4xf32>
}

// -----

// Tests that f16 is interpolated in f32.
// CHECK-LABEL: func @linear_f16
// CHECK: linalg.generic
// CHECK: arith.extf
// CHECK: arith.truncf
func.func @linear_f16(%x: tensor<1x3xf16>) -> tensor<1x6xf16> {
  %none = onnx.NoValue() : () -> none
  %s = onnx.Constant() {value = dense<[1.0, 2.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %y = onnx.Resize(%x, %none, %s, %none) {mode = "linear"} : (tensor<1x3xf16>, none, tensor<2xf32>, none) -> tensor<1x6xf16>
  return %y : tensor<1x6xf16>
}

// -----

// Tests that tf_crop_and_resize selects the extrapolation value outside the roi.
// CHECK-LABEL: func @crop
// CHECK: arith.constant dense<[true, false, false, true]> : tensor<4xi1>
// CHECK: linalg.generic
// CHECK: %[[E:.*]] = arith.constant 2.500000e+00 : f32
// CHECK: arith.select %{{.*}}, %[[E]], %extracted
func.func @crop(%x: tensor<5xf32>) -> tensor<4xf32> {
  %roi = onnx.Constant() {value = dense<[-0.5, 1.5]> : tensor<2xf32>} : () -> tensor<2xf32>
  %none = onnx.NoValue() : () -> none
  %sz = onnx.Constant() {value = dense<[4]> : tensor<1xi64>} : () -> tensor<1xi64>
  %y = onnx.Resize(%x, %roi, %none, %sz) {coordinate_transformation_mode = "tf_crop_and_resize", extrapolation_value = 2.5 : f32} : (tensor<5xf32>, tensor<2xf32>, none, tensor<1xi64>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// Tests that an antialiased 20x downsampling (40 taps, 30 after merging those
// past the edges) reduces over its taps, read from [out, taps] tables.
// CHECK-LABEL: func @antialias_wide
// CHECK: linalg.fill
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel", "reduction"]
// CHECK-SAME: tensor<2x30xi32>, tensor<2x30xf32>
func.func @antialias_wide(%x: tensor<1x40xf32>) -> tensor<1x2xf32> {
  %none = onnx.NoValue() : () -> none
  %s = onnx.Constant() {value = dense<[1.0, 0.05]> : tensor<2xf32>} : () -> tensor<2xf32>
  %y = onnx.Resize(%x, %none, %s, %none) {mode = "linear", antialias = 1 : i64} : (tensor<1x40xf32>, none, tensor<2xf32>, none) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}
