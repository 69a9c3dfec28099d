// RUN: onnxc-opt --split-input-file --onnxc-parallel-dims-first --convert-linalg-to-parallel-loops --onnxc-form-kernels %s | FileCheck %s
// RUN: onnxc-opt --split-input-file --onnxc-parallel-dims-first --convert-linalg-to-parallel-loops "--onnxc-form-kernels=emulate=true" %s | FileCheck %s --check-prefix=HOST
// RUN: onnxc-opt --split-input-file --onnxc-parallel-dims-first --convert-linalg-to-parallel-loops --onnxc-form-kernels --onnxc-outline-kernels %s | FileCheck %s --check-prefix=OUTLINE

// Tests kernel formation: a Gemm written (m, k, n) gets one thread per output
// (parallel dims first), the bias init joins the reduction's kernel, the linear
// thread id splits with the innermost index fastest, and a guard covers the
// partial block.
#bias = affine_map<(m, n) -> (n)>
#id = affine_map<(m, n) -> (m, n)>
#a = affine_map<(m, k, n) -> (m, k)>
#b = affine_map<(m, k, n) -> (k, n)>
#c = affine_map<(m, k, n) -> (m, n)>
func.func @gemm(%x: memref<2x8xf32>, %w: memref<8x100xf32>, %bias: memref<100xf32>, %y: memref<2x100xf32>) {
  linalg.generic {indexing_maps = [#bias, #id], iterator_types = ["parallel", "parallel"]}
      ins(%bias : memref<100xf32>) outs(%y : memref<2x100xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%x, %w : memref<2x8xf32>, memref<8x100xf32>) outs(%y : memref<2x100xf32>) {
  ^bb0(%in: f32, %in2: f32, %out: f32):
    %p = arith.mulf %in, %in2 : f32
    %s = arith.addf %out, %p : f32
    linalg.yield %s : f32
  }
  return
}
// CHECK-LABEL: func.func @gemm
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c1{{(_[0-9]+)?}}, {{.*}}) threads({{.*}}) in ({{.*}} = %c224,
// CHECK: %[[LIN:.*]] = arith.addi
// CHECK: arith.cmpi ult, %[[LIN]], %c200
// CHECK: scf.if
// CHECK: arith.divui %[[LIN]], %c100
// CHECK: arith.remui {{.*}}, %c100
// CHECK: memref.load %{{.*}} : memref<100xf32>
// CHECK: memref.store
// CHECK: scf.for {{.*}} to %c8
// CHECK: gpu.terminator
// CHECK-NOT: gpu.launch

// The same indexing as host loops over blocks and threads.
// HOST-LABEL: func.func @gemm
// HOST-NOT: gpu.launch
// HOST: scf.for {{.*}} = %c0{{.*}} to %c1{{.*}} step %c1
// HOST: scf.for {{.*}} = %c0{{.*}} to %c224 step %c1
// HOST: arith.cmpi ult, {{.*}}, %c200

// Outlined: one gpu.module, the kernel takes the four buffers only.
// OUTLINE: module attributes {gpu.container_module, onnxc.kernels = [{name = "k0", nodes = ""}]}
// OUTLINE: gpu.launch_func @onnxc_kernels::@k0 blocks in ({{.*}}) threads in ({{.*}}) args({{.*}} : memref<100xf32>, {{.*}} : memref<2x100xf32>, {{.*}} : memref<2x8xf32>, {{.*}} : memref<8x100xf32>)
// OUTLINE: gpu.module @onnxc_kernels
// OUTLINE: gpu.func @k0(%{{.*}}: memref<100xf32>, %{{.*}}: memref<2x100xf32>, %{{.*}}: memref<2x8xf32>, %{{.*}}: memref<8x100xf32>) kernel

// -----

// Tests that a loop carried through memory (a scan) runs on one thread, and that
// views are recomputed inside the kernel (kernels take whole buffers).
func.func @scan(%buf: memref<64xi8>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %v = memref.view %buf[%c0][] : memref<64xi8> to memref<16xf32>
  scf.for %i = %c1 to %c16 step %c1 {
    %prev = arith.subi %i, %c1 : index
    %a = memref.load %v[%prev] : memref<16xf32>
    %b = memref.load %v[%i] : memref<16xf32>
    %s = arith.addf %a, %b : f32
    memref.store %s, %v[%i] : memref<16xf32>
  }
  return
}
// CHECK-LABEL: func.func @scan
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c1{{.*}}, {{.*}} = %c1{{.*}}, {{.*}} = %c1{{.*}}) threads({{.*}}) in ({{.*}} = %c1
// CHECK-NEXT: scf.for
// CHECK: } {onnxc.serial}
// OUTLINE-LABEL: func.func @scan
// OUTLINE: gpu.launch_func @onnxc_kernels::@k0 {{.*}} args(%{{.*}} : memref<64xi8>)
// OUTLINE: gpu.module @onnxc_kernels
// OUTLINE: gpu.func @k0(%{{.*}}: memref<64xi8>) kernel
// OUTLINE: memref.view

// -----

// Tests that a reduction with few outputs is split across a block's 8 warps:
// 32 outputs per block (lanes), each warp a slice of k, partial sums in shared
// memory, a barrier, then warp 0 combines the slices in order.
#x = affine_map<(n, k) -> (k)>
#w = affine_map<(n, k) -> (k, n)>
#y = affine_map<(n, k) -> (n)>
func.func @gemv(%x: memref<512xf32>, %w: memref<512x100xf32>, %y: memref<100xf32>) {
  linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "reduction"]}
      ins(%x, %w : memref<512xf32>, memref<512x100xf32>) outs(%y : memref<100xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}
// CHECK-LABEL: func.func @gemv
// CHECK: gpu.launch {{.*}} in ({{.*}} = %c4{{.*}}) threads({{.*}}) in ({{.*}} = %c256{{.*}}) workgroup(%[[SHARED:.*]] : memref<8x32xf32, #gpu.address_space<workgroup>>)
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %cst
// CHECK: memref.store {{.*}}, %[[SHARED]]
// CHECK: gpu.barrier
// CHECK-COUNT-8: memref.load %[[SHARED]]
// HOST-LABEL: func.func @gemv
// HOST: memref.alloca() : memref<8x32xf32>
// HOST-NOT: gpu.

// -----

// Tests that a large matmul becomes 32x32 output tiles: operand tiles in
// shared memory, two barriers per k chunk, 16 accumulators per thread.
#ma = affine_map<(m, n, k) -> (m, k)>
#mb = affine_map<(m, n, k) -> (k, n)>
#mc = affine_map<(m, n, k) -> (m, n)>
func.func @matmul(%a: memref<1024x64xf32>, %b: memref<64x1024xf32>, %c: memref<1024x1024xf32>) {
  linalg.generic {indexing_maps = [#ma, #mb, #mc], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<1024x64xf32>, memref<64x1024xf32>) outs(%c : memref<1024x1024xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}
// CHECK-LABEL: func.func @matmul
// CHECK: gpu.launch {{.*}} in ({{.*}} = %c1024{{.*}}) threads({{.*}}) in ({{.*}} = %c64{{.*}}) workgroup(%[[AS:.*]] : memref<8x32xf32, #gpu.address_space<workgroup>>, %[[BS:.*]] : memref<8x32xf32, #gpu.address_space<workgroup>>)
// CHECK: scf.for {{.*}} iter_args(
// CHECK: memref.store {{.*}}, %[[AS]]
// CHECK: memref.store {{.*}}, %[[BS]]
// CHECK: gpu.barrier
// CHECK: scf.for {{.*}} to %c8{{.*}} iter_args(
// CHECK: gpu.barrier
// HOST-LABEL: func.func @matmul
// HOST: memref.alloca() : memref<64x16xf32>

// -----

// Tests 16-byte accesses: an elementwise kernel between buffers of the aligned
// workspace moves 4 floats per thread (64 threads for 256 elements); the same
// op on an argument with no known alignment stays scalar.
#id = affine_map<(i, j) -> (i, j)>
func.func @relu(%ws: memref<4096xi8> {onnxc.align = 256 : i64}, %x: memref<4x64xf32>) {
  %c0 = arith.constant 0 : index
  %c1024 = arith.constant 1024 : index
  %in = memref.view %ws[%c0][] : memref<4096xi8> to memref<4x64xf32>
  %c2048 = arith.constant 2048 : index
  %out = memref.view %ws[%c1024][] : memref<4096xi8> to memref<4x64xf32>
  %out2 = memref.view %ws[%c2048][] : memref<4096xi8> to memref<4x64xf32>
  %zero = arith.constant 0.0 : f32
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%in : memref<4x64xf32>) outs(%out : memref<4x64xf32>) {
  ^bb0(%v: f32, %o: f32):
    %r = arith.maximumf %v, %zero : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<4x64xf32>) outs(%out2 : memref<4x64xf32>) {
  ^bb0(%v: f32, %o: f32):
    %r = arith.maximumf %v, %zero : f32
    linalg.yield %r : f32
  }
  return
}
// CHECK-LABEL: func.func @relu
// CHECK: gpu.launch {{.*}} threads({{.*}}) in ({{.*}} = %c64{{.*}})
// CHECK: %[[V:.*]] = vector.load %{{.*}}[{{.*}}] {alignment = 16 : i64} : memref<4x64xf32>, vector<4xf32>
// CHECK: %[[R:.*]] = arith.maximumf %[[V]], %{{.*}} : vector<4xf32>
// CHECK: vector.store %[[R]], %{{.*}}[{{.*}}] {alignment = 16 : i64} : memref<4x64xf32>, vector<4xf32>
// CHECK: gpu.terminator
// CHECK: gpu.launch {{.*}} threads({{.*}}) in ({{.*}} = %c256{{.*}})
// CHECK-NOT: vector.load
// CHECK: memref.load %arg1
// CHECK-NOT: vector.store
// CHECK: gpu.terminator
// HOST-LABEL: func.func @relu
// HOST: vector.load

// -----

// Tests a reduction along the last, contiguous axis (Softmax's, LayerNorm's): a warp
// per output (8 per block), lane l sums elements l, l + 32, ...; the partials meet
// through 5 xor shuffles, then the init joins. On the host the lanes fill an array
// that the same tree combines.
#in = affine_map<(i, k) -> (i, k)>
#out = affine_map<(i, k) -> (i)>
func.func @row_sum(%x: memref<4x256xf32>, %y: memref<4xf32>) {
  linalg.generic {indexing_maps = [#in, #out], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4x256xf32>) outs(%y : memref<4xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %s = arith.addf %acc, %v : f32
    linalg.yield %s : f32
  }
  return
}
// CHECK-LABEL: func.func @row_sum
// CHECK: gpu.launch {{.*}} threads({{.*}}) in ({{.*}} = %c256{{.*}})
// CHECK: scf.for {{.*}} step %c32{{.*}} iter_args(
// CHECK-COUNT-5: gpu.shuffle  xor
// CHECK: memref.store
// CHECK: gpu.terminator
// HOST-LABEL: func.func @row_sum
// HOST-NOT: gpu.shuffle
// HOST: memref.alloca() : memref<32xf32>
