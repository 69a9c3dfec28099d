/* Counters of the fake libcuda.so.1 that cuda_rt_test.c checks. */
#ifndef ONNXC_FAKE_CUDA_H
#define ONNXC_FAKE_CUDA_H

/* The exported object `fake_cuda_stats`; `fake_cuda_new_context` returns a new
 * (non-primary) context. Failures are injected through the environment, read
 * on every call:
 *   FAKE_CUDA_INIT=<code>     cuInit returns <code>
 *   FAKE_CUDA_DEVICES=<n>     device count (default 1)
 *   FAKE_CUDA_FAIL=<fn>:<code> entry point <fn> returns <code>
 *                             (cuModuleLoadData covers cuModuleLoadDataEx too)
 * Module images are text: "FAKE-IMAGE <kernel> <kernel> ...", or "BADPTX"
 * (CUDA_ERROR_INVALID_PTX with a JIT log). Kernels run on the host at launch:
 * "add_weights" (params: float *out, const float *w, int n: out[i] += w[i]),
 * "fault..." (a deferred CUDA_ERROR_ILLEGAL_ADDRESS, reported by the next
 * synchronize), any other name does nothing. */
typedef struct fake_cuda_stats_t {
  int inits;
  int primary_retains, primary_releases, primary_refs;
  void *primary; /* the primary context's handle */
  int module_loads, module_unloads, live_modules;
  int unload_in_wrong_context; /* cuModuleUnload/cuMemFree outside the owning
                                  context */
  int allocs, frees, htod_copies;
  long long live_bytes;
  int launches, stream_syncs, ctx_syncs, set_attribute_calls;
  /* The last successful launch. */
  char last_kernel[64];
  unsigned last_grid[3], last_block[3], last_shared;
  void *last_stream;
  void *last_context;
} fake_cuda_stats_t;

#endif
