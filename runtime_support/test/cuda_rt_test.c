/* Tests of libonnxc_cuda_rt: no driver, stub, fake driver (the real GPU's in cuda_rt_gpu_test.c). */
#define _GNU_SOURCE
#include "cuda_rt_test.h"
#include "fake_cuda.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int failures;

void resolve(void *lib, const char *name, void *slot) {
  void *sym = dlsym(lib, name);
  if (!sym) {
    fprintf(stderr, "missing symbol %s\n", name);
    exit(1);
  }
  memcpy(slot, &sym, sizeof(sym));
}

/* ---- Error strings ------------------------------------------------------ */

static void test_error_strings(void) {
  const char *unknown = onnxc_error_string(-1);
  int a, b;
  CHECK(unknown && *unknown);
  CHECK(strcmp(onnxc_error_string(12), unknown) == 0);
  for (a = ONNXC_OK; a <= ONNXC_ERR_SHAPE; ++a) {
    CHECK(onnxc_error_string(a) && *onnxc_error_string(a));
    CHECK(strcmp(onnxc_error_string(a), unknown) != 0);
    for (b = ONNXC_OK; b < a; ++b)
      CHECK(strcmp(onnxc_error_string(a), onnxc_error_string(b)) != 0);
  }
  CHECK(strstr(onnxc_error_string(ONNXC_ERR_NO_DRIVER), "libcuda.so.1") !=
        NULL);
  CHECK(strstr(onnxc_error_string(ONNXC_ERR_LAUNCH_FAILED),
               "onnxc_cuda_last_error") != NULL);
  CHECK(onnxc_elem_size(ONNXC_FLOAT) == 4 &&
        onnxc_elem_size(ONNXC_STRING) == 0);
}

/* ---- A model for the fake driver ----------------------------------------- */

static const onnxc_cuda_kernel k_kernels[] = {
    {"add_weights", "Add_0"},
    {"k1", "Conv_0, Relu_1"},
    {"fault_k2", "Gemm_2"},
    {"k3", "Softmax_3"},
};
static const float k_weights[8] = {1, 2, 3, 4, 5, 6, 7, 8};
static const onnxc_cuda_module k_model = {
    "fake_model",
    "FAKE-IMAGE add_weights k1 fault_k2 k3",
    38,
    k_kernels,
    4,
    k_weights,
    sizeof(k_weights)};

static int dispatch_calls;

/* args[0]: float *out (8 floats): out += weights through kernel 0. */
static void dispatch_add(onnxc_cuda_call *call, void *const *args) {
  void *out = args[0];
  void *w = onnxc_cuda_weights(call);
  int n = 8;
  void *params[3];
  params[0] = &out;
  params[1] = &w;
  params[2] = &n;
  ++dispatch_calls;
  onnxc_cuda_launch(call, 0, 1, 1, 1, 32, 1, 1, 0, params);
}

/* Plays a script from args[0]: int triples {kernel, block_x, shared_bytes},
 * ended by kernel -100. */
static void dispatch_script(onnxc_cuda_call *call, void *const *args) {
  const int *s = (const int *)args[0];
  ++dispatch_calls;
  for (; s[0] != -100; s += 3)
    onnxc_cuda_launch(call, s[0], 2, 3, 4, (uint32_t)s[1], 1, 1, (uint32_t)s[2],
                      NULL);
}

static int run_script(const onnxc_cuda_module *m, int synchronize,
                      const int *script) {
  void *args[1];
  args[0] = (void *)script;
  return onnxc_cuda_run(m, (void *)0x5a, synchronize, dispatch_script, args);
}

/* ---- Expected failure of the whole shim (no driver, stub, fake failures) --
 */

typedef struct thread_result {
  int status;
  int empty_before;
  char message[1024];
} thread_result;

static void *thread_run(void *arg) {
  thread_result *r = (thread_result *)arg;
  float out[8] = {0};
  void *args[1];
  args[0] = out;
  r->empty_before = onnxc_cuda_last_error()[0] == '\0';
  r->status = onnxc_cuda_run(&k_model, NULL, 1, dispatch_add, args);
  snprintf(r->message, sizeof(r->message), "%s", onnxc_cuda_last_error());
  return NULL;
}

static int test_expect(int code, const char *substring) {
  float out[8] = {0};
  void *args[1];
  char message[1024];
  thread_result tr;
  pthread_t thread;

  CHECK(onnxc_cuda_last_error() != NULL && onnxc_cuda_last_error()[0] == '\0');
  onnxc_cuda_unload(&k_model); /* never loaded */

  CHECK_CODE(onnxc_cuda_load(&k_model), code);
  if (code != ONNXC_OK) {
    CHECK(onnxc_cuda_last_error()[0] != '\0');
    if (substring)
      CHECK_MSG(substring);
  }
  snprintf(message, sizeof(message), "%s", onnxc_cuda_last_error());

  args[0] = out;
  dispatch_calls = 0;
  CHECK_CODE(onnxc_cuda_run(&k_model, NULL, 1, dispatch_add, args), code);
  CHECK(dispatch_calls == (code == ONNXC_OK));

  /* The message is per thread; the failure the same in every thread. */
  memset(&tr, 0, sizeof(tr));
  CHECK(pthread_create(&thread, NULL, thread_run, &tr) == 0);
  CHECK(pthread_join(thread, NULL) == 0);
  CHECK(tr.empty_before);
  CHECK_CODE(tr.status, code);
  CHECK((code == ONNXC_OK) == (tr.message[0] == '\0'));
  CHECK(strcmp(onnxc_cuda_last_error(), message) == 0);

  onnxc_cuda_unload(&k_model);
  onnxc_cuda_unload(&k_model);
  printf("code %d (%s): \"%s\"\n", code, onnxc_error_string(code), message);
  return 0;
}

/* ---- Fake driver: the whole logic ---------------------------------------- */

static fake_cuda_stats_t *stats;
typedef int (*ctx_fn)(void *);
typedef int (*ctx_out_fn)(void **);
static ctx_fn fake_set_current, fake_push_current;
static ctx_out_fn fake_get_current, fake_pop_current;
static void *(*fake_new_context)(void);

static void *current_context(void) {
  void *ctx = NULL;
  CHECK(fake_get_current(&ctx) == 0);
  return ctx;
}

static void *thread_fake(void *arg) {
  thread_result *r = (thread_result *)arg;
  float out[8] = {0};
  void *args[1];
  int i;
  args[0] = out;
  r->empty_before = onnxc_cuda_last_error()[0] == '\0';
  r->status = onnxc_cuda_run(&k_model, NULL, 1, dispatch_add, args);
  for (i = 0; i < 8; ++i)
    if (out[i] != k_weights[i])
      r->status = -1;
  if (current_context() != stats->primary)
    r->status = -2;
  snprintf(r->message, sizeof(r->message), "%s", onnxc_cuda_last_error());
  return NULL;
}

static int test_fake(void) {
  static const onnxc_cuda_kernel no_weights_kernels[] = {{"k1", "Identity_0"}};
  static const onnxc_cuda_module no_weights = {
      "no_weights", "FAKE-IMAGE k1", 13, no_weights_kernels, 1, NULL, 0};
  static const onnxc_cuda_kernel missing_kernels[] = {{"k1", "A"},
                                                      {"missing", "B"}};
  static const onnxc_cuda_module missing = {
      "missing_kernel", "FAKE-IMAGE k1", 13, missing_kernels, 2, k_weights, 16};
  static const onnxc_cuda_module bad_ptx = {"bad_ptx", "BADPTX", 6, k_kernels,
                                            4,         NULL,     0};
  static const onnxc_cuda_module no_image = {"no_image", NULL, 0, k_kernels,
                                             4,          NULL, 0};
  static const onnxc_cuda_module oom = {
      "oom", "FAKE-IMAGE k1", 13, k_kernels + 1, 1, k_weights, 32};
  void *lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  float out[8];
  void *args[1];
  void *ctx2;
  thread_result tr;
  pthread_t thread;
  fake_cuda_stats_t before;
  int i;

  if (!lib || !dlsym(lib, "fake_cuda_stats")) {
    fprintf(stderr, "libcuda.so.1 is not the fake driver\n");
    return 1;
  }
  stats = (fake_cuda_stats_t *)dlsym(lib, "fake_cuda_stats");
  resolve(lib, "cuCtxSetCurrent", &fake_set_current);
  resolve(lib, "cuCtxGetCurrent", &fake_get_current);
  resolve(lib, "cuCtxPushCurrent_v2", &fake_push_current);
  resolve(lib, "cuCtxPopCurrent_v2", &fake_pop_current);
  resolve(lib, "fake_cuda_new_context", &fake_new_context);

  /* No current context: the shim retains the primary one and makes it current.
   */
  CHECK_CODE(onnxc_cuda_load(&k_model), ONNXC_OK);
  CHECK(stats->inits == 1 && stats->primary_retains == 1 &&
        stats->primary_refs == 1);
  CHECK(stats->module_loads == 1 && stats->allocs == 1 &&
        stats->htod_copies == 1);
  CHECK(stats->live_bytes == (long long)sizeof(k_weights));
  CHECK(current_context() == stats->primary);
  CHECK(onnxc_cuda_last_error()[0] == '\0');
  CHECK_CODE(onnxc_cuda_load(&k_model), ONNXC_OK); /* idempotent */
  CHECK(stats->module_loads == 1 && stats->allocs == 1 &&
        stats->primary_retains == 1);

  /* An asynchronous run allocates nothing and does not synchronize. */
  memset(out, 0, sizeof(out));
  args[0] = out;
  before = *stats;
  CHECK_CODE(onnxc_cuda_run(&k_model, (void *)0x1234, 0, dispatch_add, args),
             ONNXC_OK);
  for (i = 0; i < 8; ++i)
    CHECK(out[i] == k_weights[i]);
  CHECK(stats->launches == before.launches + 1);
  CHECK(stats->allocs == before.allocs &&
        stats->htod_copies == before.htod_copies);
  CHECK(stats->stream_syncs == before.stream_syncs &&
        stats->ctx_syncs == before.ctx_syncs);
  CHECK(stats->module_loads == before.module_loads);
  CHECK(stats->last_stream == (void *)0x1234 && stats->last_shared == 0);
  CHECK(strcmp(stats->last_kernel, "add_weights") == 0);
  CHECK(stats->last_grid[0] == 1 && stats->last_block[0] == 32);

  /* A synchronous run waits for its stream. */
  CHECK_CODE(onnxc_cuda_run(&k_model, NULL, 1, dispatch_add, args), ONNXC_OK);
  CHECK(stats->stream_syncs == before.stream_syncs + 1 &&
        stats->last_stream == NULL);
  for (i = 0; i < 8; ++i)
    CHECK(out[i] == 2 * k_weights[i]);

  /* Launch geometry, and shared memory above 48 KiB: opted in once per size
   * increase. */
  {
    static const int script[] = {1,   64, 0,          1, 64, 64 * 1024,
                                 1,   64, 64 * 1024,  1, 64, 40 * 1024,
                                 3,   64, 100 * 1024, 1, 64, 100 * 1024,
                                 -100};
    before = *stats;
    CHECK_CODE(run_script(&k_model, 0, script), ONNXC_OK);
    CHECK(stats->launches == before.launches + 6);
    CHECK(stats->set_attribute_calls == before.set_attribute_calls + 3);
    CHECK(stats->last_grid[0] == 2 && stats->last_grid[1] == 3 &&
          stats->last_grid[2] == 4);
    CHECK(stats->last_block[0] == 64 && stats->last_shared == 100 * 1024);
    CHECK(stats->last_stream == (void *)0x5a);
    CHECK_CODE(run_script(&k_model, 0, script), ONNXC_OK);
    CHECK(stats->set_attribute_calls == before.set_attribute_calls + 3);
  }
  {
    static const int script[] = {3, 64, 300 * 1024, 0, 1, 0, -100};
    before = *stats;
    CHECK_CODE(run_script(&k_model, 1, script), ONNXC_ERR_LAUNCH_FAILED);
    CHECK_MSG(
        "cuFuncSetAttribute(MAX_DYNAMIC_SHARED_SIZE_BYTES): "
        "CUDA_ERROR_INVALID_VALUE "
        "(code 1) in kernel 'k3' (nodes: Softmax_3) of model 'fake_model'");
    CHECK(stats->launches == before.launches &&
          stats->stream_syncs == before.stream_syncs);
  }

  /* A failed launch names its kernel; later launches of the call do nothing. */
  {
    static const int script[] = {3, 64, 0, 1, 2048, 0, 3, 64, 0, -100};
    before = *stats;
    CHECK_CODE(run_script(&k_model, 1, script), ONNXC_ERR_LAUNCH_FAILED);
    CHECK(
        strcmp(
            onnxc_cuda_last_error(),
            "cuLaunchKernel: CUDA_ERROR_INVALID_VALUE (code 1) in kernel 'k1' "
            "(nodes: Conv_0, Relu_1) of model 'fake_model'") == 0);
    CHECK(stats->launches == before.launches + 1);
    CHECK(stats->stream_syncs == before.stream_syncs);
  }
  {
    static const int script[] = {4, 64, 0, -100};
    static const int script_neg[] = {-1, 64, 0, -100};
    CHECK_CODE(run_script(&k_model, 1, script), ONNXC_ERR_LAUNCH_FAILED);
    CHECK_MSG("kernel index 4 out of range (4 kernels) of model 'fake_model'");
    CHECK_CODE(run_script(&k_model, 1, script_neg), ONNXC_ERR_LAUNCH_FAILED);
    CHECK_MSG("kernel index -1 out of range");
  }
  /* A driver code the shim does not know is named by cuGetErrorName, or by
   * number. */
  {
    static const int script[] = {0 + 3, 64, 0, -100};
    setenv("FAKE_CUDA_FAIL", "cuLaunchKernel:4242", 1);
    CHECK_CODE(run_script(&k_model, 1, script), ONNXC_ERR_LAUNCH_FAILED);
    CHECK_MSG(
        "cuLaunchKernel: CUDA_ERROR_FAKE_4242 (code 4242) in kernel 'k3'");
    setenv("FAKE_CUDA_FAIL", "cuLaunchKernel:4243", 1);
    CHECK_CODE(run_script(&k_model, 1, script), ONNXC_ERR_LAUNCH_FAILED);
    CHECK_MSG("(code 4243)");
    unsetenv("FAKE_CUDA_FAIL");
  }

  /* A fault found by the final synchronize, then by an asynchronous run's
   * caller. */
  {
    static const int script[] = {2, 64, 0, 3, 64, 0, -100};
    before = *stats;
    CHECK_CODE(run_script(&k_model, 1, script), ONNXC_ERR_LAUNCH_FAILED);
    CHECK_MSG("cuStreamSynchronize: CUDA_ERROR_ILLEGAL_ADDRESS (code 700) "
              "after the kernels "
              "of model 'fake_model' (run with ONNXC_CUDA_SYNC=1");
    CHECK(stats->launches == before.launches + 2);
    CHECK_CODE(run_script(&k_model, 0, script), ONNXC_OK);
    setenv("FAKE_CUDA_FAIL", "cuStreamSynchronize:999", 1);
    CHECK_CODE(run_script(&k_model, 1, script + 3), ONNXC_ERR_LAUNCH_FAILED);
    CHECK_MSG("CUDA_ERROR_UNKNOWN (code 999)");
    unsetenv("FAKE_CUDA_FAIL");
    CHECK_CODE(run_script(&k_model, 1, script + 3),
               ONNXC_ERR_LAUNCH_FAILED); /* the fault */
    CHECK_MSG("CUDA_ERROR_ILLEGAL_ADDRESS");
    CHECK_CODE(run_script(&k_model, 1, script + 3), ONNXC_OK);
  }

  /* Another thread without a context shares the primary context and the cache.
   */
  before = *stats;
  memset(&tr, 0, sizeof(tr));
  CHECK(pthread_create(&thread, NULL, thread_fake, &tr) == 0);
  CHECK(pthread_join(thread, NULL) == 0);
  CHECK(tr.empty_before && tr.message[0] == '\0');
  CHECK_CODE(tr.status, ONNXC_OK);
  CHECK(stats->module_loads == before.module_loads &&
        stats->primary_retains == 1);
  CHECK(onnxc_cuda_last_error()[0] !=
        '\0'); /* this thread's message is unchanged */

  /* A second context gets its own module and weights. */
  {
    static const int script[] = {1, 64, 64 * 1024, -100};
    void *popped = NULL;
    ctx2 = fake_new_context();
    CHECK(fake_push_current(ctx2) == 0);
    before = *stats;
    CHECK_CODE(onnxc_cuda_load(&k_model), ONNXC_OK);
    CHECK(stats->module_loads == before.module_loads + 1);
    CHECK(stats->allocs == before.allocs + 1 && stats->primary_retains == 1);
    memset(out, 0, sizeof(out));
    CHECK_CODE(onnxc_cuda_run(&k_model, NULL, 1, dispatch_add, args), ONNXC_OK);
    CHECK(out[7] == 8 && stats->last_context == ctx2);
    /* Its shared memory opt-in is its own. */
    before = *stats;
    CHECK_CODE(run_script(&k_model, 1, script), ONNXC_OK);
    CHECK(stats->set_attribute_calls == before.set_attribute_calls + 1);
    CHECK(fake_pop_current(&popped) == 0 && popped == ctx2);
    CHECK(current_context() == stats->primary);
    CHECK_CODE(onnxc_cuda_run(&k_model, NULL, 1, dispatch_add, args), ONNXC_OK);
    CHECK(stats->last_context == stats->primary);
  }

  /* No weights: no allocation, NULL weights pointer. */
  {
    static const int script[] = {0, 64, 0, -100};
    before = *stats;
    CHECK_CODE(onnxc_cuda_load(&no_weights), ONNXC_OK);
    CHECK(stats->allocs == before.allocs &&
          stats->module_loads == before.module_loads + 1);
    CHECK_CODE(run_script(&no_weights, 1, script), ONNXC_OK);
    CHECK(strcmp(stats->last_kernel, "k1") == 0);
  }

  /* Unload frees in each owning context; the primary context stays while used.
   */
  before = *stats;
  onnxc_cuda_unload(&k_model);
  CHECK(stats->module_unloads == before.module_unloads + 2);
  CHECK(stats->frees == before.frees + 2 &&
        stats->unload_in_wrong_context == 0);
  CHECK(stats->ctx_syncs >= before.ctx_syncs + 1);
  CHECK(stats->live_bytes == 0 && stats->primary_releases == 0);
  CHECK(current_context() == stats->primary);
  onnxc_cuda_unload(&no_weights);
  CHECK(stats->live_modules == 0 && stats->primary_releases == 1 &&
        stats->primary_refs == 0);
  CHECK(current_context() == NULL);
  onnxc_cuda_unload(&no_weights);
  CHECK(stats->primary_releases == 1);

  /* Loading again retains the primary context again, also where a thread still
   * has the released one current. */
  CHECK(fake_set_current(stats->primary) == 0);
  before = *stats;
  memset(out, 0, sizeof(out));
  CHECK_CODE(onnxc_cuda_run(&k_model, NULL, 1, dispatch_add, args), ONNXC_OK);
  CHECK(stats->primary_retains == 2 && stats->primary_refs == 1 && out[0] == 1);
  CHECK(stats->module_loads == before.module_loads + 1);
  onnxc_cuda_unload(&k_model);
  CHECK(stats->primary_refs == 0 && stats->live_modules == 0 &&
        stats->live_bytes == 0);

  /* Load failures, each cleaned up. */
  before = *stats;
  CHECK_CODE(onnxc_cuda_load(&missing), ONNXC_ERR_DRIVER);
  CHECK_MSG("cuModuleGetFunction: CUDA_ERROR_NOT_FOUND (code 500) for kernel "
            "'missing' of "
            "model 'missing_kernel'");
  CHECK(stats->live_modules == 0 && stats->allocs == before.allocs);
  CHECK_CODE(onnxc_cuda_load(&bad_ptx), ONNXC_ERR_NO_KERNEL_IMAGE);
  CHECK_MSG("cuModuleLoadDataEx: CUDA_ERROR_INVALID_PTX (code 218) loading the "
            "kernels of "
            "model 'bad_ptx': fake ptxas: .target sm_999 is not supported");
  CHECK_CODE(onnxc_cuda_load(&no_image), ONNXC_ERR_NO_KERNEL_IMAGE);
  CHECK_MSG("'no_image'");
  setenv("FAKE_CUDA_FAIL", "cuModuleLoadData:209", 1);
  CHECK_CODE(onnxc_cuda_load(&k_model), ONNXC_ERR_NO_KERNEL_IMAGE);
  CHECK_MSG("CUDA_ERROR_NO_BINARY_FOR_GPU (code 209)");
  setenv("FAKE_CUDA_FAIL", "cuModuleLoadData:222", 1);
  CHECK_CODE(onnxc_cuda_load(&k_model), ONNXC_ERR_NO_KERNEL_IMAGE);
  CHECK_MSG("CUDA_ERROR_UNSUPPORTED_PTX_VERSION (code 222)");
  setenv("FAKE_CUDA_FAIL", "cuModuleLoadData:200", 1);
  CHECK_CODE(onnxc_cuda_load(&k_model), ONNXC_ERR_DRIVER);
  CHECK_MSG("CUDA_ERROR_INVALID_IMAGE (code 200)");
  setenv("FAKE_CUDA_FAIL", "cuModuleLoadData:2", 1);
  CHECK_CODE(onnxc_cuda_load(&k_model), ONNXC_ERR_OUT_OF_MEMORY);
  setenv("FAKE_CUDA_FAIL", "cuMemAlloc_v2:2", 1);
  before = *stats;
  CHECK_CODE(onnxc_cuda_load(&oom), ONNXC_ERR_OUT_OF_MEMORY);
  CHECK_MSG("cuMemAlloc: CUDA_ERROR_OUT_OF_MEMORY (code 2) allocating 32 bytes "
            "of weights of "
            "model 'oom'");
  CHECK(stats->module_unloads == before.module_unloads + 1 &&
        stats->live_modules == 0);
  setenv("FAKE_CUDA_FAIL", "cuMemcpyHtoD_v2:1", 1);
  CHECK_CODE(onnxc_cuda_load(&oom), ONNXC_ERR_DRIVER);
  CHECK_MSG("cuMemcpyHtoD: CUDA_ERROR_INVALID_VALUE (code 1)");
  CHECK(stats->live_bytes == 0 && stats->live_modules == 0);
  unsetenv("FAKE_CUDA_FAIL");
  dispatch_calls = 0;
  CHECK_CODE(onnxc_cuda_run(&bad_ptx, NULL, 1, dispatch_add, args),
             ONNXC_ERR_NO_KERNEL_IMAGE);
  CHECK(dispatch_calls == 0);
  CHECK_CODE(onnxc_cuda_load(NULL), ONNXC_ERR_DRIVER);
  onnxc_cuda_unload(NULL);
  /* Recovered: loads now. */
  CHECK_CODE(onnxc_cuda_load(&oom), ONNXC_OK);
  onnxc_cuda_unload(&oom);
  onnxc_cuda_unload(&bad_ptx);
  CHECK(stats->live_bytes == 0 && stats->live_modules == 0 &&
        stats->primary_refs == 0);
  CHECK(stats->unload_in_wrong_context == 0);
  return 0;
}

/* ONNXC_CUDA_SYNC=1: every launch is followed by a synchronize blaming its
 * kernel. */
static int test_fake_sync(void) {
  static const int script[] = {0 + 3, 64, 0, 2, 64, 0, 1, 64, 0, -100};
  void *lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib || !dlsym(lib, "fake_cuda_stats"))
    return 1;
  stats = (fake_cuda_stats_t *)dlsym(lib, "fake_cuda_stats");
  CHECK_CODE(run_script(&k_model, 0, script), ONNXC_ERR_LAUNCH_FAILED);
  CHECK(strcmp(onnxc_cuda_last_error(),
               "cuStreamSynchronize after the launch: "
               "CUDA_ERROR_ILLEGAL_ADDRESS (code 700) in "
               "kernel 'fault_k2' (nodes: Gemm_2) of model 'fake_model'") == 0);
  CHECK(stats->launches == 2 && stats->stream_syncs == 2);
  CHECK_CODE(run_script(&k_model, 0, script + 6), ONNXC_OK);
  CHECK(stats->launches == 3 && stats->stream_syncs == 3);
  onnxc_cuda_unload(&k_model);
  return 0;
}

int main(int argc, char **argv) {
  int status;
  test_error_strings();
#ifdef ONNXC_CUDA_RT_TEST_WITH_RT
  /* Linked with libonnxc_rt too: its thread pool beside the CUDA shim. */
  CHECK(onnxc_get_num_threads() >= 1);
#endif
  if (argc >= 2 && argv[1][0] >= '0' && argv[1][0] <= '9')
    status = test_expect(atoi(argv[1]), argc >= 3 ? argv[2] : NULL);
  else if (argc == 2 && strcmp(argv[1], "fake") == 0)
    status = test_fake();
  else if (argc == 2 && strcmp(argv[1], "fake-sync") == 0)
    status = test_fake_sync();
  else if (argc == 2 && strcmp(argv[1], "gpu") == 0)
    status = test_gpu();
  else if (argc == 2 && strcmp(argv[1], "gpu-fault") == 0)
    status = test_gpu_fault();
  else {
    fprintf(
        stderr,
        "usage: %s CODE [MESSAGE-PART] | fake | fake-sync | gpu | gpu-fault\n",
        argv[0]);
    return 2;
  }
  if (status == SKIP)
    return SKIP;
  if (status || failures) {
    fprintf(stderr, "FAILED (%d checks)\n", failures);
    return 1;
  }
  printf("PASSED\n");
  return 0;
}
