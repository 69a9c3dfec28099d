// RUN: onnxc-opt --onnxc-outline-parallel %s | FileCheck %s
// RUN: onnxc-opt --onnxc-outline-parallel %s | grep -c "func.func private @twins_task" | FileCheck %s --check-prefix=COUNT

// Tests that a loop marked onnxc.parallel becomes a task function and a call
// to the runtime's onnxc_parallel_for_measured over its trip count; the captured
// memref, static, travels in a stack context as its aligned pointer and the
// task rebuilds its descriptor from constants. The public function's body is
// bracketed by onnxc_run_begin/onnxc_run_end, keyed by a task.
// CHECK: func.func private @onnxc_parallel_for_measured((!llvm.ptr, i64, i64) -> (), !llvm.ptr, i64)
// CHECK-LABEL: func.func @scale
// CHECK: %[[KEY:.*]] = constant @{{.*}}_task{{[0-9]+}}
// CHECK: %[[START:.*]] = call @onnxc_run_begin(%[[KEY]])
// CHECK: %[[CTX:.*]] = llvm.alloca %{{.*}} x !llvm.struct<(ptr)>
// CHECK: %[[DESC:.*]] = builtin.unrealized_conversion_cast %{{.*}} : memref<64xf32> to !llvm.struct
// CHECK: %[[PTR:.*]] = llvm.extractvalue %[[DESC]][1]
// CHECK: llvm.store %[[PTR]]
// CHECK: %[[FN:.*]] = constant @scale_task0
// CHECK: %[[N:.*]] = arith.constant 64 : i64
// CHECK: call @onnxc_parallel_for_measured(%[[FN]], %[[CTX]], %[[N]])
// CHECK-NOT: scf.for
// CHECK: call @onnxc_run_end(%[[KEY]], %[[START]])
// CHECK-NEXT: return
// CHECK: func.func private @scale_task0(%[[C:.*]]: !llvm.ptr, %[[B:.*]]: i64, %[[E:.*]]: i64)
// CHECK: %[[P:.*]] = llvm.load %{{.*}} -> !llvm.ptr
// CHECK: llvm.insertvalue %[[P]], %{{.*}}[0]
// CHECK: llvm.insertvalue %[[P]], %{{.*}}[1]
// CHECK: llvm.mlir.constant(64 : i64)
// CHECK: builtin.unrealized_conversion_cast %{{.*}} to memref<64xf32>
// CHECK: scf.for
// CHECK: arith.mulf
func.func @scale(%buf: memref<64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %two = arith.constant 2.0 : f32
  scf.for %i = %c0 to %c64 step %c1 {
    %v = memref.load %buf[%i] : memref<64xf32>
    %d = arith.mulf %v, %two : f32
    memref.store %d, %buf[%i] : memref<64xf32>
  } {onnxc.parallel}
  return
}

// Tests that an unmarked loop nest at the top of a function moves into a
// noinline function of its own, called directly over the whole range (LLVM's
// loop passes then work on small functions).
// CHECK-LABEL: func.func @serial
// CHECK-NOT: scf.for
// CHECK: %[[ZERO:.*]] = arith.constant 0 : i64
// CHECK: call @serial_task{{[0-9]+}}(%{{.*}}, %[[ZERO]], %{{.*}}) : (!llvm.ptr, i64, i64) -> ()
// CHECK: func.func private @serial_task{{[0-9]+}}({{.*}}) attributes {passthrough = ["noinline"]}
// CHECK: scf.for
// CHECK: arith.addf
func.func @serial(%buf: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %one = arith.constant 1.0 : f32
  scf.for %i = %c0 to %c8 step %c1 {
    %v = memref.load %buf[%i] : memref<8xf32>
    %d = arith.addf %v, %one : f32
    memref.store %d, %buf[%i] : memref<8xf32>
  }
  return
}

// Tests that a memref with a dynamic size travels as its whole descriptor.
// CHECK-LABEL: func.func @dynamic
// CHECK: llvm.alloca %{{.*}} x !llvm.struct<(struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>)>
// CHECK: func.func private @dynamic_task{{[0-9]+}}
// CHECK: builtin.unrealized_conversion_cast %{{.*}} : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<?xf32>
func.func @dynamic(%buf: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %two = arith.constant 2.0 : f32
  scf.for %i = %c0 to %c64 step %c1 {
    %v = memref.load %buf[%i] : memref<?xf32>
    %d = arith.mulf %v, %two : f32
    memref.store %d, %buf[%i] : memref<?xf32>
  } {onnxc.parallel}
  return
}

// Tests that loops with equal bodies over different buffers share one task:
// both calls name the first, and the second task is gone; a loop that differs
// (a constant) keeps its own. (Equal tasks of different functions merge too.)
// CHECK-LABEL: func.func @twins
// CHECK: %[[F1:.*]] = constant @[[TASK:twins_task[0-9]+]]
// CHECK: call @onnxc_parallel_for_measured(%[[F1]]
// CHECK: %[[F2:.*]] = constant @[[TASK]]
// CHECK: call @onnxc_parallel_for_measured(%[[F2]]
// CHECK: %[[F3:.*]] = constant @[[OTHER:twins_task[0-9]+]]
// CHECK: call @onnxc_parallel_for_measured(%[[F3]]
// CHECK-DAG: func.func private @[[TASK]](
// CHECK-DAG: func.func private @[[OTHER]](
// COUNT: 2
func.func @twins(%a: memref<64xf32>, %b: memref<64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %two = arith.constant 4.0 : f32
  %three = arith.constant 5.0 : f32
  scf.for %i = %c0 to %c64 step %c1 {
    %v = memref.load %a[%i] : memref<64xf32>
    %d = arith.mulf %v, %two : f32
    memref.store %d, %a[%i] : memref<64xf32>
  } {onnxc.parallel}
  scf.for %i = %c0 to %c64 step %c1 {
    %v = memref.load %b[%i] : memref<64xf32>
    %d = arith.mulf %v, %two : f32
    memref.store %d, %b[%i] : memref<64xf32>
  } {onnxc.parallel}
  scf.for %i = %c0 to %c64 step %c1 {
    %v = memref.load %b[%i] : memref<64xf32>
    %d = arith.mulf %v, %three : f32
    memref.store %d, %b[%i] : memref<64xf32>
  } {onnxc.parallel}
  return
}
