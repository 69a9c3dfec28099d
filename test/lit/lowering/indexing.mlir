// RUN: onnxc-opt --split-input-file --onnxc-lower-to-linalg %s | FileCheck %s

// Tests that CumSum seeds the first slice and adds slice by slice in a loop
// (reverse: from the end; exclusive: the previous input slice).
// CHECK-LABEL: func @cumsum
// CHECK: tensor.extract_slice %{{.*}}[3, 0] [1, 3]
// CHECK: scf.for
// CHECK: arith.subi
// CHECK: arith.addi
// CHECK: linalg.generic
// CHECK: arith.addf
// CHECK: tensor.insert_slice
func.func @cumsum(%x: tensor<4x3xf32>) -> tensor<4x3xf32> {
  %axis = onnx.Constant() {value = dense<0> : tensor<i64>} : () -> tensor<i64>
  %y = onnx.CumSum(%x, %axis) {reverse = 1 : i64} : (tensor<4x3xf32>, tensor<i64>) -> tensor<4x3xf32>
  return %y : tensor<4x3xf32>
}

// -----

// Tests that ScatterElements loops over the updates, clamps each index into the
// axis and inserts (combined with the old value for reduction = add).
// CHECK-LABEL: func @scatter_elements
// CHECK: scf.for
// CHECK: scf.for
// CHECK: tensor.extract %{{.*}} : tensor<2x2xi64>
// CHECK: arith.maxsi
// CHECK: arith.minsi
// CHECK: arith.addf
// CHECK: tensor.insert
func.func @scatter_elements(%x: tensor<2x3xf32>, %i: tensor<2x2xi64>, %u: tensor<2x2xf32>) -> tensor<2x3xf32> {
  %y = onnx.ScatterElements(%x, %i, %u) {axis = 1 : i64, reduction = "add"} : (tensor<2x3xf32>, tensor<2x2xi64>, tensor<2x2xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// Tests that ScatterND reads each index tuple, wraps a negative index and clamps it
// into [0, 3], and writes whole trailing slices at the clamped row.
// CHECK-LABEL: func @scatter_nd
// CHECK-COUNT-2: scf.for
// CHECK: %[[I:.*]] = tensor.extract %{{.*}} : tensor<2x1xi64>
// CHECK: %[[IDX:.*]] = arith.index_cast %[[I]] : i64 to index
// CHECK: arith.cmpi slt, %[[IDX]]
// CHECK: %[[W:.*]] = arith.select
// CHECK: %[[LO:.*]] = arith.maxsi %[[W]], %c0
// CHECK: %[[ROW:.*]] = arith.minsi %[[LO]], %c3
// CHECK: tensor.insert %{{.*}} into %{{.*}}[%[[ROW]], %{{.*}}] : tensor<4x3xf32>
func.func @scatter_nd(%x: tensor<4x3xf32>, %i: tensor<2x1xi64>, %u: tensor<2x3xf32>) -> tensor<4x3xf32> {
  %y = onnx.ScatterND(%x, %i, %u) : (tensor<4x3xf32>, tensor<2x1xi64>, tensor<2x3xf32>) -> tensor<4x3xf32>
  return %y : tensor<4x3xf32>
}

// -----

// Tests that Einsum is one generic: output subscripts parallel, the rest reduced.
// CHECK-DAG: #[[A:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-DAG: #[[B:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d3, d2)>
// CHECK-LABEL: func @einsum
// CHECK: linalg.generic {indexing_maps = [#[[A]], #[[B]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
// CHECK: arith.mulf
// CHECK: arith.addf
func.func @einsum(%a: tensor<2x3x4xf32>, %b: tensor<2x4x5xf32>) -> tensor<2x3x5xf32> {
  %y = onnx.Einsum(%a, %b) {equation = "bij,bjk->bik"} : (tensor<2x3x4xf32>, tensor<2x4x5xf32>) -> tensor<2x3x5xf32>
  return %y : tensor<2x3x5xf32>
}

// -----

// Tests that a diagonal (a repeated subscript) reads one loop index twice.
// CHECK-DAG: #[[D:.*]] = affine_map<(d0) -> (d0, d0)>
// CHECK-LABEL: func @einsum_diagonal
// CHECK: linalg.generic {indexing_maps = [#[[D]], #{{.*}}]
func.func @einsum_diagonal(%a: tensor<3x3xf32>) -> tensor<3xf32> {
  %y = onnx.Einsum(%a) {equation = "ii->i"} : (tensor<3x3xf32>) -> tensor<3xf32>
  return %y : tensor<3xf32>
}

// -----

// Tests that TopK counts, per element, the elements ranked before it (a
// reduction over a second index of the axis), then scatters those ranked below K.
// CHECK-LABEL: func @topk
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: arith.cmpf ogt
// CHECK: scf.for
// CHECK: scf.if
// CHECK: tensor.insert
func.func @topk(%x: tensor<3x4xf32>) -> (tensor<3x2xf32>, tensor<3x2xi64>) {
  %k = onnx.Constant() {value = dense<2> : tensor<1xi64>} : () -> tensor<1xi64>
  %v, %i = onnx.TopK(%x, %k) : (tensor<3x4xf32>, tensor<1xi64>) -> (tensor<3x2xf32>, tensor<3x2xi64>)
  return %v, %i : tensor<3x2xf32>, tensor<3x2xi64>
}

// -----

// Tests that linear GridSample reads the grid and combines 2 x 2 taps, each
// masked by its bounds check (zeros padding) and read at a coordinate clamped
// into [0, 3] first, so no tap reads outside the input.
// CHECK-LABEL: func @grid_sample
// CHECK: linalg.generic
// CHECK: tensor.extract %{{.*}} : tensor<1x6x6x2xf32>
// CHECK: math.floor
// CHECK: %[[LO:.*]] = arith.maximumf %{{.*}}, %cst
// CHECK: %[[HI:.*]] = arith.minimumf %[[LO]], %cst
// CHECK: arith.fptosi %[[HI]]
// CHECK-COUNT-4: tensor.extract %{{.*}} : tensor<1x1x4x4xf32>
func.func @grid_sample(%x: tensor<1x1x4x4xf32>, %g: tensor<1x6x6x2xf32>) -> tensor<1x1x6x6xf32> {
  %y = onnx.GridSample(%x, %g) : (tensor<1x1x4x4xf32>, tensor<1x6x6x2xf32>) -> tensor<1x1x6x6xf32>
  return %y : tensor<1x1x6x6xf32>
}

// -----

// Tests that Gather and GatherElements wrap negative indices and clamp them into
// [0, 4] before reading the data (out-of-range indices read inside the tensor).
// CHECK-LABEL: func @gather
// CHECK: %[[IDX:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK: arith.cmpi slt, %[[IDX]]
// CHECK: %[[W:.*]] = arith.select
// CHECK: %[[LO:.*]] = arith.maxsi %[[W]], %c0
// CHECK: %[[ROW:.*]] = arith.minsi %[[LO]], %c4
// CHECK: tensor.extract %{{.*}}[%[[ROW]], %{{.*}}] : tensor<5x3xf32>
func.func @gather(%x: tensor<5x3xf32>, %i: tensor<2xi64>) -> tensor<2x3xf32> {
  %y = onnx.Gather(%x, %i) {axis = 0 : i64} : (tensor<5x3xf32>, tensor<2xi64>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}
// CHECK-LABEL: func @gather_elements
// CHECK: %[[IDX:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK: %[[W:.*]] = arith.select
// CHECK: %[[LO:.*]] = arith.maxsi %[[W]], %c0
// CHECK: %[[ROW:.*]] = arith.minsi %[[LO]], %c4
// CHECK: tensor.extract %{{.*}}[%[[ROW]], %{{.*}}] : tensor<5x3xf32>
func.func @gather_elements(%x: tensor<5x3xf32>, %i: tensor<2x3xi64>) -> tensor<2x3xf32> {
  %y = onnx.GatherElements(%x, %i) {axis = 0 : i64} : (tensor<5x3xf32>, tensor<2x3xi64>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}
