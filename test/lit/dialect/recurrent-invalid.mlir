// RUN: onnxc-opt --split-input-file --verify-diagnostics %s

// Tests that a bidirectional op needs two activation lists.
func.func @activation_count(%x: tensor<3x2x4xf32>, %w: tensor<2x4x4xf32>, %r: tensor<2x4x4xf32>, %none: none) -> tensor<2x2x4xf32> {
  // expected-error @+2 {{activations must list 2 functions, not 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %y, %yh = onnx.RNN(%x, %w, %r, %none, %none, %none) {activations = ["Tanh"], direction = "bidirectional"} : (tensor<3x2x4xf32>, tensor<2x4x4xf32>, tensor<2x4x4xf32>, none, none, none) -> (tensor<3x2x2x4xf32>, tensor<2x2x4xf32>)
  return %yh : tensor<2x2x4xf32>
}

// -----

// Tests that an unknown activation function is named.
func.func @unknown_activation(%x: tensor<3x2x4xf32>, %w: tensor<1x12x4xf32>, %r: tensor<1x12x4xf32>, %none: none) -> tensor<1x2x4xf32> {
  // expected-error @+2 {{unsupported activation 'Gelu'}}
  // expected-error @+1 {{failed to infer returned types}}
  %y, %yh = onnx.GRU(%x, %w, %r, %none, %none, %none) {activations = ["Sigmoid", "Gelu"]} : (tensor<3x2x4xf32>, tensor<1x12x4xf32>, tensor<1x12x4xf32>, none, none, none) -> (tensor<3x1x2x4xf32>, tensor<1x2x4xf32>)
  return %yh : tensor<1x2x4xf32>
}

// -----

// Tests that R must stack the gates' weights.
func.func @bad_r(%x: tensor<3x2x4xf32>, %w: tensor<1x16x4xf32>, %r: tensor<1x12x4xf32>, %none: none) -> tensor<1x2x4xf32> {
  // expected-error @+2 {{R must be [num_directions=1, 4 * hidden_size, hidden_size], not 'tensor<1x12x4xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %y, %yh, %yc = onnx.LSTM(%x, %w, %r, %none, %none, %none, %none, %none) : (tensor<3x2x4xf32>, tensor<1x16x4xf32>, tensor<1x12x4xf32>, none, none, none, none, none) -> (tensor<3x1x2x4xf32>, tensor<1x2x4xf32>, tensor<1x2x4xf32>)
  return %yh : tensor<1x2x4xf32>
}

// -----

// Tests that hidden_size must agree with R.
func.func @hidden_size(%x: tensor<3x2x4xf32>, %w: tensor<1x4x4xf32>, %r: tensor<1x4x4xf32>, %none: none) -> tensor<1x2x4xf32> {
  // expected-error @+2 {{hidden_size is 5 but R is 'tensor<1x4x4xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %y, %yh = onnx.RNN(%x, %w, %r, %none, %none, %none) {hidden_size = 5 : i64} : (tensor<3x2x4xf32>, tensor<1x4x4xf32>, tensor<1x4x4xf32>, none, none, none) -> (tensor<3x1x2x4xf32>, tensor<1x2x4xf32>)
  return %yh : tensor<1x2x4xf32>
}

// -----

// Tests that initial_h must follow the layout (batch first with layout 1).
func.func @initial_h(%x: tensor<2x3x4xf32>, %w: tensor<1x4x4xf32>, %r: tensor<1x4x4xf32>, %h: tensor<1x2x4xf32>, %none: none) -> tensor<2x1x4xf32> {
  // expected-error @+2 {{initial_h must have shape [2, 1, 4], not 'tensor<1x2x4xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %y, %yh = onnx.RNN(%x, %w, %r, %none, %none, %h) {layout = 1 : i64} : (tensor<2x3x4xf32>, tensor<1x4x4xf32>, tensor<1x4x4xf32>, none, none, tensor<1x2x4xf32>) -> (tensor<2x3x1x4xf32>, tensor<2x1x4xf32>)
  return %yh : tensor<2x1x4xf32>
}
