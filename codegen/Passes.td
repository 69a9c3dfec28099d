// CPU code generation passes: fusion, vectorization, threading, workspace planning, math.
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

def CopyRepeatedResults : Pass<"onnxc-copy-repeated-results", "mlir::func::FuncOp"> {
  let summary = "Copies a tensor returned more than once, so every result has its own buffer";
  let description = [{
    Two graph outputs can be the same value after CSE (or by the model's
    own wiring); each C output buffer still needs its own copy.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect", "mlir::tensor::TensorDialect"];
}

def FlattenEmptyArguments : Pass<"onnxc-flatten-empty-arguments", "mlir::func::FuncOp"> {
  let summary = "Gives zero-element memref arguments the type memref<0xT>";
  let description = [{
    A zero-element memref of rank other than 1 has no bare-pointer calling
    convention; as memref<0xT> plus a reinterpret_cast it lowers like any
    other argument (the pointer is never dereferenced).
  }];
  let dependentDialects = ["mlir::memref::MemRefDialect"];
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

def FuseElementwise : Pass<"onnxc-fuse-elementwise", "mlir::func::FuncOp"> {
  let summary = "Fuses elementwise linalg producers into elementwise consumers";
  let description = [{
    Like linalg's elementwise fusion, but a producer is fused only into a
    consumer without reductions and only when the consumer is its sole use,
    so no value is recomputed per reduction step.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

def VectorizeReductions : Pass<"onnxc-vectorize-reductions", "mlir::func::FuncOp"> {
  let summary = "Register-tiles and vectorizes linalg reductions on buffers";
  let description = [{
    Every static linalg.generic with a reduction (MatMul, Gemm, Conv,
    pooling) becomes loops over `rows x lanes` output tiles whose
    accumulators stay in vector registers through the reduction loops. Lanes
    follow the output's contiguous axis at the target's vector width. The
    outermost tile loop is marked `onnxc.parallel`.
  }];
  let options = [
    Option<"vectorBits", "vector-bits", "int64_t", "512", "bits per vector register">,
    Option<"minParallelWork", "min-parallel-work", "int64_t", "1048576",
           "loop iterations below which a reduction stays on the calling thread">,
  ];
  let dependentDialects = ["mlir::affine::AffineDialect", "mlir::scf::SCFDialect",
                           "mlir::vector::VectorDialect", "mlir::memref::MemRefDialect"];
}

def OutlineParallelLoops : Pass<"onnxc-outline-parallel", "mlir::ModuleOp"> {
  let summary = "Runs loops marked onnxc.parallel through onnxc_parallel_for";
  let description = [{
    The body of each `scf.for` marked `onnxc.parallel` moves into a private
    function `void(void *ctx, int64_t begin, int64_t end)`; the loop becomes
    a call to the runtime's `onnxc_parallel_for` with a stack context that
    holds the captured values (memref descriptors and scalars).
  }];
  let dependentDialects = ["mlir::LLVM::LLVMDialect", "mlir::scf::SCFDialect",
                           "mlir::func::FuncDialect", "mlir::arith::ArithDialect"];
}

#endif // ONNXC_CODEGEN_PASSES_TD
