// RUN: onnxc-opt --pass-pipeline='builtin.module(func.func(onnxc-pack-weights))' %s | FileCheck %s
// A constant B read transposed (Gemm transB, nn.Linear) is stored with the output's
// innermost axis innermost, also when several ops share it (identical layers that the
// exporter deduplicated into one initializer): both matmuls read packed data.

#a = affine_map<(d0, d1, d2) -> (d0, d1)>
#bt = affine_map<(d0, d1, d2) -> (d2, d1)>
#c = affine_map<(d0, d1, d2) -> (d0, d2)>

// CHECK: #[[PM:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK: #[[CW:map[0-9]*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d1, d6, d7, d5, d2)>
// CHECK-LABEL: func @shared_transposed_weights
// CHECK-NOT: dense<{{\[}}[1.000000e+00, 2.000000e+00]
// CHECK: %[[P:.*]] = arith.constant dense<{{\[}}[1.000000e+00, 3.000000e+00], [2.000000e+00, 4.000000e+00]]> : tensor<2x2xf32>
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[PM]], #{{.*}}]{{.*}} ins(%{{.*}}, %[[P]] :
// CHECK: %[[Q:.*]] = arith.constant dense<{{\[}}[1.000000e+00, 3.000000e+00], [2.000000e+00, 4.000000e+00]]> : tensor<2x2xf32>
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[PM]], #{{.*}}]{{.*}} ins(%{{.*}}, %[[Q]] :
// CHECK-NOT: dense<{{\[}}[1.000000e+00, 2.000000e+00]
func.func @shared_transposed_weights(%x: tensor<3x2xf32>, %acc: tensor<3x2xf32>) -> (tensor<3x2xf32>, tensor<3x2xf32>) {
  %w = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %y = linalg.generic {indexing_maps = [#a, #bt, #c], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%x, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%acc : tensor<3x2xf32>) {
  ^bb0(%p: f32, %q: f32, %r: f32):
    %m = arith.mulf %p, %q : f32
    %s = arith.addf %r, %m : f32
    linalg.yield %s : f32
  } -> tensor<3x2xf32>
  %z = linalg.generic {indexing_maps = [#a, #bt, #c], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%y, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%acc : tensor<3x2xf32>) {
  ^bb0(%p: f32, %q: f32, %r: f32):
    %m = arith.mulf %p, %q : f32
    %s = arith.addf %r, %m : f32
    linalg.yield %s : f32
  } -> tensor<3x2xf32>
  return %y, %z : tensor<3x2xf32>, tensor<3x2xf32>
}

// A 2x2 conv over 4 channels: its weights (m, c, kh, kw) are stored taps
// first, then the input channels, then the output channels, (kh, kw, c, m):
// the order in which the register tiles step through them (the longest
// reduction, channels, innermost).
#cw = affine_map<(n, g, m, oh, ow, c, kh, kw) -> (g, m, c, kh, kw)>
#cx = affine_map<(n, g, m, oh, ow, c, kh, kw) -> (n, g, c, oh + kh, ow + kw)>
#cy = affine_map<(n, g, m, oh, ow, c, kh, kw) -> (n, g, m, oh, ow)>
// CHECK-LABEL: func @conv_taps_outside_channels
// w[0][kh=0][kw=0][c][m] = 16 * m + 4 * c
// CHECK: %[[W:.*]] = arith.constant dense<{{\[\[\[\[\[}}0.000000e+00, 1.600000e+01], [4.000000e+00, 2.000000e+01], [8.000000e+00, 2.400000e+01], [1.200000e+01, 2.800000e+01]], {{\[\[}}1.000000e+00, 1.700000e+01]{{.*}} : tensor<1x2x2x4x2xf32>
// CHECK: linalg.generic {indexing_maps = [#[[CW]], {{.*}} ins(%[[W]], %{{.*}} :
func.func @conv_taps_outside_channels(%x: tensor<1x1x4x4x4xf32>, %acc: tensor<1x1x2x3x3xf32>) -> tensor<1x1x2x3x3xf32> {
  // w[0][m][c][kh][kw] = 16 * m + 4 * c + 2 * kh + kw
  %w = arith.constant dense<[[[[[0.0, 1.0], [2.0, 3.0]],
                               [[4.0, 5.0], [6.0, 7.0]],
                               [[8.0, 9.0], [10.0, 11.0]],
                               [[12.0, 13.0], [14.0, 15.0]]],[[[16.0, 17.0], [18.0, 19.0]],
                               [[20.0, 21.0], [22.0, 23.0]],
                               [[24.0, 25.0], [26.0, 27.0]],
                               [[28.0, 29.0], [30.0, 31.0]]]]]> : tensor<1x2x4x2x2xf32>
  %y = linalg.generic {indexing_maps = [#cw, #cx, #cy],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel",
                                         "reduction", "reduction", "reduction"]}
      ins(%w, %x : tensor<1x2x4x2x2xf32>, tensor<1x1x4x4x4xf32>) outs(%acc : tensor<1x1x2x3x3xf32>) {
  ^bb0(%a: f32, %b: f32, %r: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %r, %m : f32
    linalg.yield %s : f32
  } -> tensor<1x1x2x3x3xf32>
  return %y : tensor<1x1x2x3x3xf32>
}
