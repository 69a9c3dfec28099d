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

// A concat of two generics' results: each generic writes a slice of the
// concat (the first straight into its empty tensor, the second into the
// concat so far), and each insert_slice follows its producer, so
// bufferization copies nothing. An input that is not a generic's (the
// argument %z) keeps its copy.
// WHOLE-LABEL: func @concat_in_place
// WHOLE: %[[E:.*]] = tensor.empty() : tensor<5x2x2xf32>
// WHOLE: %[[S0:.*]] = tensor.extract_slice %[[E]][0, 0, 0] [2, 2, 2] [1, 1, 1]
// WHOLE: %[[A:.*]] = linalg.generic {{.*}} outs(%[[S0]] : tensor<2x2x2xf32>)
// WHOLE: %[[I0:.*]] = tensor.insert_slice %[[A]] into %[[E]][0, 0, 0] [2, 2, 2]
// WHOLE: %[[S1:.*]] = tensor.extract_slice %[[I0]][2, 0, 0] [2, 2, 2] [1, 1, 1]
// WHOLE: %[[B:.*]] = linalg.generic {{.*}} outs(%[[S1]] : tensor<2x2x2xf32>)
// WHOLE: %[[I1:.*]] = tensor.insert_slice %[[B]] into %[[I0]][2, 0, 0] [2, 2, 2]
// WHOLE: %[[I2:.*]] = tensor.insert_slice %{{.*}} into %[[I1]][4, 0, 0] [1, 2, 2]
// WHOLE: return %[[I2]]
func.func @concat_in_place(%x: tensor<2x2x2xf32>, %z: tensor<1x2x2xf32>) -> tensor<5x2x2xf32> {
  %e0 = tensor.empty() : tensor<2x2x2xf32>
  %a = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x : tensor<2x2x2xf32>) outs(%e0 : tensor<2x2x2xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.addf %in, %in : f32
    linalg.yield %r : f32
  } -> tensor<2x2x2xf32>
  %e1 = tensor.empty() : tensor<2x2x2xf32>
  %b = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x : tensor<2x2x2xf32>) outs(%e1 : tensor<2x2x2xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.mulf %in, %in : f32
    linalg.yield %r : f32
  } -> tensor<2x2x2xf32>
  %c = tensor.empty() : tensor<5x2x2xf32>
  %c0 = tensor.insert_slice %a into %c[0, 0, 0] [2, 2, 2] [1, 1, 1] : tensor<2x2x2xf32> into tensor<5x2x2xf32>
  %c1 = tensor.insert_slice %b into %c0[2, 0, 0] [2, 2, 2] [1, 1, 1] : tensor<2x2x2xf32> into tensor<5x2x2xf32>
  %c2 = tensor.insert_slice %z into %c1[4, 0, 0] [1, 2, 2] [1, 1, 1] : tensor<1x2x2xf32> into tensor<5x2x2xf32>
  return %c2 : tensor<5x2x2xf32>
}
