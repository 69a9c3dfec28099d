// RUN: onnxc-opt --pass-pipeline='builtin.module(func.func(onnxc-pack-weights))' %s | FileCheck %s
// A constant B read transposed (Gemm transB, nn.Linear) is stored with the output's
// innermost axis innermost, also when several ops share it (identical layers that the
// exporter deduplicated into one initializer): both matmuls read packed data.

#a = affine_map<(d0, d1, d2) -> (d0, d1)>
#bt = affine_map<(d0, d1, d2) -> (d2, d1)>
#c = affine_map<(d0, d1, d2) -> (d0, d2)>

// CHECK: #[[PM:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
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
