// RUN: onnxc-opt --onnxc-plan-workspace %s | FileCheck %s

// Tests that buffers with disjoint lifetimes share workspace bytes.
// CHECK: module attributes {onnxc.workspace_size = 128 : i64}
// CHECK-LABEL: func @two_temps
// CHECK-SAME: %{{.*}}: memref<128xi8>
// CHECK-NOT: memref.alloc
// CHECK: memref.view
// CHECK: memref.view
func.func @two_temps(%in: memref<16xf32>, %out: memref<16xf32>) {
  %a = memref.alloc() : memref<16xf32>
  memref.copy %in, %a : memref<16xf32> to memref<16xf32>
  %b = memref.alloc() : memref<16xf32>
  memref.copy %a, %b : memref<16xf32> to memref<16xf32>
  %c = memref.alloc() : memref<16xf32>
  memref.copy %b, %c : memref<16xf32> to memref<16xf32>
  memref.copy %c, %out : memref<16xf32> to memref<16xf32>
  return
}
