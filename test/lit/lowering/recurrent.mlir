// RUN: onnxc-opt --split-input-file --onnxc-lower-to-linalg %s | FileCheck %s
// RUN: onnxc-opt --split-input-file --onnxc-lower-to-linalg --canonicalize --onnxc-fuse-elementwise --canonicalize --cse --one-shot-bufferize="bufferize-function-boundaries" %s | FileCheck %s --check-prefix=BUF

// Tests that LSTM projects X for every step in one contraction, then loops over
// the steps carrying H, C, Y and the H * R^T scratch buffer: C and H are updated
// in place by linalg.map, and each step's H is inserted into Y. After
// elementwise fusion and bufferization the loop allocates nothing.
// CHECK-LABEL: func @lstm
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction", "parallel"]
// CHECK: %[[Y0:.*]] = bufferization.alloc_tensor() : tensor<3x1x2x5xf32>
// CHECK: scf.for %[[T:.*]] = {{.*}} iter_args(%[[H:.*]] = %{{.*}}, %[[C:.*]] = %{{.*}}, %[[Y:.*]] = %[[Y0]], %[[S:.*]] = %{{.*}})
// CHECK: %[[FILL:.*]] = linalg.fill {{.*}} outs(%[[S]] :
// CHECK: %[[HR:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction", "parallel"]{{.*}} ins(%[[H]], %{{.*}}) outs(%[[FILL]] :
// CHECK: %[[NEWC:.*]] = linalg.map ins({{.*}}) outs(%[[C]] :
// CHECK: math.tanh
// CHECK: %[[NEWH:.*]] = linalg.map ins({{.*}}%[[NEWC]] : {{.*}}) outs(%[[H]] :
// CHECK: %[[NEWY:.*]] = tensor.insert_slice %[[NEWH]] into %[[Y]][%[[T]], 0, 0, 0] [1, 1, 2, 5]
// CHECK: scf.yield %[[NEWH]], %[[NEWC]], %[[NEWY]], %[[HR]]
// BUF-LABEL: func @lstm
// BUF: scf.for
// BUF-NOT: memref.alloc
// BUF: scf.yield
func.func @lstm(%x: tensor<3x2x4xf32>, %w: tensor<1x20x4xf32>, %r: tensor<1x20x5xf32>, %b: tensor<1x40xf32>, %none: none) -> (tensor<3x1x2x5xf32>, tensor<1x2x5xf32>) {
  %y, %yh, %yc = onnx.LSTM(%x, %w, %r, %b, %none, %none, %none, %none) {hidden_size = 5 : i64} : (tensor<3x2x4xf32>, tensor<1x20x4xf32>, tensor<1x20x5xf32>, tensor<1x40xf32>, none, none, none, none) -> (tensor<3x1x2x5xf32>, tensor<1x2x5xf32>, tensor<1x2x5xf32>)
  return %y, %yc : tensor<3x1x2x5xf32>, tensor<1x2x5xf32>
}

// -----

// Tests that a reverse GRU walks the steps backwards, multiplies (r * H) by Rh
// in a second contraction (linear_before_reset = 0), and that a runtime
// sequence_lens keeps the state of ended sequences (t < sequence_lens[b]).
// CHECK-LABEL: func @gru_reverse_lengths
// CHECK: scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step
// CHECK: %[[T:.*]] = arith.subi %{{.*}}, %[[I]] : index
// CHECK: %[[T32:.*]] = arith.index_cast %[[T]] : index to i32
// CHECK: linalg.generic {{.*}}"reduction"
// CHECK: linalg.map
// CHECK: linalg.generic {{.*}}"reduction"
// CHECK: linalg.map
// CHECK: %[[LIVE:.*]] = arith.cmpi slt, %[[T32]], %{{.*}} : i32
// CHECK: arith.select %[[LIVE]]
// CHECK: scf.yield
// BUF-LABEL: func @gru_reverse_lengths
// BUF: scf.for
// BUF-NOT: memref.alloc
// BUF: scf.yield
func.func @gru_reverse_lengths(%x: tensor<4x2x3xf32>, %w: tensor<1x15x3xf32>, %r: tensor<1x15x5xf32>, %b: tensor<1x30xf32>, %lens: tensor<2xi32>, %none: none) -> tensor<1x2x5xf32> {
  %y, %yh = onnx.GRU(%x, %w, %r, %b, %lens, %none) {direction = "reverse", hidden_size = 5 : i64} : (tensor<4x2x3xf32>, tensor<1x15x3xf32>, tensor<1x15x5xf32>, tensor<1x30xf32>, tensor<2xi32>, none) -> (tensor<4x1x2x5xf32>, tensor<1x2x5xf32>)
  return %yh : tensor<1x2x5xf32>
}

// -----

// Tests that a bidirectional batch-first RNN runs one loop per direction over
// the same Y ([batch, seq, directions, hidden]) and applies the given
// activations with their alpha (LeakyRelu forward, Relu backward).
// CHECK-LABEL: func @rnn_bidirectional_batch_first
// CHECK: scf.for
// CHECK: arith.cmpf olt
// CHECK: arith.mulf %cst
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[0, %{{.*}}, 0, 0] [2, 1, 1, 4]
// CHECK: scf.for
// CHECK: arith.maximumf
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[0, %{{.*}}, 1, 0] [2, 1, 1, 4]
func.func @rnn_bidirectional_batch_first(%x: tensor<2x3x4xf32>, %w: tensor<2x4x4xf32>, %r: tensor<2x4x4xf32>, %none: none) -> (tensor<2x3x2x4xf32>, tensor<2x2x4xf32>) {
  %y, %yh = onnx.RNN(%x, %w, %r, %none, %none, %none) {activation_alpha = array<f32: 0.5>, activations = ["LeakyRelu", "Relu"], direction = "bidirectional", layout = 1 : i64} : (tensor<2x3x4xf32>, tensor<2x4x4xf32>, tensor<2x4x4xf32>, none, none, none) -> (tensor<2x3x2x4xf32>, tensor<2x2x4xf32>)
  return %y, %yh : tensor<2x3x2x4xf32>, tensor<2x2x4xf32>
}
