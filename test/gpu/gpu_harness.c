/* GPU check driver: runs one onnxc --target=cuda model on raw tensor files and times it (CUDA events, CUDA graph). */
/*
 * Build (on a machine with the CUDA toolkit; the model object itself needs no CUDA library):
 *   cc -std=c99 -O2 -DONNXC_MODEL=name -DONNXC_MODEL_HEADER="\"name.h\"" -I<runtime include>
 *      -I/usr/local/cuda/include gpu_harness.c name.o libonnxc_cuda_rt.a -L/usr/local/cuda/lib64 -lcuda -ldl -lpthread
 * Usage: gpu_harness IN0.bin [...] -- OUT0.bin [...] [--repeat N]
 * N (default 100) shrinks so that each timed series takes about 2 s (at least 5 runs).
 * Prints `key=value` lines: load_ms, events_median_ms (NAME_run_async between two events),
 * run_median_ms (NAME_run, host wall clock), graph_median_ms (the run captured once into a
 * CUDA graph, then replayed).
 */
#define _POSIX_C_SOURCE 200112L
#include <cuda.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <onnxc/runtime.h>
#include ONNXC_MODEL_HEADER

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define MODEL_INFO CAT(ONNXC_MODEL, _info)
#define MODEL_LOAD CAT(ONNXC_MODEL, _load)
#define MODEL_RUN CAT(ONNXC_MODEL, _run)
#define MODEL_RUN_ASYNC CAT(ONNXC_MODEL, _run_async)
#define MAX_TENSORS 64

static void die(const char *what, int code) {
  fprintf(stderr, "gpu_harness: %s failed: %d (%s) %s\n", what, code, onnxc_error_string(code),
          onnxc_cuda_last_error());
  exit(1);
}

static void check(CUresult r, const char *what) {
  if (r != CUDA_SUCCESS) {
    const char *name = "?";
    cuGetErrorName(r, &name);
    fprintf(stderr, "gpu_harness: %s: %s\n", what, name);
    exit(1);
  }
}

static size_t tensor_bytes(const onnxc_tensor_info *t) {
  size_t n = onnxc_elem_size(t->elem_type);
  int i;
  for (i = 0; i < t->rank; ++i)
    n *= (size_t)t->dims[i];
  return n;
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, int n) {
  qsort(v, n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

int main(int argc, char **argv) {
  const onnxc_model_info *info = MODEL_INFO();
  const char *in_files[MAX_TENSORS], *out_files[MAX_TENSORS];
  int n_in = 0, n_out = 0, repeat = 100, i, seen_sep = 0, rc;
  CUdevice dev;
  CUcontext ctx;
  CUdeviceptr in_dev[MAX_TENSORS], out_dev[MAX_TENSORS], ws = 0;
  void *in_ptrs[MAX_TENSORS], *out_ptrs[MAX_TENSORS];
  double t0, *times;
  CUevent start, stop;
  CUstream stream;
  CUgraph graph;
  CUgraphExec exec;

  for (i = 1; i < argc; ++i) {
    if (!strcmp(argv[i], "--")) seen_sep = 1;
    else if (!strcmp(argv[i], "--repeat") && i + 1 < argc) repeat = atoi(argv[++i]);
    else if (seen_sep && n_out < MAX_TENSORS) out_files[n_out++] = argv[i];
    else if (!seen_sep && n_in < MAX_TENSORS) in_files[n_in++] = argv[i];
  }
  if (n_in != info->num_inputs || n_out != info->num_outputs || repeat < 1) {
    fprintf(stderr, "usage: gpu_harness IN0.bin [...] -- OUT0.bin [...] [--repeat N] (%d inputs, %d outputs)\n",
            info->num_inputs, info->num_outputs);
    return 2;
  }
  check(cuInit(0), "cuInit");
  check(cuDeviceGet(&dev, 0), "cuDeviceGet");
  check(cuDevicePrimaryCtxRetain(&ctx, dev), "cuDevicePrimaryCtxRetain");
  check(cuCtxSetCurrent(ctx), "cuCtxSetCurrent");
  t0 = now_ms();
  if ((rc = MODEL_LOAD()) != 0)
    die("NAME_load", rc);
  printf("load_ms=%.3f\n", now_ms() - t0);

  for (i = 0; i < n_in; ++i) {
    size_t bytes = tensor_bytes(&info->inputs[i]);
    void *host = malloc(bytes ? bytes : 1);
    FILE *f = fopen(in_files[i], "rb");
    if (!f || fread(host, 1, bytes, f) != bytes) {
      fprintf(stderr, "gpu_harness: cannot read %zu bytes from %s\n", bytes, in_files[i]);
      return 1;
    }
    fclose(f);
    check(cuMemAlloc(&in_dev[i], bytes ? bytes : 1), "cuMemAlloc");
    check(cuMemcpyHtoD(in_dev[i], host, bytes), "cuMemcpyHtoD");
    in_ptrs[i] = (void *)(uintptr_t)in_dev[i];
    free(host);
  }
  for (i = 0; i < n_out; ++i) {
    size_t bytes = tensor_bytes(&info->outputs[i]);
    check(cuMemAlloc(&out_dev[i], bytes ? bytes : 1), "cuMemAlloc");
    check(cuMemsetD8(out_dev[i], 0xFF, bytes), "cuMemsetD8"); /* NaN until written */
    out_ptrs[i] = (void *)(uintptr_t)out_dev[i];
  }
  if (info->workspace_size)
    check(cuMemAlloc(&ws, info->workspace_size), "cuMemAlloc(workspace)");
  if ((rc = MODEL_RUN((const void *const *)in_ptrs, out_ptrs, (void *)(uintptr_t)ws)) != 0)
    die("NAME_run", rc);
  for (i = 0; i < n_out; ++i) {
    size_t bytes = tensor_bytes(&info->outputs[i]);
    void *host = malloc(bytes ? bytes : 1);
    FILE *f = fopen(out_files[i], "wb");
    check(cuMemcpyDtoH(host, out_dev[i], bytes), "cuMemcpyDtoH");
    if (!f || fwrite(host, 1, bytes, f) != bytes) {
      fprintf(stderr, "gpu_harness: cannot write %s\n", out_files[i]);
      return 1;
    }
    fclose(f);
    free(host);
  }

  times = malloc(sizeof(double) * repeat);
  check(cuEventCreate(&start, CU_EVENT_DEFAULT), "cuEventCreate");
  check(cuEventCreate(&stop, CU_EVENT_DEFAULT), "cuEventCreate");
  t0 = now_ms();
  for (i = 0; i < 3; ++i) /* warm-up */
    MODEL_RUN((const void *const *)in_ptrs, out_ptrs, (void *)(uintptr_t)ws);
  {
    double each = (now_ms() - t0) / 3;
    if (each * repeat > 2000)
      repeat = each > 400 ? 5 : (int)(2000 / each);
    printf("repeat=%d\n", repeat);
  }
  for (i = 0; i < repeat; ++i) {
    float ms;
    check(cuEventRecord(start, 0), "cuEventRecord");
    if ((rc = MODEL_RUN_ASYNC((const void *const *)in_ptrs, out_ptrs, (void *)(uintptr_t)ws, NULL)) != 0)
      die("NAME_run_async", rc);
    check(cuEventRecord(stop, 0), "cuEventRecord");
    check(cuEventSynchronize(stop), "cuEventSynchronize");
    check(cuEventElapsedTime(&ms, start, stop), "cuEventElapsedTime");
    times[i] = ms;
  }
  printf("events_median_ms=%.4f\n", median(times, repeat));
  for (i = 0; i < repeat; ++i) {
    t0 = now_ms();
    if ((rc = MODEL_RUN((const void *const *)in_ptrs, out_ptrs, (void *)(uintptr_t)ws)) != 0)
      die("NAME_run", rc);
    times[i] = now_ms() - t0;
  }
  printf("run_median_ms=%.4f\n", median(times, repeat));

  /* The contract: after NAME_load, run_async can be captured into a CUDA graph. */
  check(cuStreamCreate(&stream, CU_STREAM_NON_BLOCKING), "cuStreamCreate");
  check(cuStreamBeginCapture(stream, CU_STREAM_CAPTURE_MODE_GLOBAL), "cuStreamBeginCapture");
  if ((rc = MODEL_RUN_ASYNC((const void *const *)in_ptrs, out_ptrs, (void *)(uintptr_t)ws, stream)) != 0)
    die("NAME_run_async (capture)", rc);
  check(cuStreamEndCapture(stream, &graph), "cuStreamEndCapture");
  check(cuGraphInstantiate(&exec, graph, 0), "cuGraphInstantiate");
  for (i = 0; i < 10; ++i)
    check(cuGraphLaunch(exec, stream), "cuGraphLaunch");
  check(cuStreamSynchronize(stream), "cuStreamSynchronize");
  for (i = 0; i < repeat; ++i) {
    float ms;
    check(cuEventRecord(start, stream), "cuEventRecord");
    check(cuGraphLaunch(exec, stream), "cuGraphLaunch");
    check(cuEventRecord(stop, stream), "cuEventRecord");
    check(cuEventSynchronize(stop), "cuEventSynchronize");
    check(cuEventElapsedTime(&ms, start, stop), "cuEventElapsedTime");
    times[i] = ms;
  }
  printf("graph_median_ms=%.4f\n", median(times, repeat));
  return 0;
}
