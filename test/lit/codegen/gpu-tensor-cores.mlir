// RUN: onnxc-opt --split-input-file --onnxc-parallel-dims-first --convert-linalg-to-parallel-loops "--onnxc-form-kernels=precision=fp16" %s | FileCheck %s --check-prefix=FP16
// RUN: onnxc-opt --split-input-file --onnxc-parallel-dims-first --convert-linalg-to-parallel-loops "--onnxc-form-kernels=precision=tf32" %s | FileCheck %s --check-prefix=TF32
// RUN: onnxc-opt --split-input-file --onnxc-parallel-dims-first --convert-linalg-to-parallel-loops "--onnxc-form-kernels=precision=fp16 emulate=true" %s | FileCheck %s --check-prefix=HOST
// RUN: onnxc-opt --split-input-file --onnxc-parallel-dims-first --convert-linalg-to-parallel-loops "--onnxc-narrow-weights=precision=fp16" %s | FileCheck %s --check-prefix=NARROW
// RUN: onnxc-opt --split-input-file --onnxc-parallel-dims-first --convert-linalg-to-parallel-loops "--onnxc-narrow-weights=precision=fp32" %s | FileCheck %s --check-prefix=KEEP

// Tests the tensor-core kernels: a 64x64x128 matmul gives 4 blocks of 32x32
// outputs; its 8 k16 steps go to 4 warps (2 each), whose partial sums meet in
// shared memory after a barrier. Per step a warp runs 2 m16 x 4 n8 mma.sync.
#ma = affine_map<(m, n, k) -> (m, k)>
#mb = affine_map<(m, n, k) -> (k, n)>
#mc = affine_map<(m, n, k) -> (m, n)>
memref.global "private" constant @w : memref<128x64xf32> = dense<0.1>
func.func @matmul(%a: memref<64x128xf32>, %c: memref<64x64xf32>) {
  %b = memref.get_global @w : memref<128x64xf32>
  linalg.generic {indexing_maps = [#ma, #mb, #mc], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<64x128xf32>, memref<128x64xf32>) outs(%c : memref<64x64xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}
// FP16-LABEL: func.func @matmul
// FP16: gpu.launch {{.*}} in ({{.*}} = %c4{{.*}}) threads({{.*}}) in ({{.*}} = %c128{{.*}}) workgroup(%[[P:.*]] : memref<4x32x32xf32, #gpu.address_space<workgroup>>)
// FP16: scf.for {{.*}} to %c2{{.*}} iter_args(
// FP16-COUNT-8: nvvm.mma.sync {{.*}} {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, shape = #nvvm.shape<m = 16, n = 8, k = 16>} : (vector<2xf16>, vector<2xf16>, f32)
// FP16: scf.yield
// FP16: memref.store {{.*}}, %[[P]]
// FP16: gpu.barrier
// FP16-COUNT-4: memref.load %[[P]]
// FP16: gpu.terminator

// tf32: k8 steps (16, two per warp with 8 warps), m16n8k8.
// TF32-LABEL: func.func @matmul
// TF32: workgroup({{.*}} : memref<8x32x32xf32, #gpu.address_space<workgroup>>)
// TF32-COUNT-8: nvvm.mma.sync {{.*}} multiplicandAPtxType = #nvvm.mma_type<tf32>, {{.*}} shape = #nvvm.shape<m = 16, n = 8, k = 8>} : (i32, i32, f32)

// The same sums on the host: operands rounded to fp16 and back.
// HOST-LABEL: func.func @matmul
// HOST-NOT: gpu.launch
// HOST: memref.alloca() : memref<4x32x32xf32>
// HOST: arith.truncf {{.*}} : f32 to f16
// HOST: arith.extf {{.*}} : f16 to f32

// The weights only feed the tensor cores: stored as fp16 (0.1 rounds to
// 0.0999755859375), loaded as fp16 and extended; the activations stay fp32.
// NARROW: memref.global "private" constant @w : memref<128x64xf16> = dense<9.997550e-02>
// NARROW-LABEL: func.func @matmul
// NARROW: memref.get_global @w : memref<128x64xf16>
// NARROW: memref.load %{{.*}} : memref<64x128xf32>
// NARROW: %[[H:.*]] = memref.load %{{.*}} : memref<128x64xf16>
// NARROW: arith.extf %[[H]] : f16 to f32
// KEEP: memref.global "private" constant @w : memref<128x64xf32>

// -----

// A weight that is also read outside a tensor-core nest stays fp32.
#ma = affine_map<(m, n, k) -> (m, k)>
#mb = affine_map<(m, n, k) -> (k, n)>
#mc = affine_map<(m, n, k) -> (m, n)>
#id = affine_map<(i, j) -> (i, j)>
memref.global "private" constant @w : memref<128x64xf32> = dense<0.1>
func.func @shared_weight(%a: memref<64x128xf32>, %c: memref<64x64xf32>, %d: memref<128x64xf32>) {
  %b = memref.get_global @w : memref<128x64xf32>
  linalg.generic {indexing_maps = [#ma, #mb, #mc], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<64x128xf32>, memref<128x64xf32>) outs(%c : memref<64x64xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%b : memref<128x64xf32>) outs(%d : memref<128x64xf32>) {
  ^bb0(%x: f32, %o: f32):
    linalg.yield %x : f32
  }
  return
}
// NARROW: memref.global "private" constant @w : memref<128x64xf32>
// NARROW-LABEL: func.func @shared_weight
// NARROW-NOT: f16
