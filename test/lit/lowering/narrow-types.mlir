// RUN: onnxc-opt --split-input-file --onnxc-lower-narrow-types %s | FileCheck %s

// A float8 Cast becomes carrier arithmetic: the exponent from the bits, a
// round-to-nearest-even on the binade's grid, the saturation selects; the
// result is the ui8 code. Decoding is a 256-entry table lookup.
// CHECK-LABEL: func @cast_f8
// CHECK-SAME: (%{{.*}}: tensor<4xf32>) -> tensor<4xui8>
// CHECK: onnx.BitCast
// CHECK: onnx.Round
// CHECK: onnx.IsNaN
// CHECK: onnx.Cast({{.*}}) {to = 2 : i64} : (tensor<4xi32>) -> tensor<4xui8>
// CHECK: onnx.Constant() {value = dense<{{.*}}> : tensor<256xf32>}
// CHECK: onnx.Gather
// CHECK-NOT: f8E4M3FN
func.func @cast_f8(%x: tensor<4xf32>) -> tensor<4xf8E4M3FN> {
  %y = onnx.Cast(%x) {to = 17 : i64} : (tensor<4xf32>) -> tensor<4xf8E4M3FN>
  %z = onnx.Cast(%y) {to = 1 : i64} : (tensor<4xf8E4M3FN>) -> tensor<4xf32>
  %w = onnx.Cast(%z) {to = 17 : i64} : (tensor<4xf32>) -> tensor<4xf8E4M3FN>
  return %w : tensor<4xf8E4M3FN>
}

// -----

// Sub-byte arguments and results cross the ABI packed: 5 int4 values in 3
// bytes; the constant becomes sign-extended i8 carriers.
// CHECK-LABEL: func @int4_args
// CHECK-SAME: (%{{.*}}: tensor<3xui8>) -> (tensor<3xui8>, tensor<3xui8>)
// CHECK: onnx.BitShift
// CHECK: onnx.Constant() {value = dense<[-8, 7, -1, 0, 1]> : tensor<5xi8>}
// CHECK: onnx.BitwiseOr
// CHECK-NOT: i4>
func.func @int4_args(%x: tensor<5xi4>) -> (tensor<5xi4>, tensor<5xi4>) {
  %c = onnx.Constant() {value = dense<[-8, 7, -1, 0, 1]> : tensor<5xi4>} : () -> tensor<5xi4>
  %y = onnx.Identity(%x) : (tensor<5xi4>) -> tensor<5xi4>
  return %y, %c : tensor<5xi4>, tensor<5xi4>
}
