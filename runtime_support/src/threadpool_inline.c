/* onnxc runtime shim, bare-metal variant: parallel loops run inline. */
#include "onnxc/runtime.h"

void onnxc_parallel_for(onnxc_task_fn fn, void *ctx, int64_t n) {
  if (n > 0)
    fn(ctx, 0, n);
}

void onnxc_parallel_for_measured(onnxc_task_fn fn, void *ctx, int64_t n) { onnxc_parallel_for(fn, ctx, n); }

int64_t onnxc_run_begin(const void *model) {
  (void)model;
  return 0;
}

void onnxc_run_end(const void *model, int64_t start) {
  (void)model;
  (void)start;
}

void onnxc_set_num_threads(int n) { (void)n; }

int onnxc_get_num_threads(void) { return 1; }
