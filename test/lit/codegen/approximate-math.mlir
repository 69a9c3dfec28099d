// RUN: onnxc-opt --split-input-file --pass-pipeline='builtin.module(func.func(onnxc-approximate-math))' %s | FileCheck %s

// Tests that rounding becomes compares, selects and same-width integer
// conversions (no libm call, no 64-bit conversion helper on 32-bit targets).
// CHECK-LABEL: func @rounding
// CHECK-NOT: math.floor
// CHECK-NOT: math.ceil
// CHECK-NOT: math.round
// CHECK-NOT: i64
// CHECK: arith.fptosi %{{.*}} : vector<4xf32> to vector<4xi32>
// CHECK: arith.sitofp
// CHECK: math.copysign
// CHECK: return
func.func @rounding(%x: vector<4xf32>, %s: f32) -> (vector<4xf32>, f32, f32, f32) {
  %f = math.floor %x : vector<4xf32>
  %c = math.ceil %s : f32
  %r = math.round %s : f32
  %e = math.roundeven %s : f32
  return %f, %c, %r, %e : vector<4xf32>, f32, f32, f32
}

// -----

// Tests that f64 floor converts through i64 (its mantissa needs it).
// CHECK-LABEL: func @floor_f64
// CHECK: arith.fptosi %{{.*}} : f64 to i64
// CHECK-NOT: math.floor
func.func @floor_f64(%x: f64) -> f64 {
  %f = math.floor %x : f64
  return %f : f64
}

// -----

// Tests that maxnumf/minnumf become an ordered compare or a NaN test, then a select.
// CHECK-LABEL: func @minmax
// CHECK-NOT: arith.maxnumf
// CHECK-NOT: arith.minnumf
// CHECK-DAG: arith.cmpf ogt
// CHECK-DAG: arith.cmpf olt
// CHECK-DAG: arith.cmpf uno
// CHECK: arith.select
func.func @minmax(%a: f32, %b: f32) -> (f32, f32) {
  %0 = arith.maxnumf %a, %b : f32
  %1 = arith.minnumf %a, %b : f32
  return %0, %1 : f32, f32
}

// -----

// Tests that bf16 casts are integer arithmetic (no __truncsfbf2).
// CHECK-LABEL: func @bf16
// CHECK-NOT: arith.truncf
// CHECK: arith.bitcast
func.func @bf16(%a: f32) -> bf16 {
  %0 = arith.truncf %a : f32 to bf16
  return %0 : bf16
}
