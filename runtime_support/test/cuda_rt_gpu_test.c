/* Tests of libonnxc_cuda_rt on a real GPU: results, shared-memory opt-in, graph capture, faults. */
#define _GNU_SOURCE
#include "cuda_rt_test.h"

#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>

/* ---- A real GPU ------------------------------------------------------------
 */

/* Hand-written PTX (JIT-compiled by the driver): add_weights(out, w, n): out[i]
 * += w[i]; shared_big(out): 64 KiB of dynamic shared memory, out[t] = (t ^ 1) +
 * 1 for 256 threads; fault(): stores through a null pointer. */
static const char k_ptx[] = ".version 7.0\n"
                            ".target sm_70\n"
                            ".address_size 64\n"
                            ".extern .shared .align 16 .b8 dyn_smem[];\n"
                            ".visible .entry add_weights(.param .u64 p_out, "
                            ".param .u64 p_w, .param .u32 p_n)\n"
                            "{\n"
                            "  .reg .pred %p<2>;\n"
                            "  .reg .b32 %r<6>;\n"
                            "  .reg .b64 %rd<8>;\n"
                            "  .reg .f32 %f<4>;\n"
                            "  ld.param.u64 %rd1, [p_out];\n"
                            "  ld.param.u64 %rd2, [p_w];\n"
                            "  ld.param.u32 %r1, [p_n];\n"
                            "  mov.u32 %r2, %ctaid.x;\n"
                            "  mov.u32 %r3, %ntid.x;\n"
                            "  mov.u32 %r4, %tid.x;\n"
                            "  mad.lo.s32 %r5, %r2, %r3, %r4;\n"
                            "  setp.ge.s32 %p1, %r5, %r1;\n"
                            "  @%p1 bra DONE;\n"
                            "  cvta.to.global.u64 %rd3, %rd1;\n"
                            "  cvta.to.global.u64 %rd4, %rd2;\n"
                            "  mul.wide.s32 %rd5, %r5, 4;\n"
                            "  add.s64 %rd6, %rd3, %rd5;\n"
                            "  add.s64 %rd7, %rd4, %rd5;\n"
                            "  ld.global.f32 %f1, [%rd6];\n"
                            "  ld.global.f32 %f2, [%rd7];\n"
                            "  add.f32 %f3, %f1, %f2;\n"
                            "  st.global.f32 [%rd6], %f3;\n"
                            "DONE:\n"
                            "  ret;\n"
                            "}\n"
                            ".visible .entry shared_big(.param .u64 p_out)\n"
                            "{\n"
                            "  .reg .b32 %r<8>;\n"
                            "  .reg .b64 %rd<5>;\n"
                            "  .reg .f32 %f<4>;\n"
                            "  ld.param.u64 %rd1, [p_out];\n"
                            "  mov.u32 %r1, %tid.x;\n"
                            "  mov.u32 %r2, dyn_smem;\n"
                            "  shl.b32 %r3, %r1, 8;\n"
                            "  add.u32 %r4, %r2, %r3;\n"
                            "  cvt.rn.f32.u32 %f1, %r1;\n"
                            "  st.shared.f32 [%r4], %f1;\n"
                            "  bar.sync 0;\n"
                            "  xor.b32 %r5, %r1, 1;\n"
                            "  shl.b32 %r6, %r5, 8;\n"
                            "  add.u32 %r7, %r2, %r6;\n"
                            "  ld.shared.f32 %f2, [%r7];\n"
                            "  add.f32 %f3, %f2, 0f3F800000;\n"
                            "  cvta.to.global.u64 %rd2, %rd1;\n"
                            "  mul.wide.u32 %rd3, %r1, 4;\n"
                            "  add.s64 %rd4, %rd2, %rd3;\n"
                            "  st.global.f32 [%rd4], %f3;\n"
                            "  ret;\n"
                            "}\n"
                            ".visible .entry fault()\n"
                            "{\n"
                            "  .reg .b64 %rd<2>;\n"
                            "  .reg .f32 %f<2>;\n"
                            "  mov.u64 %rd1, 0;\n"
                            "  mov.f32 %f1, 0f3F800000;\n"
                            "  st.global.f32 [%rd1], %f1;\n"
                            "  ret;\n"
                            "}\n";

/* PTX for a newer GPU than any present: no image this GPU can run. */
static const char k_ptx_future[] = ".version 9.0\n"
                                   ".target sm_120\n"
                                   ".address_size 64\n"
                                   ".visible .entry k()\n"
                                   "{\n"
                                   "  ret;\n"
                                   "}\n";

static const onnxc_cuda_kernel k_gpu_kernels[] = {
    {"add_weights", "Add_0"}, {"shared_big", "Softmax_1"}, {"fault", "Gemm_2"}};
static float g_gpu_weights[1000];
static const onnxc_cuda_module k_gpu_model = {
    "gpu_model", k_ptx,         sizeof(k_ptx),        k_gpu_kernels,
    3,           g_gpu_weights, sizeof(g_gpu_weights)};

typedef unsigned long long dptr;
static struct {
  int (*Init)(unsigned);
  int (*DeviceGetCount)(int *);
  int (*DeviceGet)(int *, int);
  int (*PrimaryCtxRetain)(void **, int);
  int (*CtxSetCurrent)(void *);
  int (*MemAlloc)(dptr *, size_t);
  int (*MemFree)(dptr);
  int (*MemcpyHtoD)(dptr, const void *, size_t);
  int (*MemcpyDtoH)(void *, dptr, size_t);
  int (*StreamCreate)(void **, unsigned);
  int (*StreamBeginCapture)(void *, int);
  int (*StreamEndCapture)(void *, void **);
  int (*GraphInstantiate)(void **, void *, unsigned long long);
  int (*GraphLaunch)(void *, void *);
  int (*StreamSynchronize)(void *);
} g_drv;

/* 77 when there is no usable GPU, else 0 with g_drv filled. */
static int open_gpu(void) {
  void *lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  int count = 0;
  if (!lib || dlsym(lib, "fake_cuda_stats")) {
    printf("no CUDA driver: skipped\n");
    return SKIP;
  }
  resolve(lib, "cuInit", &g_drv.Init);
  resolve(lib, "cuDeviceGetCount", &g_drv.DeviceGetCount);
  if (g_drv.Init(0) != 0 || g_drv.DeviceGetCount(&count) != 0 || count == 0) {
    printf("no CUDA device: skipped\n");
    return SKIP;
  }
  /* The test's own reference on device 0's primary context: its buffers must
     outlive the shim's onnxc_cuda_unload, which drops the shim's reference. */
  {
    int dev = 0;
    void *ctx = NULL;
    resolve(lib, "cuDeviceGet", &g_drv.DeviceGet);
    resolve(lib, "cuDevicePrimaryCtxRetain", &g_drv.PrimaryCtxRetain);
    resolve(lib, "cuCtxSetCurrent", &g_drv.CtxSetCurrent);
    if (g_drv.DeviceGet(&dev, 0) != 0 || g_drv.PrimaryCtxRetain(&ctx, dev) != 0 ||
        g_drv.CtxSetCurrent(ctx) != 0) {
      printf("cannot make device 0's primary context current\n");
      return 1;
    }
  }
  resolve(lib, "cuMemAlloc_v2", &g_drv.MemAlloc);
  resolve(lib, "cuMemFree_v2", &g_drv.MemFree);
  resolve(lib, "cuMemcpyHtoD_v2", &g_drv.MemcpyHtoD);
  resolve(lib, "cuMemcpyDtoH_v2", &g_drv.MemcpyDtoH);
  resolve(lib, "cuStreamCreate", &g_drv.StreamCreate);
  resolve(lib, "cuStreamBeginCapture_v2", &g_drv.StreamBeginCapture);
  resolve(lib, "cuStreamEndCapture", &g_drv.StreamEndCapture);
  resolve(lib, "cuGraphInstantiateWithFlags", &g_drv.GraphInstantiate);
  resolve(lib, "cuGraphLaunch", &g_drv.GraphLaunch);
  resolve(lib, "cuStreamSynchronize", &g_drv.StreamSynchronize);
  return 0;
}

static void gpu_dispatch_shared(onnxc_cuda_call *call, void *const *args) {
  void *out = args[0];
  void *params[1];
  params[0] = &out;
  onnxc_cuda_launch(call, 1, 1, 1, 1, 256, 1, 1, 64 * 1024, params);
}

static void gpu_dispatch_add(onnxc_cuda_call *call, void *const *args) {
  void *out = args[0];
  void *w = onnxc_cuda_weights(call);
  int n = 1000;
  void *params[3];
  params[0] = &out;
  params[1] = &w;
  params[2] = &n;
  onnxc_cuda_launch(call, 0, 8, 1, 1, 128, 1, 1, 0, params);
}

static void gpu_dispatch_bad_block(onnxc_cuda_call *call, void *const *args) {
  (void)args;
  onnxc_cuda_launch(call, 2, 1, 1, 1, 4096, 1, 1, 0, NULL);
}

static void gpu_dispatch_fault(onnxc_cuda_call *call, void *const *args) {
  (void)args;
  onnxc_cuda_launch(call, 2, 1, 1, 1, 1, 1, 1, 0, NULL);
}

int test_gpu(void) {
  static const onnxc_cuda_module future = {
      "future", k_ptx_future, sizeof(k_ptx_future), k_gpu_kernels, 0, NULL, 0};
  float host[1000];
  dptr out = 0;
  void *args[1];
  void *stream = NULL, *graph = NULL, *exec = NULL;
  int i, status = open_gpu();
  if (status)
    return status;
  for (i = 0; i < 1000; ++i)
    g_gpu_weights[i] = (float)i * 0.5f;

  CHECK_CODE(onnxc_cuda_load(&k_gpu_model), ONNXC_OK);
  CHECK_CODE(onnxc_cuda_load(&k_gpu_model), ONNXC_OK);
  CHECK(g_drv.MemAlloc(&out, sizeof(host)) == 0);
  memset(host, 0, sizeof(host));
  CHECK(g_drv.MemcpyHtoD(out, host, sizeof(host)) == 0);
  args[0] = (void *)(uintptr_t)out;

  /* Twice through the shim, twice through a CUDA graph captured from it. */
  CHECK_CODE(onnxc_cuda_run(&k_gpu_model, NULL, 1, gpu_dispatch_add, args),
             ONNXC_OK);
  CHECK_CODE(onnxc_cuda_run(&k_gpu_model, NULL, 1, gpu_dispatch_add, args),
             ONNXC_OK);
  CHECK(g_drv.StreamCreate(&stream, 1 /* CU_STREAM_NON_BLOCKING */) == 0);
  CHECK(g_drv.StreamBeginCapture(stream,
                                 0 /* CU_STREAM_CAPTURE_MODE_GLOBAL */) == 0);
  CHECK_CODE(onnxc_cuda_run(&k_gpu_model, stream, 0, gpu_dispatch_add, args),
             ONNXC_OK);
  CHECK(g_drv.StreamEndCapture(stream, &graph) == 0 && graph);
  CHECK(g_drv.GraphInstantiate(&exec, graph, 0) == 0);
  CHECK(g_drv.GraphLaunch(exec, stream) == 0 &&
        g_drv.GraphLaunch(exec, stream) == 0);
  CHECK(g_drv.StreamSynchronize(stream) == 0);
  CHECK(g_drv.MemcpyDtoH(host, out, sizeof(host)) == 0);
  for (i = 0; i < 1000; ++i)
    if (host[i] != 4 * g_gpu_weights[i]) {
      fprintf(stderr, "add_weights: out[%d] = %g, expected %g\n", i, host[i],
              4 * g_gpu_weights[i]);
      ++failures;
      break;
    }

  /* 64 KiB of dynamic shared memory (needs the opt-in). */
  CHECK_CODE(onnxc_cuda_run(&k_gpu_model, NULL, 1, gpu_dispatch_shared, args),
             ONNXC_OK);
  CHECK(g_drv.MemcpyDtoH(host, out, 256 * sizeof(float)) == 0);
  for (i = 0; i < 256; ++i)
    if (host[i] != (float)((i ^ 1) + 1)) {
      fprintf(stderr, "shared_big: out[%d] = %g\n", i, host[i]);
      ++failures;
      break;
    }

  CHECK_CODE(
      onnxc_cuda_run(&k_gpu_model, NULL, 1, gpu_dispatch_bad_block, args),
      ONNXC_ERR_LAUNCH_FAILED);
  CHECK_MSG("cuLaunchKernel: CUDA_ERROR_INVALID_VALUE (code 1) in kernel "
            "'fault' (nodes: "
            "Gemm_2) of model 'gpu_model'");
  printf("bad block: %s\n", onnxc_cuda_last_error());

  status = onnxc_cuda_load(&future);
  printf("sm_120 PTX: %d, %s\n", status, onnxc_cuda_last_error());
  CHECK_CODE(status, ONNXC_ERR_NO_KERNEL_IMAGE);

  onnxc_cuda_unload(&k_gpu_model);
  CHECK_CODE(onnxc_cuda_run(&k_gpu_model, NULL, 1, gpu_dispatch_add, args),
             ONNXC_OK);
  onnxc_cuda_unload(&k_gpu_model);
  CHECK(g_drv.MemFree(out) == 0);
  return 0;
}

/* A kernel fault (which spoils the context: last in its process). */
int test_gpu_fault(void) {
  int status = open_gpu();
  if (status)
    return status;
  CHECK_CODE(onnxc_cuda_run(&k_gpu_model, NULL, 1, gpu_dispatch_fault, NULL),
             ONNXC_ERR_LAUNCH_FAILED);
  CHECK_MSG("CUDA_ERROR_ILLEGAL_ADDRESS (code 700)");
  CHECK_MSG(getenv("ONNXC_CUDA_SYNC") ? "in kernel 'fault' (nodes: Gemm_2)"
                                      : "ONNXC_CUDA_SYNC=1");
  printf("fault: %s\n", onnxc_cuda_last_error());
  onnxc_cuda_unload(&k_gpu_model);
  return 0;
}

