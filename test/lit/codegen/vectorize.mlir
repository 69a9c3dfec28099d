// RUN: onnxc-opt --pass-pipeline='builtin.module(func.func(onnxc-vectorize-reductions{vector-bits=512 min-parallel-work=0}))' %s | FileCheck %s --check-prefix=AVX512
// RUN: onnxc-opt --pass-pipeline='builtin.module(func.func(onnxc-vectorize-reductions{vector-bits=128 min-parallel-work=0}))' %s | FileCheck %s --check-prefix=NEON

#lhs = affine_map<(m, k, n) -> (m, k)>
#rhs = affine_map<(m, k, n) -> (k, n)>
#out = affine_map<(m, k, n) -> (m, n)>

// Tests that a matmul becomes register tiles of 8 rows x target-width vectors,
// accumulated in registers through the k loop, with the outer tile loop parallel.
// AVX512-LABEL: func @matmul
// AVX512-NOT: linalg.generic
// AVX512: scf.for
// AVX512-COUNT-8: vector.transfer_read {{.*}} : memref<16x64xf32>, vector<16xf32>
// AVX512: scf.for {{.*}} iter_args
// AVX512: memref.load {{.*}} : memref<16x32xf32>
// AVX512: vector.broadcast {{.*}} : f32 to vector<16xf32>
// AVX512: vector.transfer_read {{.*}} : memref<32x64xf32>, vector<16xf32>
// AVX512-COUNT-8: arith.addf {{.*}} fastmath<contract> : vector<16xf32>
// AVX512: scf.yield
// AVX512-COUNT-8: vector.transfer_write {{.*}} : vector<16xf32>, memref<16x64xf32>
// AVX512: } {onnxc.parallel, onnxc.tile = "8 rows x 3 x 16 lanes"}
// NEON-LABEL: func @matmul
// NEON: vector.transfer_read {{.*}} : memref<32x64xf32>, vector<4xf32>
// NEON: arith.mulf {{.*}} : vector<4xf32>
func.func @matmul(%a: memref<16x32xf32>, %b: memref<32x64xf32>, %c: memref<16x64xf32>) {
  linalg.generic {indexing_maps = [#lhs, #rhs, #out],
                  iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%a, %b : memref<16x32xf32>, memref<32x64xf32>) outs(%c : memref<16x64xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y fastmath<contract> : f32
    %s = arith.addf %acc, %p fastmath<contract> : f32
    linalg.yield %s : f32
  }
  return
}

// Tests that with threads every tile of a reduction is one iteration of one
// parallel loop (lane tiles outside row tiles), each tile's shape chosen by
// its position: 20 rows in tiles of 10 and 40 lanes in 1 full tile of 32 and
// a masked rest of 8 give 2 x 2 = 4 iterations; the rest tile is the else
// branch, its store masked.
// AVX512-LABEL: func @tile_grid
// AVX512: scf.for %[[T:[^ ]*]] = %{{[^ ]*}} to %c4{{[_0-9]*}} step
// AVX512: %[[L:.*]] = affine.apply {{.*}}()[%[[T]]]
// AVX512: %[[FULL:.*]] = arith.cmpi ult, %[[L]], %c1{{[_0-9]*}} :
// AVX512: scf.if %[[FULL]] {
// AVX512: vector.transfer_write {{.*}} {in_bounds = [true]} : vector<16xf32>, memref<20x40xf32>
// AVX512: } else {
// AVX512: vector.transfer_write {{.*}} : vector<16xf32>, memref<20x40xf32>
// AVX512: } {onnxc.parallel, onnxc.tile = "10 rows x 2 x 16 lanes"}
func.func @tile_grid(%a: memref<20x64xf32>, %b: memref<64x40xf32>, %c: memref<20x40xf32>) {
  linalg.generic {indexing_maps = [#lhs, #rhs, #out],
                  iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%a, %b : memref<20x64xf32>, memref<64x40xf32>) outs(%c : memref<20x40xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y fastmath<contract> : f32
    %s = arith.addf %acc, %p fastmath<contract> : f32
    linalg.yield %s : f32
  }
  return
}

// Tests a 3x3 convolution (n, g, m, oh, ow | c, kh, kw) on a padded input:
// lanes run along output columns (stride-1 input reads are vector loads),
// rows along output channels, and the taps are reduction loops outside the
// longer channel loop (innermostLongestReduction).
#cw = affine_map<(n, g, m, oh, ow, c, kh, kw) -> (g, c, kh, kw, m)>
#cx = affine_map<(n, g, m, oh, ow, c, kh, kw) -> (n, g, c, oh + kh, ow + kw)>
#cy = affine_map<(n, g, m, oh, ow, c, kh, kw) -> (n, g, m, oh, ow)>
// AVX512-LABEL: func @conv3x3
// AVX512: scf.for {{.*}} to %c3{{.*}} iter_args
// AVX512: scf.for {{.*}} to %c3{{.*}} iter_args
// AVX512: scf.for {{.*}} to %c8{{.*}} iter_args
// AVX512: vector.transfer_read {{.*}} : memref<1x1x8x34x34xf32>, vector<16xf32>
// AVX512: arith.mulf {{.*}} : vector<16xf32>
// AVX512: vector.transfer_write {{.*}} : vector<16xf32>, memref<1x1x16x32x32xf32>
// AVX512: } {onnxc.parallel, onnxc.tile = "8 rows x 2 x 16 lanes"}
func.func @conv3x3(%w: memref<1x8x3x3x16xf32>, %x: memref<1x1x8x34x34xf32>, %y: memref<1x1x16x32x32xf32>) {
  linalg.generic {indexing_maps = [#cw, #cx, #cy],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel",
                                    "reduction", "reduction", "reduction"]}
      ins(%w, %x : memref<1x8x3x3x16xf32>, memref<1x1x8x34x34xf32>) outs(%y : memref<1x1x16x32x32xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b fastmath<contract> : f32
    %s = arith.addf %acc, %p fastmath<contract> : f32
    linalg.yield %s : f32
  }
  return
}

// Tests that a 7x7 output with many channels puts lanes on the channels
// (packed weights are contiguous there); the output's channel vectors, 49
// elements apart, are gathered and scattered through a flat view.
// AVX512-LABEL: func @conv_small_image
// AVX512: memref.reinterpret_cast %{{.*}} to offset: [0], sizes: [1568], strides: [1]
// AVX512: arith.constant dense<[0, 49, 98, {{.*}}, 735]> : vector<16xi32>
// AVX512: vector.gather {{.*}} : memref<1568xf32, strided<[1]>>, vector<16xi32>, vector<16xi1>, vector<16xf32> into vector<16xf32>
// AVX512: vector.transfer_read {{.*}} : memref<1x64x1x1x32xf32>, vector<16xf32>
// AVX512: vector.scatter {{.*}} : memref<1568xf32, strided<[1]>>, vector<16xi32>, vector<16xi1>, vector<16xf32>
// AVX512-NOT: memref.store
// AVX512: return
func.func @conv_small_image(%w: memref<1x64x1x1x32xf32>, %x: memref<1x1x64x7x7xf32>, %y: memref<1x1x32x7x7xf32>) {
  linalg.generic {indexing_maps = [#cw, #cx, #cy],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel",
                                    "reduction", "reduction", "reduction"]}
      ins(%w, %x : memref<1x64x1x1x32xf32>, memref<1x1x64x7x7xf32>) outs(%y : memref<1x1x32x7x7xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b fastmath<contract> : f32
    %s = arith.addf %acc, %p fastmath<contract> : f32
    linalg.yield %s : f32
  }
  return
}

// Tests that a stride-2 stem conv with few multiply-adds per output (3
// channels x 3x3 = 27) keeps its lanes along the image row, read with a wide
// load and a shuffle, though its packed weights are contiguous along the 16
// channels: scattering each channel vector's 16 lanes would cost about as much
// as its 27 FMAs. (The 7x7 conv above, 64 per output, takes channels.)
#sw = affine_map<(n, g, m, oh, ow, c, kh, kw) -> (g, c, kh, kw, m)>
#sx = affine_map<(n, g, m, oh, ow, c, kh, kw) -> (n, g, c, 2 * oh + kh, 2 * ow + kw)>
// AVX512-LABEL: func @stem_conv_stride2
// AVX512: vector.transfer_read {{.*}} : memref<1x1x3x31x31xf32>, vector<32xf32>
// AVX512: vector.shuffle
// AVX512: vector.transfer_write {{.*}} : vector<16xf32>, memref<1x1x16x15x15xf32>
// AVX512-NOT: memref.store
// AVX512: return
func.func @stem_conv_stride2(%w: memref<1x3x3x3x16xf32>, %x: memref<1x1x3x31x31xf32>, %y: memref<1x1x16x15x15xf32>) {
  linalg.generic {indexing_maps = [#sw, #sx, #cy],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel",
                                    "reduction", "reduction", "reduction"]}
      ins(%w, %x : memref<1x3x3x3x16xf32>, memref<1x1x3x31x31xf32>) outs(%y : memref<1x1x16x15x15xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b fastmath<contract> : f32
    %s = arith.addf %acc, %p fastmath<contract> : f32
    linalg.yield %s : f32
  }
  return
}

// Tests that a stride-2 depthwise conv reads its input lanes with one masked
// load of twice the width and a shuffle of the even lanes, not a load per lane.
#dw = affine_map<(n, c, oh, ow, kh, kw) -> (c, kh, kw)>
#dx = affine_map<(n, c, oh, ow, kh, kw) -> (n, c, 2 * oh + kh, 2 * ow + kw)>
#dy = affine_map<(n, c, oh, ow, kh, kw) -> (n, c, oh, ow)>
// AVX512-LABEL: func @depthwise_stride2
// AVX512: vector.transfer_read {{.*}} : memref<1x4x34x34xf32>, vector<32xf32>
// AVX512: vector.shuffle {{.*}} [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30] : vector<32xf32>, vector<32xf32>
// AVX512-NOT: vector.from_elements
// AVX512: return
func.func @depthwise_stride2(%w: memref<4x3x3xf32>, %x: memref<1x4x34x34xf32>, %y: memref<1x4x16x16xf32>) {
  linalg.generic {indexing_maps = [#dw, #dx, #dy],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]}
      ins(%w, %x : memref<4x3x3xf32>, memref<1x4x34x34xf32>) outs(%y : memref<1x4x16x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b fastmath<contract> : f32
    %s = arith.addf %acc, %p fastmath<contract> : f32
    linalg.yield %s : f32
  }
  return
}

// Tests that a reduction whose weights exceed 1 MiB streams them once: lane
// tiles outermost (the parallel loop: 272 lanes in 5 tiles of 48 and a rest),
// then the reduction in blocks of 1024 whose weights per lane tile (192 KiB)
// stay in cache while both outer points use them; the first block stores
// partial sums that the second reads back.
#blhs = affine_map<(b, m, k, n) -> (b, m, k)>
#brhs = affine_map<(b, m, k, n) -> (k, n)>
#bout = affine_map<(b, m, k, n) -> (b, m, n)>
// AVX512-LABEL: func @streamed_weights
// AVX512: scf.for %[[L:[^ ]*]] = %{{[^ ]*}} to %c6{{[_0-9]*}} step
// AVX512: scf.for %{{[^ ]*}} = %{{[^ ]*}} to %c2{{[_0-9]*}} step
// AVX512: scf.for %{{[^ ]*}} = %c0{{[_0-9]*}} to %{{[^ ]*}} step {{.*}} iter_args
// AVX512: vector.transfer_write
// AVX512: scf.for %{{[^ ]*}} = %{{[^ ]*}} to %c2{{[_0-9]*}} step
// AVX512: vector.transfer_read {{.*}} : memref<2x8x272xf32>, vector<16xf32>
// AVX512: scf.for %{{[^ ]*}} = %c1024{{[_0-9]*}} to %{{[^ ]*}} step {{.*}} iter_args
// AVX512: } {onnxc.parallel, onnxc.tile = "8 rows x 3 x 16 lanes"}
func.func @streamed_weights(%a: memref<2x8x2048xf32>, %w: memref<2048x272xf32>, %c: memref<2x8x272xf32>) {
  linalg.generic {indexing_maps = [#blhs, #brhs, #bout],
                  iterator_types = ["parallel", "parallel", "reduction", "parallel"]}
      ins(%a, %w : memref<2x8x2048xf32>, memref<2048x272xf32>) outs(%c : memref<2x8x272xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y fastmath<contract> : f32
    %s = arith.addf %acc, %p fastmath<contract> : f32
    linalg.yield %s : f32
  }
  return
}
