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
