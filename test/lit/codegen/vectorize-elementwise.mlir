// RUN: onnxc-opt --pass-pipeline='builtin.module(func.func(onnxc-vectorize-elementwise{vector-bits=512 min-parallel-work=0}))' %s | FileCheck %s
// RUN: onnxc-opt --pass-pipeline='builtin.module(func.func(onnxc-vectorize-elementwise{vector-bits=128 min-parallel-work=100000000}))' %s | FileCheck %s --check-prefix=SERIAL

#id4 = affine_map<(n, c, h, w) -> (n, c, h, w)>
#chan = affine_map<(n, c, h, w) -> (n, c, 0, 0)>
#rows = affine_map<(n, c, h, w) -> (n, c)>
#t = affine_map<(i, j) -> (j, i)>
#id2 = affine_map<(i, j) -> (i, j)>

// Tests that a residual add over 1x3x7x7 (147 elements) is one flat loop of
// 9 full vectors, parallel, and one masked vector for the last 3 elements.
// CHECK-LABEL: func @residual_add
// CHECK-NOT: linalg.generic
// CHECK: memref.collapse_shape {{.*}} {{\[}}[0, 1, 2, 3]] : memref<1x3x7x7xf32> into memref<147xf32>
// CHECK: scf.for {{.*}} to %c9
// CHECK: vector.transfer_read {{.*}} {in_bounds = [true]} : memref<147xf32>, vector<16xf32>
// CHECK: arith.addf {{.*}} : vector<16xf32>
// CHECK: vector.transfer_write {{.*}} {in_bounds = [true]} : vector<16xf32>, memref<147xf32>
// CHECK: } {onnxc.parallel}
// CHECK: vector.transfer_read {{.*}} : memref<147xf32>, vector<16xf32>
// CHECK: vector.transfer_write {{.*}} : vector<16xf32>, memref<147xf32>
// SERIAL-LABEL: func @residual_add
// SERIAL-NOT: onnxc.parallel
// SERIAL: return
func.func @residual_add(%a: memref<1x3x7x7xf32>, %b: memref<1x3x7x7xf32>, %y: memref<1x3x7x7xf32>) {
  linalg.generic {indexing_maps = [#id4, #id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%a, %b : memref<1x3x7x7xf32>, memref<1x3x7x7xf32>) outs(%y : memref<1x3x7x7xf32>) {
  ^bb0(%x: f32, %z: f32, %o: f32):
    %s = arith.addf %x, %z : f32
    linalg.yield %s : f32
  }
  return
}

// Tests that a per-channel scale (squeeze-excite) loops over channels with the
// scale loaded once per channel and broadcast, the 32 pixels flat inside.
// CHECK-LABEL: func @channel_scale
// CHECK: memref.collapse_shape %arg1 {{\[}}[0], [1], [2, 3]] : memref<1x8x4x8xf32> into memref<1x8x32xf32>
// CHECK: scf.for
// CHECK: memref.load %arg0{{.*}} : memref<1x8x1x1xf32>
// CHECK: vector.broadcast {{.*}} : f32 to vector<16xf32>
// CHECK: scf.for {{.*}} to %c2
// CHECK: arith.mulf {{.*}} : vector<16xf32>
func.func @channel_scale(%s: memref<1x8x1x1xf32>, %x: memref<1x8x4x8xf32>, %y: memref<1x8x4x8xf32>) {
  linalg.generic {indexing_maps = [#chan, #id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%s, %x : memref<1x8x1x1xf32>, memref<1x8x4x8xf32>) outs(%y : memref<1x8x4x8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %p = arith.mulf %a, %b : f32
    linalg.yield %p : f32
  }
  return
}

// Tests that a global average pool's sum over 7x7 = 49 pixels folds 3 full
// vectors into 3 accumulators, the last element masked in, then one
// horizontal add with the output's old value, parallel over channels.
// CHECK-LABEL: func @pool_sum
// CHECK: scf.for
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: vector.broadcast %[[ZERO]] : f32 to vector<16xf32>
// CHECK: scf.for {{.*}} iter_args
// CHECK-COUNT-3: arith.addf {{.*}} : vector<16xf32>
// CHECK: scf.yield
// CHECK: vector.constant_mask [1] : vector<16xi1>
// CHECK: arith.select
// CHECK: vector.reduction <add>
// CHECK: memref.store
// CHECK: } {onnxc.parallel}
func.func @pool_sum(%x: memref<1x64x7x7xf32>, %y: memref<1x64xf32>) {
  linalg.generic {indexing_maps = [#id4, #rows], iterator_types = ["parallel", "parallel", "reduction", "reduction"]}
      ins(%x : memref<1x64x7x7xf32>) outs(%y : memref<1x64xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %o, %a : f32
    linalg.yield %s : f32
  }
  return
}

// Tests that a row maximum (Softmax) starts its accumulators at -inf.
// CHECK-LABEL: func @row_max
// CHECK: %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: vector.broadcast %[[NEGINF]] : f32 to vector<16xf32>
// CHECK: arith.maximumf {{.*}} : vector<16xf32>
// CHECK: vector.reduction <maximumf>
func.func @row_max(%x: memref<4x128xf32>, %y: memref<4xf32>) {
  linalg.generic {indexing_maps = [#id2, affine_map<(i, j) -> (i)>], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4x128xf32>) outs(%y : memref<4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.maximumf %o, %a : f32
    linalg.yield %m : f32
  }
  return
}

// Tests that a transpose, whose input is not contiguous along the output's
// lanes, keeps its generic (scalar loops later).
// CHECK-LABEL: func @transpose
// CHECK: linalg.generic
func.func @transpose(%x: memref<8x16xf32>, %y: memref<16x8xf32>) {
  linalg.generic {indexing_maps = [#t, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<8x16xf32>) outs(%y : memref<16x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    linalg.yield %a : f32
  }
  return
}

// Tests that max pooling as a max over stride-2 window views (1x2x5x5 out of
// 1x2x11x11) reads each view through a unit-stride view of its 9 elements per
// row: one masked 32-wide load and a shuffle of every second lane, one flat
// axis of 5 (a single masked vector) inside loops over channels and rows.
// CHECK-LABEL: func @strided_max
// CHECK: memref.reinterpret_cast %{{.*}} to offset: [1], sizes: [1, 2, 5, 9], strides: [242, 121, 22, 1]
// CHECK: scf.for
// CHECK: scf.for
// CHECK: vector.transfer_read {{.*}} : memref<1x2x5x9xf32, strided<[242, 121, 22, 1], offset: 1>>, vector<32xf32>
// CHECK: vector.shuffle {{.*}} [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30] : vector<32xf32>, vector<32xf32>
// CHECK: arith.maximumf {{.*}} : vector<16xf32>
// CHECK: vector.transfer_write {{.*}} : vector<16xf32>, memref<1x2x5x5xf32>
func.func @strided_max(%x: memref<1x2x11x11xf32>, %y: memref<1x2x5x5xf32>) {
  %a = memref.subview %x[0, 0, 0, 0] [1, 2, 5, 5] [1, 1, 2, 2] : memref<1x2x11x11xf32> to memref<1x2x5x5xf32, strided<[242, 121, 22, 2]>>
  %b = memref.subview %x[0, 0, 0, 1] [1, 2, 5, 5] [1, 1, 2, 2] : memref<1x2x11x11xf32> to memref<1x2x5x5xf32, strided<[242, 121, 22, 2], offset: 1>>
  linalg.generic {indexing_maps = [#id4, #id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%a, %b : memref<1x2x5x5xf32, strided<[242, 121, 22, 2]>>, memref<1x2x5x5xf32, strided<[242, 121, 22, 2], offset: 1>>)
      outs(%y : memref<1x2x5x5xf32>) {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %m = arith.maximumf %p, %q : f32
    linalg.yield %m : f32
  }
  return
}

// Tests that a stride-5 view keeps its scalar loops.
// CHECK-LABEL: func @stride_five
// CHECK: linalg.generic
func.func @stride_five(%x: memref<1x1x1x21xf32>, %y: memref<1x1x1x5xf32>) {
  %a = memref.subview %x[0, 0, 0, 0] [1, 1, 1, 5] [1, 1, 1, 5] : memref<1x1x1x21xf32> to memref<1x1x1x5xf32, strided<[21, 21, 21, 5]>>
  linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%a : memref<1x1x1x5xf32, strided<[21, 21, 21, 5]>>) outs(%y : memref<1x1x1x5xf32>) {
  ^bb0(%p: f32, %o: f32):
    %m = arith.maximumf %p, %p : f32
    linalg.yield %m : f32
  }
  return
}
