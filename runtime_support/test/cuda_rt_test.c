/* Tests of libonnxc_cuda_rt: no driver, stub, fake driver, real GPU. */
#define _GNU_SOURCE
#include <onnxc/runtime.h>

#include "fake_cuda.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Exit status ctest reads as "skipped" (SKIP_RETURN_CODE). */
#define SKIP 77

static int failures;

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                              \
    }                                                                          \
  } while (0)

#define CHECK_CODE(got, want)                                                  \
  do {                                                                         \
    int got_ = (got), want_ = (want);                                          \
    if (got_ != want_) {                                                       \
      fprintf(stderr,                                                          \
              "%s:%d: %s returned %d, expected %d (last error: \"%s\")\n",     \
              __FILE__, __LINE__, #got, got_, want_, onnxc_cuda_last_error()); \
      ++failures;                                                              \
    }                                                                          \
  } while (0)

#define CHECK_MSG(substring)                                                   \
  do {                                                                         \
    if (!strstr(onnxc_cuda_last_error(), (substring))) {                       \
      fprintf(stderr, "%s:%d: last error \"%s\" lacks \"%s\"\n", __FILE__,     \
              __LINE__, onnxc_cuda_last_error(), (substring));                 \
      ++failures;                                                              \
    }                                                                          \
  } while (0)

/* dlsym for functions without the object-to-function pointer cast. */
static void resolve(void *lib, const char *name, void *slot) {
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
  CHECK(strcmp(onnxc_error_string(11), unknown) == 0);
  for (a = ONNXC_OK; a <= ONNXC_ERR_DRIVER; ++a) {
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

static int test_gpu(void) {
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
static int test_gpu_fault(void) {
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
