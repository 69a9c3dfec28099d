// RUN: onnxc-opt --onnxc-fuse-elementwise %s | FileCheck %s

// Tests that an elementwise producer fuses into an elementwise consumer, but one
// that reads its own output (out += in: an Einsum "ab->ba") does not fuse into a
// broadcasting consumer, which would run it once per broadcast element and
// accumulate 4 times.
#t = affine_map<(d0, d1) -> (d1, d0)>
#id = affine_map<(d0, d1) -> (d0, d1)>
#bcast = affine_map<(d0, d1, d2) -> (d1, d2)>
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @accumulating_producer
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
// CHECK: arith.addf
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel"]
func.func @accumulating_producer(%x: tensor<2x3xf32>) -> tensor<4x3x2xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x2xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %t = linalg.generic {indexing_maps = [#t, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<2x3xf32>) outs(%init : tensor<3x2xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %out, %in : f32
    linalg.yield %s : f32
  } -> tensor<3x2xf32>
  %e3 = tensor.empty() : tensor<4x3x2xf32>
  %y = linalg.generic {indexing_maps = [#bcast, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%t : tensor<3x2xf32>) outs(%e3 : tensor<4x3x2xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<4x3x2xf32>
  return %y : tensor<4x3x2xf32>
}

// CHECK-LABEL: func.func @pure_producer
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel"]
// CHECK: arith.negf
// CHECK-NOT: linalg.generic
func.func @pure_producer(%x: tensor<2x3xf32>) -> tensor<4x3x2xf32> {
  %e = tensor.empty() : tensor<3x2xf32>
  %t = linalg.generic {indexing_maps = [#t, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<2x3xf32>) outs(%e : tensor<3x2xf32>) {
  ^bb0(%in: f32, %out: f32):
    %n = arith.negf %in : f32
    linalg.yield %n : f32
  } -> tensor<3x2xf32>
  %e3 = tensor.empty() : tensor<4x3x2xf32>
  %y = linalg.generic {indexing_maps = [#bcast, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%t : tensor<3x2xf32>) outs(%e3 : tensor<4x3x2xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<4x3x2xf32>
  return %y : tensor<4x3x2xf32>
}
