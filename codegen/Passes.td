// CPU code generation passes: math approximation, copy lowering, workspace planning.
#ifndef ONNXC_CODEGEN_PASSES_TD
#define ONNXC_CODEGEN_PASSES_TD

include "mlir/Pass/PassBase.td"

def ApproximateMath : Pass<"onnxc-approximate-math", "mlir::func::FuncOp"> {
  let summary = "Expands math ops into arithmetic and polynomial approximations";
  let description = [{
    exp, log, log1p, tanh, erf, pow and friends become polynomials and
    arithmetic, so generated code calls no libm function.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect", "mlir::math::MathDialect",
                           "mlir::vector::VectorDialect"];
}

def LowerCopies : Pass<"onnxc-lower-copies", "mlir::func::FuncOp"> {
  let summary = "Rewrites memref.copy into linalg.copy";
  let description = [{
    A strided memref.copy would lower to a runtime library call; as a
    linalg.copy it becomes plain loops.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

def PlanWorkspace : Pass<"onnxc-plan-workspace", "mlir::ModuleOp"> {
  let summary = "Places every buffer in one caller-provided workspace by liveness";
  let description = [{
    Every static `memref.alloc` in the entry function becomes a `memref.view`
    into a new trailing `memref<Nxi8>` argument. Buffers whose lifetimes do
    not overlap share bytes; every offset is 64-byte aligned. The module gets
    `onnxc.workspace_size` (bytes). A dynamic or nested alloc is an error.
  }];
  let options = [
    Option<"alignment", "alignment", "int64_t", "64", "byte alignment of each buffer">,
  ];
  let dependentDialects = ["mlir::memref::MemRefDialect", "mlir::arith::ArithDialect"];
}

#endif // ONNXC_CODEGEN_PASSES_TD
