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

/* ---- Model description ------------------------------------------------- */

typedef struct onnxc_tensor_info {
  const char *name;  /* the ONNX value name */
  int32_t elem_type; /* ONNX TensorProto.DataType: 1 float, 7 int64, ... */
  int32_t rank;
  const int64_t *dims; /* rank entries */
} onnxc_tensor_info;

typedef struct onnxc_model_info {
  const char *name;
  int32_t num_inputs, num_outputs;
  const onnxc_tensor_info *inputs, *outputs; /* in graph order */
  size_t workspace_size;  /* bytes the caller passes to NAME_run */
  size_t workspace_align; /* a power of two, at most 64 */
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

/* Bytes per element of an ONNXC_* element type (bool: 1); 0 when unknown or
 * not fixed-size (string). */
size_t onnxc_elem_size(int32_t elem_type);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* ONNXC_RUNTIME_H */
