/* onnxc C ABI: model/tensor descriptors, error codes and the runtime shim API.
 */
#ifndef ONNXC_RUNTIME_H
#define ONNXC_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Error codes returned by NAME_run ---------------------------------- */

/* Success. */
#define ONNXC_OK 0
/* The inputs array, or one of its entries, is NULL. */
#define ONNXC_ERR_NULL_INPUT 1
/* The outputs array, or one of its entries, is NULL. */
#define ONNXC_ERR_NULL_OUTPUT 2
/* The workspace is NULL although the model's workspace_size is not 0. */
#define ONNXC_ERR_NULL_WORKSPACE 3
/* The workspace is not aligned to the model's workspace_align. */
#define ONNXC_ERR_MISALIGNED_WORKSPACE 4
/* CUDA models only (libonnxc_cuda_rt): libcuda.so.1 cannot be loaded. */
#define ONNXC_ERR_NO_DRIVER 5
/* CUDA: no CUDA device (or ONNXC_CUDA_DEVICE names none), or cuInit failed. */
#define ONNXC_ERR_NO_DEVICE 6
/* CUDA: the object holds no kernel image (SASS or PTX) this GPU can run. */
#define ONNXC_ERR_NO_KERNEL_IMAGE 7
/* CUDA: device memory for the weights could not be allocated. */
#define ONNXC_ERR_OUT_OF_MEMORY 8
/* CUDA: a kernel failed to launch or to run (onnxc_cuda_last_error names it). */
#define ONNXC_ERR_LAUNCH_FAILED 9
/* CUDA: any other driver error (onnxc_cuda_last_error has the driver's text). */
#define ONNXC_ERR_DRIVER 10
/* NAME_run_dynamic: a tensor's rank or dims disagree with the model (or exceed
 * its bounds), or a dims pointer is NULL. */
#define ONNXC_ERR_SHAPE 11

/* ---- Element types (ONNX TensorProto.DataType values) ------------------ */

#define ONNXC_FLOAT 1
#define ONNXC_UINT8 2
#define ONNXC_INT8 3
#define ONNXC_UINT16 4
#define ONNXC_INT16 5
#define ONNXC_INT32 6
#define ONNXC_INT64 7
#define ONNXC_STRING 8
#define ONNXC_BOOL 9
#define ONNXC_FLOAT16 10
#define ONNXC_DOUBLE 11
#define ONNXC_UINT32 12
#define ONNXC_UINT64 13
#define ONNXC_BFLOAT16 16
/* Narrow types: the float8 ones a byte each (their bits); the 4- and 2-bit
 * ones packed, first element in the lowest bits (as ONNX raw_data). */
#define ONNXC_FLOAT8E4M3FN 17
#define ONNXC_FLOAT8E4M3FNUZ 18
#define ONNXC_FLOAT8E5M2 19
#define ONNXC_FLOAT8E5M2FNUZ 20
#define ONNXC_UINT4 21
#define ONNXC_INT4 22
#define ONNXC_FLOAT4E2M1 23
#define ONNXC_FLOAT8E8M0 24
#define ONNXC_UINT2 25
#define ONNXC_INT2 26

/* ---- Model description ------------------------------------------------- */

typedef struct onnxc_tensor_info {
  const char *name;  /* the ONNX value name */
  int32_t elem_type; /* ONNX TensorProto.DataType: 1 float, 7 int64, ... */
  int32_t rank;
  const int64_t *dims;     /* rank entries; -1 where known only at run time */
  const int64_t *max_dims; /* rank entries: the bound of each dim (= dims where static) */
} onnxc_tensor_info;

/* A tensor for NAME_run_dynamic: dense, row-major. */
typedef struct onnxc_tensor {
  void *data;    /* outputs: room for max_dims elements */
  int32_t rank;  /* must equal the model's */
  int64_t *dims; /* inputs: the actual dims; outputs: written by the call */
} onnxc_tensor;

typedef struct onnxc_model_info {
  const char *name;
  int32_t num_inputs, num_outputs;
  const onnxc_tensor_info *inputs, *outputs; /* in graph order */
  size_t workspace_size;  /* bytes the caller passes to NAME_run */
  size_t workspace_align; /* a power of two: 64 on CPU targets, 256 on CUDA */
} onnxc_model_info;

/* ---- Parallel loops ---------------------------------------------------- */

/* A task body: processes the indices [begin, end). */
typedef void (*onnxc_task_fn)(void *ctx, int64_t begin, int64_t end);

/* Runs fn over [0, n) split into T contiguous, disjoint chunks, chunk i being
 * [i*n/T, (i+1)*n/T) with T = min(thread count, n); returns when every chunk
 * is done. The calling thread runs one chunk itself. With one thread, n == 1,
 * a nested call (from inside a task) or while another application thread owns
 * the pool, it runs fn(ctx, 0, n) inline. For n <= 0, fn is not called.
 * The bare-metal shim always runs inline. */
void onnxc_parallel_for(onnxc_task_fn fn, void *ctx, int64_t n);

/* What generated code calls: onnxc_parallel_for where that measurably pays.
 * The pool's round trip (an empty loop, workers awake) is timed once per
 * thread count; each task function (one per loop of a model) is timed inline
 * on its first call, and later calls run on the pool when that took more than
 * a grain (four round trips, at least 5 us and at most 100 us), else inline
 * (short loops are timed again on calls 1, 2, 4, ..., 64 and every 64th; the
 * fastest time counts). Which thread
 * runs an index never changes its result, so outputs do not depend on the
 * choice. Same inline cases as onnxc_parallel_for. */
void onnxc_parallel_for_measured(onnxc_task_fn fn, void *ctx, int64_t n);

/* What generated code calls around each run of a model that uses the pool
 * (`model` identifies it): with more than one thread, its first two runs use
 * the pool and the next two run every loop on the calling thread; later runs
 * take the faster way (the best of each way's last four times) and now and
 * then run twice the other way (every 16 runs while the two are within 25%,
 * else every 64), so a small model that loses on two cores runs as on one. begin returns the start
 * time to pass to end; both are no-ops in the bare-metal shim. */
int64_t onnxc_run_begin(const void *model);
void onnxc_run_end(const void *model, int64_t start);

/* Sets the thread count used by later onnxc_parallel_for calls (the calling
 * thread included); n <= 0 means 1, values above 256 mean 256. Overrides the
 * ONNXC_NUM_THREADS environment variable. A no-op in the bare-metal shim. */
void onnxc_set_num_threads(int n);

/* The current thread count: the last onnxc_set_num_threads value, else
 * ONNXC_NUM_THREADS (default 1). Always 1 in the bare-metal shim. */
int onnxc_get_num_threads(void);

/* ---- Helpers ----------------------------------------------------------- */

/* A static, human-readable message for an ONNXC_* code (never NULL). */
const char *onnxc_error_string(int code);

/* Bytes per element of an ONNXC_* element type (bool: 1); 0 when unknown,
 * not fixed-size (string) or smaller than a byte (int4, int2, float4). */
size_t onnxc_elem_size(int32_t elem_type);

/* Bits per element as stored (int4: 4, int2: 2, bool: 8); 0 when unknown. */
size_t onnxc_elem_bits(int32_t elem_type);

/* Bytes of a tensor of `elements` values of an element type, sub-byte types
 * packed: ceil(elements * bits / 8); 0 when the type is unknown. */
size_t onnxc_tensor_bytes(int32_t elem_type, size_t elements);

/* ---- Profiling (objects compiled with --profile) ----------------------- */

/* Generated code: the clock before a kernel (nanoseconds on hosted targets;
 * the clock set by onnxc_profile_set_clock on bare metal, 0 without one). */
uint64_t onnxc_profile_now(void);

/* Generated code: one run of kernel `name` (its ONNX nodes joined by '+', a
 * string constant in the object) that began at `start`. Thread-safe. */
void onnxc_profile_kernel(const char *name, uint64_t start);

/* Bare metal: the clock onnxc_profile_now reads and its ticks per second, for
 * example the Cortex-M DWT cycle counter (DWT->CYCCNT) and the core clock. */
void onnxc_profile_set_clock(uint64_t (*now)(void), uint64_t ticks_per_second);

/* Prints one line per kernel to stdout: calls, total and mean time, share of
 * the total. Hosted targets also write a Chrome trace (chrome://tracing,
 * Perfetto), one complete event per kernel run, at exit to the file named by
 * the environment variable ONNXC_PROFILE when it is set (a file that cannot
 * be written is skipped silently). */
void onnxc_profile_summary(void);

/* Forgets every recorded kernel run. */
void onnxc_profile_reset(void);

/* ---- CUDA shim (libonnxc_cuda_rt; called by generated CUDA objects) --- */

/* One kernel of a compiled model. */
typedef struct onnxc_cuda_kernel {
  const char *name;  /* the kernel's symbol in the fatbin */
  const char *nodes; /* the ONNX nodes it computes, for error messages */
} onnxc_cuda_kernel;

/* Everything a CUDA model object hands the shim (a constant in the object). */
typedef struct onnxc_cuda_module {
  const char *model_name;
  const void *fatbin; /* a fatbin (SASS per architecture, PTX as JIT fallback) */
  size_t fatbin_size;
  const onnxc_cuda_kernel *kernels;
  int32_t num_kernels;
  const void *weights; /* uploaded once per context, 256-byte aligned there */
  size_t weights_size;
} onnxc_cuda_module;

/* One call's state; opaque to generated code. */
typedef struct onnxc_cuda_call onnxc_cuda_call;

/* Generated code: launches every kernel of one run through `call`. */
typedef void (*onnxc_cuda_dispatch_fn)(onnxc_cuda_call *call, void *const *args);

/* Loads `m` in the current context (else ONNXC_CUDA_DEVICE's primary context,
 * default device 0): module, functions, weights. Idempotent per context;
 * thread-safe. Returns 0 or an ONNXC_ERR_* code. */
int onnxc_cuda_load(const onnxc_cuda_module *m);

/* Frees what onnxc_cuda_load made for `m` in every context (synchronizing
 * each). Not while another thread runs `m`; unload before destroying a context
 * that `m` was loaded in. */
void onnxc_cuda_unload(const onnxc_cuda_module *m);

/* Loads `m` if needed, then calls dispatch(call, args) on `stream` (a
 * CUstream, NULL: the default stream). With `synchronize` it waits for the
 * stream. Returns 0 or the first ONNXC_ERR_* code of the call. */
int onnxc_cuda_run(const onnxc_cuda_module *m, void *stream, int synchronize,
                   onnxc_cuda_dispatch_fn dispatch, void *const *args);

/* In a dispatch: the device address of the model's weights. */
void *onnxc_cuda_weights(onnxc_cuda_call *call);

/* In a dispatch: launches kernel `kernel` (an index into m->kernels) with
 * `params` as cuLaunchKernel's kernelParams. After a failure in this call,
 * later launches do nothing. With ONNXC_CUDA_SYNC=1 it synchronizes after each
 * launch so that a fault is blamed on the kernel that caused it. */
void onnxc_cuda_launch(onnxc_cuda_call *call, int32_t kernel, uint32_t grid_x, uint32_t grid_y,
                       uint32_t grid_z, uint32_t block_x, uint32_t block_y, uint32_t block_z,
                       uint32_t shared_bytes, void **params);

/* A message for the last failure of the calling thread (the driver's error
 * and the failing kernel with its ONNX nodes), or "" when none. */
const char *onnxc_cuda_last_error(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* ONNXC_RUNTIME_H */
