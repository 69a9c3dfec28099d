// Code generation passes (common/ and cpu/). Target facts come from the module's onnxc.target.
#ifndef ONNXC_CODEGEN_PASSES_TD
#define ONNXC_CODEGEN_PASSES_TD

include "mlir/Pass/PassBase.td"

def ApproximateMath : Pass<"onnxc-approximate-math", "mlir::func::FuncOp"> {
  let summary = "Expands math ops into arithmetic and polynomial approximations";
  let description = [{
    exp, log, log1p, tanh, erf, pow and friends become polynomials and
    arithmetic, floor an integer round trip and bf16 casts integer
    arithmetic, so generated code calls no libm or compiler-rt function on
    any target (the Cortex-M4 has no rounding instruction).
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
    not overlap share bytes; every offset is aligned to the target's
    workspace alignment. The module gets
    `onnxc.workspace_size` (bytes). A dynamic or nested alloc is an error.
  }];
  let options = [
    Option<"alignment", "alignment", "int64_t", "0",
           "byte alignment of each buffer (0: the target's workspace alignment)">,
    Option<"recordPlan", "record-plan", "bool", "false",
           "keep the plan as onnxc.report.* module attributes (--report)">,
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
    outermost tile loop is marked `onnxc.parallel` when the target has
    threads. Vector width and register count come from the module's
    `onnxc.target` (a target without vector registers gets scalar tiles
    sized to its FP registers); the options override them in tests.
  }];
  let options = [
    Option<"vectorBits", "vector-bits", "int64_t", "-1",
           "bits per vector register (-1: the target's; 0: scalar tiles)">,
    Option<"accumulators", "accumulators", "int64_t", "0",
           "accumulators per register tile (0: the target's)">,
    Option<"minParallelWork", "min-parallel-work", "int64_t", "131072",
           "loop iterations below which a reduction stays on the calling thread">,
  ];
  let dependentDialects = ["mlir::affine::AffineDialect", "mlir::scf::SCFDialect",
                           "mlir::vector::VectorDialect", "mlir::memref::MemRefDialect"];
}

def VectorizeElementwise : Pass<"onnxc-vectorize-elementwise", "mlir::func::FuncOp"> {
  let summary = "Vectorizes elementwise linalg generics on buffers over their flattened contiguous axes";
  let description = [{
    Every static all-parallel linalg.generic whose operands read its trailing
    axes contiguously (or not at all, as a broadcast) becomes a vector loop
    over those axes flattened, with one masked vector for the remainder,
    inside scalar loops over the leading axes. The outermost loop with enough
    iterations is marked `onnxc.parallel` when the target has threads and the
    op's work (elements times body cost) reaches `min-parallel-work`.
  }];
  let options = [
    Option<"vectorBits", "vector-bits", "int64_t", "-1",
           "bits per vector register (-1: the target's)">,
    Option<"minParallelWork", "min-parallel-work", "int64_t", "131072",
           "elements times body cost below which an op stays on the calling thread">,
  ];
  let dependentDialects = ["mlir::affine::AffineDialect", "mlir::scf::SCFDialect",
                           "mlir::vector::VectorDialect", "mlir::memref::MemRefDialect"];
}

def PadIntoProducers : Pass<"onnxc-pad-into-producers", "mlir::func::FuncOp"> {
  let summary = "Makes a padded tensor's producer write into the padded buffer";
  let description = [{
    A constant tensor.pad of a linalg.generic result (the generic writes a
    tensor.empty and is the pad's only source use) becomes a fill of the
    padded tensor before the generic, which then writes the interior slice,
    and an insert_slice in place. After bufferization the padded buffer is
    the activation buffer itself: no padded copy, one buffer fewer. With
    `border-only`, only the border is filled (two slabs per padded axis).
  }];
  let options = [
    Option<"borderOnly", "border-only", "bool", "false",
           "fill only the border, not the interior the producer overwrites">,
  ];
  let dependentDialects = ["mlir::linalg::LinalgDialect", "mlir::tensor::TensorDialect"];
}

def SplitSharedInits : Pass<"onnxc-split-shared-inits", "mlir::func::FuncOp"> {
  let summary = "Clones tensor.empty and constant fills that several ops use as init";
  let description = [{
    CSE merges identical inits; shared by many ops, one init becomes one
    buffer live from the first user to the last. A clone beside each user
    gives each result its own short-lived buffer for the workspace planner.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect", "mlir::tensor::TensorDialect"];
}

def PackWeights : Pass<"onnxc-pack-weights", "mlir::func::FuncOp"> {
  let summary = "Stores constant reduction operands with the output's lane axis innermost";
  let description = [{
    For every linalg.generic with reductions on tensors, a constant input
    (possibly through a static unit-stride extract_slice) that varies along
    the output's innermost non-unit axis is permuted at compile time so that
    this axis is its innermost one, and its indexing map is permuted to
    match: Conv weights become [G, Cg, kernel..., Mg], Gemm's transposed B
    becomes [K, N], recurrent weights [inputs, gates x hidden]. Register
    tiles then read them as contiguous vectors.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect", "mlir::linalg::LinalgDialect"];
}

def ConvertVectorToLLVM : Pass<"onnxc-convert-vector-to-llvm", "mlir::ModuleOp"> {
  let summary = "Lowers vector ops to the LLVM dialect with the module's index width";
  let description = [{
    Like convert-vector-to-llvm, but the type converter follows the
    module's DLTI data layout, so a 32-bit-index target (Cortex-M) gets
    32-bit memref descriptors here too.
  }];
  let dependentDialects = ["mlir::LLVM::LLVMDialect", "mlir::vector::VectorDialect"];
}

def OutlineParallelLoops : Pass<"onnxc-outline-parallel", "mlir::ModuleOp"> {
  let summary = "Runs loops marked onnxc.parallel through onnxc_parallel_for_measured";
  let description = [{
    The body of each `scf.for` marked `onnxc.parallel` moves into a private
    function `void(void *ctx, int64_t begin, int64_t end)`; the loop becomes
    a call to the runtime's `onnxc_parallel_for_measured` with a stack context that
    holds the captured values (memref descriptors and scalars).
  }];
  let dependentDialects = ["mlir::LLVM::LLVMDialect", "mlir::scf::SCFDialect",
                           "mlir::func::FuncDialect", "mlir::arith::ArithDialect"];
}

//===- GPU (codegen/gpu) ---------------------------------------------------===//

def WeightsToArgument : Pass<"onnxc-weights-to-argument", "mlir::ModuleOp"> {
  let summary = "Gathers the constant globals into one weights blob passed as an argument";
  let description = [{
    Every constant `memref.global` is packed (aligned to the target's weight
    alignment) into one private global `onnxc_weights : memref<Nxi8>`; each
    `memref.get_global` becomes a `memref.view` into a new trailing
    `memref<Nxi8>` argument of the entry function, which the GPU runtime binds
    to the device copy of the blob.
  }];
  let dependentDialects = ["mlir::memref::MemRefDialect", "mlir::arith::ArithDialect"];
}

def ParallelDimsFirst : Pass<"onnxc-parallel-dims-first", "mlir::func::FuncOp"> {
  let summary = "Interchanges each linalg op's loops so that parallel loops are outermost";
  let description = [{
    A Gemm written as (m, k, n) would become a parallel loop over m around a
    serial k loop; with (m, n, k) every output gets its own GPU thread.
    Named ops whose reductions come first are generalized, then interchanged.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

def FormKernels : Pass<"onnxc-form-kernels", "mlir::func::FuncOp"> {
  let summary = "Turns each parallel loop nest of the entry function into one GPU kernel launch";
  let description = [{
    Runs after linalg became loops on buffers. Each top-level `scf.parallel`
    becomes a `gpu.launch` of one thread per iteration: the linear thread id
    is split into the loop indices with the innermost index fastest, so that
    consecutive threads touch consecutive addresses. Host `scf.for`/`scf.if`
    around parallel loops stay on the host; any other op that touches memory
    runs as a one-thread kernel, so that the host never dereferences device
    memory. With `emulate`, the same indexing runs as host loops over
    blocks and threads instead (the host check of the GPU tiling).
  }];
  let options = [
    Option<"emulate", "emulate", "bool", "false",
           "emit loops over blocks and threads on the host instead of gpu.launch">,
    Option<"precision", "precision", "std::string", "\"fp32\"",
           "fp32, or tf32/fp16/bf16: matmul-like kernels on the tensor cores">,
  ];
  let dependentDialects = ["mlir::gpu::GPUDialect", "mlir::scf::SCFDialect", "mlir::arith::ArithDialect",
                           "mlir::vector::VectorDialect", "mlir::NVVM::NVVMDialect", "mlir::LLVM::LLVMDialect"];
}

def NarrowWeights : Pass<"onnxc-narrow-weights", "mlir::ModuleOp"> {
  let summary = "Stores the weights that only feed tensor-core kernels at 16 bits";
  let description = [{
    With `precision` fp16 or bf16, a constant f32 global whose every load is
    an operand of a matmul-like loop nest that will run on the tensor cores
    (the same test FormKernels applies) becomes a global of that type, its
    data rounded to nearest even: half the bytes to store, upload and read.
    The loads yield the narrow type and are extended where the loop body
    multiplies them. Runs on parallel loops, before FormKernels.
  }];
  let options = [
    Option<"precision", "precision", "std::string", "\"fp32\"", "fp16 or bf16 narrows; anything else does nothing">,
  ];
  let dependentDialects = ["mlir::arith::ArithDialect"];
}

def OutlineKernels : Pass<"onnxc-outline-kernels", "mlir::ModuleOp"> {
  let summary = "Outlines every gpu.launch into one gpu.module";
  let description = [{
    View and index computations are sunk into each launch first, so that a
    kernel takes the entry function's buffers and host loop indices only.
    Kernels are named `k<i>_<first ONNX node>`; the module gets the kernel
    table `onnxc.kernels`: one dictionary with name and nodes per kernel, in index order.
  }];
  let options = [
    Option<"moduleName", "module-name", "std::string", "\"onnxc_kernels\"", "name of the gpu.module">,
  ];
  let dependentDialects = ["mlir::gpu::GPUDialect"];
}

def LowerLaunches : Pass<"onnxc-lower-launches", "mlir::ModuleOp"> {
  let summary = "Replaces gpu.launch_func with calls to the CUDA shim";
  let description = [{
    The entry function gets a trailing `!llvm.ptr` argument (the shim's
    `onnxc_cuda_call`); each launch stores its parameters in stack slots and
    calls `onnxc_cuda_launch(call, kernel, grid, block, shared, params)`,
    `kernel` being the index in the `onnxc.kernels` table.
  }];
  let options = [
    Option<"indexBits", "index-bits", "unsigned", "64", "width of index parameters inside kernels">,
  ];
  let dependentDialects = ["mlir::LLVM::LLVMDialect", "mlir::memref::MemRefDialect", "mlir::arith::ArithDialect"];
}

#endif // ONNXC_CODEGEN_PASSES_TD

def InsertProfileHooks : Pass<"onnxc-insert-profile-hooks", "mlir::ModuleOp"> {
  let summary = "Times each kernel through the runtime shim (--profile)";
  let description = [{
    In every function, the top-level loop nests and other work ops are grouped
    into kernels: consecutive ones that come from the same ONNX nodes (their
    name locations) are one kernel. Each kernel gets
    `%t = call @onnxc_profile_now()` before it and
    `call @onnxc_profile_kernel(@name, %t)` after it, where `@name` is a
    constant string of its node names joined by `+`. Run after the loops exist
    and before parallel loops are outlined, so the calls stay on the calling
    thread around each parallel loop.
  }];
  let dependentDialects = ["mlir::LLVM::LLVMDialect", "mlir::func::FuncDialect"];
}

def CountNodeFlops : Pass<"onnxc-count-node-flops", "mlir::ModuleOp"> {
  let summary = "--report: the arithmetic of each ONNX node's linalg ops";
  let description = [{
    On linalg on buffers (before the tiles fuse them), each op's iteration
    count times the arithmetic and math ops in its body, summed per ONNX node
    name into the module attribute `onnxc.report.node_flops`.
  }];
}

def ReportKernels : Pass<"onnxc-report-kernels", "mlir::ModuleOp"> {
  let summary = "--report: describes each kernel in a module attribute";
  let description = [{
    After the loops exist: per kernel (Kernels.h) its name, nodes, FLOPs (of
    the nodes it holds most of), the bytes of the buffers it reads and writes,
    its tile shape (`onnxc.tile`), and whether it is vectorized and parallel,
    as the module attribute `onnxc.report.kernels`.
  }];
}
