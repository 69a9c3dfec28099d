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

// Tests that a sigmoid per channel (squeeze-excite) stays its own op when the
// multiply broadcasts it over the image: fused, it would run once per pixel.
// A cheap producer (a negation) broadcast the same way still fuses.
#chan = affine_map<(c, p) -> (c)>
#cp = affine_map<(c, p) -> (c, p)>
#c1 = affine_map<(c) -> (c)>
// CHECK-LABEL: func.func @costly_broadcast_producer
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel"]
// CHECK: math.exp
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
// CHECK-NOT: math.exp
// CHECK: arith.mulf
func.func @costly_broadcast_producer(%s: tensor<8xf32>, %x: tensor<8x64xf32>) -> tensor<8x64xf32> {
  %one = arith.constant 1.0 : f32
  %e = tensor.empty() : tensor<8xf32>
  %sig = linalg.generic {indexing_maps = [#c1, #c1], iterator_types = ["parallel"]}
      ins(%s : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %n = arith.negf %in : f32
    %x1 = math.exp %n : f32
    %d = arith.addf %x1, %one : f32
    %r = arith.divf %one, %d : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %e2 = tensor.empty() : tensor<8x64xf32>
  %y = linalg.generic {indexing_maps = [#chan, #cp, #cp], iterator_types = ["parallel", "parallel"]}
      ins(%sig, %x : tensor<8xf32>, tensor<8x64xf32>) outs(%e2 : tensor<8x64xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %m = arith.mulf %a, %b : f32
    linalg.yield %m : f32
  } -> tensor<8x64xf32>
  return %y : tensor<8x64xf32>
}

// CHECK-LABEL: func.func @cheap_broadcast_producer
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
// CHECK: arith.negf
// CHECK: arith.mulf
// CHECK-NOT: linalg.generic
func.func @cheap_broadcast_producer(%s: tensor<8xf32>, %x: tensor<8x64xf32>) -> tensor<8x64xf32> {
  %e = tensor.empty() : tensor<8xf32>
  %neg = linalg.generic {indexing_maps = [#c1, #c1], iterator_types = ["parallel"]}
      ins(%s : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %n = arith.negf %in : f32
    linalg.yield %n : f32
  } -> tensor<8xf32>
  %e2 = tensor.empty() : tensor<8x64xf32>
  %y = linalg.generic {indexing_maps = [#chan, #cp, #cp], iterator_types = ["parallel", "parallel"]}
      ins(%neg, %x : tensor<8xf32>, tensor<8x64xf32>) outs(%e2 : tensor<8x64xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %m = arith.mulf %a, %b : f32
    linalg.yield %m : f32
  } -> tensor<8x64xf32>
  return %y : tensor<8x64xf32>
}
