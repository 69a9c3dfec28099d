// RUN: onnxc-opt --split-input-file --pass-pipeline="builtin.module(func.func(onnxc-copy-repeated-results))" %s | FileCheck %s --check-prefix=REPEAT
// RUN: onnxc-opt --split-input-file --pass-pipeline="builtin.module(func.func(onnxc-flatten-empty-arguments))" %s | FileCheck %s --check-prefix=EMPTY

// Tests that a value returned twice is copied for its second result, so each
// C output gets its own buffer.
// REPEAT-LABEL: func @twice
// REPEAT: %[[E:.*]] = tensor.empty() : tensor<4xf32>
// REPEAT: %[[C:.*]] = linalg.copy ins(%arg0 : tensor<4xf32>) outs(%[[E]] : tensor<4xf32>)
// REPEAT: return %arg0, %[[C]]
func.func @twice(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  return %x, %x : tensor<4xf32>, tensor<4xf32>
}

// -----

// Tests that a zero-element argument of rank 3 becomes memref<0xT> plus a view.
// EMPTY-LABEL: func @empty
// EMPTY-SAME: (%[[A:.*]]: memref<0xi64>, %{{.*}}: memref<2xf32>)
// EMPTY: memref.reinterpret_cast %[[A]] to offset: [0], sizes: [3, 0, 5], strides: [0, 5, 1]
func.func @empty(%a: memref<3x0x5xi64>, %b: memref<2xf32>) {
  %c = memref.cast %a : memref<3x0x5xi64> to memref<3x0x5xi64, strided<[0, 5, 1]>>
  return
}
