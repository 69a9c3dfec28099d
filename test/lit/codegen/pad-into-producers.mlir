// RUN: onnxc-opt --pass-pipeline='builtin.module(func.func(onnxc-pad-into-producers))' %s | FileCheck %s --check-prefix=WHOLE
// RUN: onnxc-opt --pass-pipeline='builtin.module(func.func(onnxc-pad-into-producers{border-only=true}))' %s | FileCheck %s --check-prefix=BORDER

#id = affine_map<(c, h, w) -> (c, h, w)>

// Tests that a Relu's padded result is written in place: the padded tensor is
// filled, the Relu writes its interior, and no tensor.pad is left. By default
// the fill covers the whole padded tensor (one kernel on GPUs); with
// border-only, it covers the 4 border slabs of the two padded axes: rows 0 and
// 5 across the full width, then columns 0 and 9 of the interior rows.
// WHOLE-LABEL: func @relu_padded
// WHOLE: %[[E:.*]] = tensor.empty() : tensor<2x6x10xf32>
// WHOLE: %[[F:.*]] = linalg.fill {{.*}} outs(%[[E]] : tensor<2x6x10xf32>)
// WHOLE: tensor.extract_slice %[[F]][0, 1, 1] [2, 4, 8] [1, 1, 1]
// WHOLE-NOT: tensor.pad
// BORDER-LABEL: func @relu_padded
// BORDER-NOT: outs(%{{.*}} : tensor<2x6x10xf32>) -> tensor<2x6x10xf32>
// BORDER: tensor.extract_slice %{{.*}}[0, 0, 0] [2, 1, 10] [1, 1, 1]
// BORDER: linalg.fill {{.*}} -> tensor<2x1x10xf32>
// BORDER: tensor.extract_slice %{{.*}}[0, 5, 0] [2, 1, 10] [1, 1, 1]
// BORDER: tensor.extract_slice %{{.*}}[0, 1, 0] [2, 4, 1] [1, 1, 1]
// BORDER: linalg.fill {{.*}} -> tensor<2x4x1xf32>
// BORDER: tensor.extract_slice %{{.*}}[0, 1, 9] [2, 4, 1] [1, 1, 1]
// BORDER: %[[IN:.*]] = tensor.extract_slice %{{.*}}[0, 1, 1] [2, 4, 8] [1, 1, 1]
// BORDER: linalg.generic {{.*}} outs(%[[IN]] : tensor<2x4x8xf32>)
// BORDER: tensor.insert_slice
// BORDER-NOT: tensor.pad
func.func @relu_padded(%x: tensor<2x4x8xf32>) -> tensor<2x6x10xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x4x8xf32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x : tensor<2x4x8xf32>) outs(%e : tensor<2x4x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<2x4x8xf32>
  %p = tensor.pad %r low[0, 1, 1] high[0, 1, 1] {
  ^bb0(%i: index, %j: index, %k: index):
    tensor.yield %zero : f32
  } : tensor<2x4x8xf32> to tensor<2x6x10xf32>
  return %p : tensor<2x6x10xf32>
}
