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

// Tests that Conv pads its input, seeds the bias, and is one generic whose
// reduction covers input channels and kernel taps (input read at out * stride + tap).
// CHECK-DAG: #[[X:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d5, d3 + d6, d4 + d7)>
// CHECK-LABEL: func @conv
// CHECK: tensor.pad
// CHECK: linalg.generic
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[X]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
// CHECK: arith.mulf
// CHECK-NOT: linalg.generic
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

// -----

// Tests that integer Div never divides by 0 or INT_MIN by -1: the divisor becomes 1
// there and the quotient of a 0 divisor is 0.
// CHECK-LABEL: func @int_div
// CHECK: linalg.generic
// CHECK: %[[ZERO:.*]] = arith.cmpi eq, %[[Y:.*]], %c0_i32
// CHECK: arith.cmpi eq, %{{.*}}, %c-2147483648_i32
// CHECK: arith.cmpi eq, %[[Y]], %c-1_i32
// CHECK: %[[SAFE:.*]] = arith.select %{{.*}}, %c1_i32, %[[Y]]
// CHECK: %[[Q:.*]] = arith.divsi %{{.*}}, %[[SAFE]]
// CHECK: arith.select %[[ZERO]], %c0_i32{{.*}}, %[[Q]]
func.func @int_div(%a: tensor<4xi32>, %b: tensor<4xi32>) -> tensor<4xi32> {
  %c = onnx.Div(%a, %b) : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  return %c : tensor<4xi32>
}

// -----

// Tests that float Pow takes integral exponents below 2048 by square and multiply
// (11 steps) and the rest through powf on |x| with the sign fixed.
// CHECK-LABEL: func @float_pow
// CHECK: linalg.generic
// CHECK: arith.fptosi {{.*}} : f32 to i64
// CHECK-COUNT-11: arith.select
// CHECK: math.absf
// CHECK: math.powf
// CHECK: arith.negf
func.func @float_pow(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  %c = onnx.Pow(%a, %b) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %c : tensor<4xf32>
}
