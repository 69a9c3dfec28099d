// RUN: onnxc-opt --pass-pipeline='builtin.module(func.func(onnxc-vectorize-reductions{vector-bits=512 min-parallel-work=0}))' %s | FileCheck %s

// Tests that Conv + bias + Relu become one loop nest: the bias broadcast seeds
// the accumulators, the Relu maps them before the store, and the conv's own
// buffer (and its collapse_shape view) disappear.
#w = affine_map<(n, g, m, oh, ow, c) -> (g, c, m)>
#x = affine_map<(n, g, m, oh, ow, c) -> (n, g, c, oh, ow)>
#y = affine_map<(n, g, m, oh, ow, c) -> (n, g, m, oh, ow)>
#bias = affine_map<(n, g, m, oh, ow) -> (g, m)>
#id5 = affine_map<(n, g, m, oh, ow) -> (n, g, m, oh, ow)>
#id4 = affine_map<(n, m, oh, ow) -> (n, m, oh, ow)>
memref.global "private" constant @w : memref<1x8x16xf32> = dense<1.0>
memref.global "private" constant @b : memref<1x16xf32> = dense<0.5>
// CHECK-LABEL: func @conv_bias_relu
// CHECK-NOT: memref.alloc
// CHECK-NOT: linalg.generic
// CHECK: memref.load %{{.*}} : memref<1x16xf32>
// CHECK: scf.for {{.*}} iter_args
// CHECK: arith.mulf {{.*}} : vector<16xf32>
// CHECK: scf.yield
// CHECK: arith.maximumf {{.*}} : vector<16xf32>
// CHECK: vector.transfer_write {{.*}} : vector<16xf32>, memref<1x16x4x32xf32>
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @conv_bias_relu(%x: memref<1x1x8x4x32xf32>, %out: memref<1x16x4x32xf32>) {
  %w = memref.get_global @w : memref<1x8x16xf32>
  %b = memref.get_global @b : memref<1x16xf32>
  %acc = memref.alloc() : memref<1x1x16x4x32xf32>
  linalg.generic {indexing_maps = [#bias, #id5], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]}
      ins(%b : memref<1x16xf32>) outs(%acc : memref<1x1x16x4x32xf32>) {
  ^bb0(%in: f32, %o: f32):
    linalg.yield %in : f32
  }
  linalg.generic {indexing_maps = [#w, #x, #y],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%w, %x : memref<1x8x16xf32>, memref<1x1x8x4x32xf32>) outs(%acc : memref<1x1x16x4x32xf32>) {
  ^bb0(%a: f32, %v: f32, %s: f32):
    %p = arith.mulf %a, %v fastmath<contract> : f32
    %r = arith.addf %s, %p fastmath<contract> : f32
    linalg.yield %r : f32
  }
  %flat = memref.collapse_shape %acc [[0], [1, 2], [3], [4]] : memref<1x1x16x4x32xf32> into memref<1x16x4x32xf32>
  %zero = arith.constant 0.0 : f32
  linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%flat : memref<1x16x4x32xf32>) outs(%out : memref<1x16x4x32xf32>) {
  ^bb0(%in: f32, %o: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  }
  return
}

// Tests that an activation still fuses when its output is a padded buffer
// allocated and zero-filled between the conv and the activation (the next
// conv's padding): the allocation, its fill and the interior view move above
// the conv's tiles, which store into the view.
// CHECK-LABEL: func @conv_relu_into_padded
// CHECK: %[[PADDED:.*]] = memref.alloc() : memref<1x16x6x34xf32>
// CHECK: linalg.fill {{.*}} outs(%[[PADDED]]
// CHECK: %[[INNER:.*]] = memref.subview %[[PADDED]][0, 0, 1, 1]
// CHECK-NOT: linalg.generic
// CHECK: scf.for {{.*}} iter_args
// CHECK: arith.maximumf {{.*}} : vector<16xf32>
// CHECK: vector.transfer_write {{.*}}, %[[INNER]]
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @conv_relu_into_padded(%x: memref<1x1x8x4x32xf32>, %out: memref<1x16x6x34xf32>) {
  %w = memref.get_global @w : memref<1x8x16xf32>
  %acc = memref.alloc() : memref<1x1x16x4x32xf32>
  linalg.generic {indexing_maps = [#w, #x, #y],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%w, %x : memref<1x8x16xf32>, memref<1x1x8x4x32xf32>) outs(%acc : memref<1x1x16x4x32xf32>) {
  ^bb0(%a: f32, %v: f32, %s: f32):
    %p = arith.mulf %a, %v fastmath<contract> : f32
    %r = arith.addf %s, %p fastmath<contract> : f32
    linalg.yield %r : f32
  }
  %flat = memref.collapse_shape %acc [[0], [1, 2], [3], [4]] : memref<1x1x16x4x32xf32> into memref<1x16x4x32xf32>
  %zero = arith.constant 0.0 : f32
  %padded = memref.alloc() : memref<1x16x6x34xf32>
  linalg.fill ins(%zero : f32) outs(%padded : memref<1x16x6x34xf32>)
  %inner = memref.subview %padded[0, 0, 1, 1] [1, 16, 4, 32] [1, 1, 1, 1] : memref<1x16x6x34xf32> to memref<1x16x4x32xf32, strided<[3264, 204, 34, 1], offset: 35>>
  linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%flat : memref<1x16x4x32xf32>) outs(%inner : memref<1x16x4x32xf32, strided<[3264, 204, 34, 1], offset: 35>>) {
  ^bb0(%in: f32, %o: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  }
  memref.copy %padded, %out : memref<1x16x6x34xf32> to memref<1x16x6x34xf32>
  return
}

// Tests that an activation reading a 1x1 conv's flattened-pixel result through
// a chain of reshapes (to 1-D, then to NCHW) still fuses: it is rebuilt in the
// conv's shape, its output (a channel slice of a concat buffer) reshaped
// instead, and the tiles store into that slice.
#w11 = affine_map<(n, g, m, p, c) -> (g, c, m)>
#x11 = affine_map<(n, g, m, p, c) -> (n, g, c, p)>
#y11 = affine_map<(n, g, m, p, c) -> (n, g, m, p)>
#y4 = affine_map<(n, g, m, p) -> (n, g, m, p)>
// CHECK-LABEL: func @conv1x1_reshaped_relu_into_concat
// CHECK-NOT: memref.alloc
// CHECK: %[[SLICE:.*]] = memref.subview %{{.*}}[0, 8, 0, 0] [1, 16, 4, 8]
// CHECK: %[[FLAT:.*]] = memref.collapse_shape %[[SLICE]] {{\[}}[0], [1], [2, 3]]
// CHECK: %[[VIEW:.*]] = memref.expand_shape %[[FLAT]] {{\[}}[0], [1, 2], [3]]
// CHECK-NOT: linalg.generic
// CHECK: arith.maximumf {{.*}} : vector<16xf32>
// CHECK: vector.transfer_write {{.*}}, %[[VIEW]]
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @conv1x1_reshaped_relu_into_concat(%x: memref<1x1x8x32xf32>, %out: memref<1x24x4x8xf32>) {
  %w = memref.get_global @w : memref<1x8x16xf32>
  %acc = memref.alloc() : memref<1x1x16x32xf32>
  %zero = arith.constant 0.0 : f32
  linalg.generic {indexing_maps = [#y4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      outs(%acc : memref<1x1x16x32xf32>) {
  ^bb0(%o: f32):
    linalg.yield %zero : f32
  }
  linalg.generic {indexing_maps = [#w11, #x11, #y11],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%w, %x : memref<1x8x16xf32>, memref<1x1x8x32xf32>) outs(%acc : memref<1x1x16x32xf32>) {
  ^bb0(%a: f32, %v: f32, %s: f32):
    %p = arith.mulf %a, %v fastmath<contract> : f32
    %r = arith.addf %s, %p fastmath<contract> : f32
    linalg.yield %r : f32
  }
  %flat = memref.collapse_shape %acc [[0, 1, 2, 3]] : memref<1x1x16x32xf32> into memref<512xf32>
  %nchw = memref.expand_shape %flat [[0, 1, 2, 3]] output_shape [1, 16, 4, 8] : memref<512xf32> into memref<1x16x4x8xf32>
  %slice = memref.subview %out[0, 8, 0, 0] [1, 16, 4, 8] [1, 1, 1, 1] : memref<1x24x4x8xf32> to memref<1x16x4x8xf32, strided<[768, 32, 8, 1], offset: 256>>
  linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%nchw : memref<1x16x4x8xf32>) outs(%slice : memref<1x16x4x8xf32, strided<[768, 32, 8, 1], offset: 256>>) {
  ^bb0(%in: f32, %o: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  }
  return
}

// Tests that when the activation writes the interior of a padded buffer (its
// rows are not contiguous, so it cannot be reshaped to the conv's flattened
// pixels), the conv and its bias seed are rebuilt with the pixels split into
// rows and columns instead: the input is expanded, the activation fuses, and
// the tiles store into the interior.
#b4s = affine_map<(n, g, m, p) -> (g, m)>
// CHECK-LABEL: func @conv1x1_relu_into_padded_interior
// CHECK-NOT: memref.alloc
// CHECK: memref.expand_shape %{{.*}} {{\[}}[0], [1], [2], [3, 4]] output_shape [1, 1, 8, 4, 8]
// CHECK-NOT: linalg.generic
// CHECK: arith.maximumf {{.*}} : vector<16xf32>
// CHECK: vector.transfer_write {{.*}} : vector<16xf32>, memref<1x1x16x4x8xf32, strided<[960, 960, 60, 10, 1], offset: 11>>
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @conv1x1_relu_into_padded_interior(%x: memref<1x1x8x32xf32>, %out: memref<1x16x6x10xf32>) {
  %w = memref.get_global @w : memref<1x8x16xf32>
  %bias = memref.get_global @b : memref<1x16xf32>
  %acc = memref.alloc() : memref<1x1x16x32xf32>
  %zero = arith.constant 0.0 : f32
  linalg.generic {indexing_maps = [#b4s, #y4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%bias : memref<1x16xf32>) outs(%acc : memref<1x1x16x32xf32>) {
  ^bb0(%i: f32, %o: f32):
    linalg.yield %i : f32
  }
  linalg.generic {indexing_maps = [#w11, #x11, #y11],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%w, %x : memref<1x8x16xf32>, memref<1x1x8x32xf32>) outs(%acc : memref<1x1x16x32xf32>) {
  ^bb0(%a: f32, %v: f32, %s: f32):
    %p = arith.mulf %a, %v fastmath<contract> : f32
    %r = arith.addf %s, %p fastmath<contract> : f32
    linalg.yield %r : f32
  }
  %flat = memref.collapse_shape %acc [[0, 1, 2, 3]] : memref<1x1x16x32xf32> into memref<512xf32>
  %nchw = memref.expand_shape %flat [[0, 1, 2, 3]] output_shape [1, 16, 4, 8] : memref<512xf32> into memref<1x16x4x8xf32>
  %inner = memref.subview %out[0, 0, 1, 1] [1, 16, 4, 8] [1, 1, 1, 1] : memref<1x16x6x10xf32> to memref<1x16x4x8xf32, strided<[960, 60, 10, 1], offset: 11>>
  linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%nchw : memref<1x16x4x8xf32>) outs(%inner : memref<1x16x4x8xf32, strided<[960, 60, 10, 1], offset: 11>>) {
  ^bb0(%in: f32, %o: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  }
  return
}
