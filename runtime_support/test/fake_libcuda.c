/* A fake libcuda.so.1 over host memory for the CUDA shim's tests. */
#define _GNU_SOURCE
#include "fake_cuda.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int CUresult;
typedef unsigned long long CUdeviceptr;

typedef struct fake_ctx {
  int primary;
  int device;
} fake_ctx;

typedef struct fake_func {
  char name[64];
  int max_dynamic_shared;
  struct fake_mod *mod;
} fake_func;

typedef struct fake_mod {
  fake_ctx *ctx;
  int num_funcs;
  fake_func funcs[16];
} fake_mod;

typedef struct fake_alloc {
  struct fake_alloc *next;
  void *ptr;
  size_t size;
  fake_ctx *ctx;
} fake_alloc;

fake_cuda_stats_t fake_cuda_stats;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static fake_ctx primaries[4] = {{1, 0}, {1, 1}, {1, 2}, {1, 3}};
static int primary_refs[4];
static int initialized;
static fake_alloc *allocs;
static CUresult pending_error; /* reported by the next synchronize */

static __thread fake_ctx *ctx_stack[16];
static __thread int ctx_depth;

static fake_ctx *current(void) {
  return ctx_depth ? ctx_stack[ctx_depth - 1] : NULL;
}

/* FAKE_CUDA_FAIL=<fn>:<code> for this entry point, else 0. */
static CUresult injected(const char *fn) {
  const char *env = getenv("FAKE_CUDA_FAIL");
  size_t n = strlen(fn);
  if (env && strncmp(env, fn, n) == 0 && env[n] == ':')
    return atoi(env + n + 1);
  return 0;
}

static int device_count(void) {
  const char *env = getenv("FAKE_CUDA_DEVICES");
  return env ? atoi(env) : 1;
}

/* CUDA_ERROR_INVALID_CONTEXT without a usable current context. */
static CUresult check_context(void) {
  fake_ctx *c = current();
  if (!initialized)
    return 3;
  if (!c)
    return 201;
  if (c->primary && primary_refs[c->device] == 0)
    return 709; /* CUDA_ERROR_CONTEXT_IS_DESTROYED */
  return 0;
}

void *fake_cuda_new_context(void) {
  static fake_ctx contexts[8];
  static int used;
  fake_ctx *c = NULL;
  pthread_mutex_lock(&lock);
  if (used < 8)
    c = &contexts[used++];
  pthread_mutex_unlock(&lock);
  return c;
}

CUresult cuInit(unsigned int flags) {
  const char *env = getenv("FAKE_CUDA_INIT");
  (void)flags;
  ++fake_cuda_stats.inits;
  if (env && atoi(env) != 0)
    return atoi(env);
  initialized = 1;
  return 0;
}

CUresult cuGetErrorName(CUresult r, const char **name) {
  /* Knows one code the shim's table does not: checks the fallback. */
  if (r == 4242) {
    *name = "CUDA_ERROR_FAKE_4242";
    return 0;
  }
  return 1;
}

CUresult cuDeviceGetCount(int *count) {
  CUresult r = injected("cuDeviceGetCount");
  if (r)
    return r;
  if (!initialized)
    return 3;
  *count = device_count();
  return 0;
}

CUresult cuDeviceGet(int *dev, int ordinal) {
  if (!initialized)
    return 3;
  if (ordinal < 0 || ordinal >= device_count() || ordinal >= 4)
    return 101;
  *dev = ordinal;
  return 0;
}

CUresult cuDevicePrimaryCtxRetain(void **ctx, int dev) {
  CUresult r = injected("cuDevicePrimaryCtxRetain");
  if (r)
    return r;
  if (dev < 0 || dev >= device_count() || dev >= 4)
    return 101;
  pthread_mutex_lock(&lock);
  ++primary_refs[dev];
  ++fake_cuda_stats.primary_retains;
  fake_cuda_stats.primary_refs = primary_refs[0];
  fake_cuda_stats.primary = &primaries[0];
  pthread_mutex_unlock(&lock);
  *ctx = &primaries[dev];
  return 0;
}

CUresult cuDevicePrimaryCtxRelease_v2(int dev) {
  CUresult r = 0;
  if (dev < 0 || dev >= 4)
    return 101;
  pthread_mutex_lock(&lock);
  if (primary_refs[dev] == 0) {
    r = 201;
  } else {
    --primary_refs[dev];
    ++fake_cuda_stats.primary_releases;
    fake_cuda_stats.primary_refs = primary_refs[0];
  }
  pthread_mutex_unlock(&lock);
  return r;
}

CUresult cuCtxGetCurrent(void **ctx) {
  if (!initialized)
    return 3;
  *ctx = current();
  return 0;
}

CUresult cuCtxSetCurrent(void *ctx) {
  if (!initialized)
    return 3;
  if (!ctx) {
    if (ctx_depth)
      --ctx_depth;
  } else if (ctx_depth) {
    ctx_stack[ctx_depth - 1] = (fake_ctx *)ctx;
  } else {
    ctx_stack[ctx_depth++] = (fake_ctx *)ctx;
  }
  return 0;
}

CUresult cuCtxPushCurrent_v2(void *ctx) {
  if (!initialized)
    return 3;
  if (!ctx || ctx_depth == 16)
    return 1;
  ctx_stack[ctx_depth++] = (fake_ctx *)ctx;
  return 0;
}

CUresult cuCtxPopCurrent_v2(void **ctx) {
  if (!initialized)
    return 3;
  if (!ctx_depth)
    return 201;
  --ctx_depth;
  if (ctx)
    *ctx = ctx_stack[ctx_depth];
  return 0;
}

CUresult cuCtxSynchronize(void) {
  CUresult r = check_context();
  if (r)
    return r;
  pthread_mutex_lock(&lock);
  ++fake_cuda_stats.ctx_syncs;
  r = pending_error;
  pending_error = 0;
  pthread_mutex_unlock(&lock);
  return r;
}

CUresult cuStreamSynchronize(void *stream) {
  CUresult r = injected("cuStreamSynchronize");
  (void)stream;
  if (r)
    return r;
  r = check_context();
  if (r)
    return r;
  pthread_mutex_lock(&lock);
  ++fake_cuda_stats.stream_syncs;
  r = pending_error;
  pending_error = 0;
  pthread_mutex_unlock(&lock);
  return r;
}

static CUresult load_module(void **module, const void *image, char *log,
                            size_t log_size) {
  const char *text = (const char *)image;
  fake_mod *mod;
  CUresult r = injected("cuModuleLoadData");
  if (r)
    return r;
  r = check_context();
  if (r)
    return r;
  if (strncmp(text, "BADPTX", 6) == 0) {
    if (log && log_size)
      snprintf(log, log_size, "fake ptxas: .target sm_999 is not supported");
    return 218;
  }
  if (strncmp(text, "FAKE-IMAGE", 10) != 0)
    return 200;
  mod = (fake_mod *)calloc(1, sizeof(fake_mod));
  if (!mod)
    return 2;
  mod->ctx = current();
  text += 10;
  while (*text && mod->num_funcs < 16) {
    size_t n;
    while (*text == ' ')
      ++text;
    n = strcspn(text, " ");
    if (n == 0)
      break;
    if (n >= sizeof(mod->funcs[0].name))
      n = sizeof(mod->funcs[0].name) - 1;
    memcpy(mod->funcs[mod->num_funcs].name, text, n);
    mod->funcs[mod->num_funcs].mod = mod;
    ++mod->num_funcs;
    text += strcspn(text, " ");
  }
  pthread_mutex_lock(&lock);
  ++fake_cuda_stats.module_loads;
  ++fake_cuda_stats.live_modules;
  pthread_mutex_unlock(&lock);
  *module = mod;
  return 0;
}

CUresult cuModuleLoadData(void **module, const void *image) {
  return load_module(module, image, NULL, 0);
}

CUresult cuModuleLoadDataEx(void **module, const void *image, unsigned int n,
                            int *options, void **values) {
  char *log = NULL;
  size_t log_size = 0;
  unsigned i;
  for (i = 0; i < n; ++i) {
    if (options[i] == 5)
      log = (char *)values[i];
    else if (options[i] == 6)
      log_size = (size_t)(uintptr_t)values[i];
  }
  return load_module(module, image, log, log_size);
}

CUresult cuModuleGetFunction(void **func, void *module, const char *name) {
  fake_mod *mod = (fake_mod *)module;
  int i;
  for (i = 0; i < mod->num_funcs; ++i)
    if (strcmp(mod->funcs[i].name, name) == 0) {
      *func = &mod->funcs[i];
      return 0;
    }
  return 500;
}

CUresult cuModuleUnload(void *module) {
  fake_mod *mod = (fake_mod *)module;
  pthread_mutex_lock(&lock);
  if (mod->ctx != current())
    ++fake_cuda_stats.unload_in_wrong_context;
  ++fake_cuda_stats.module_unloads;
  --fake_cuda_stats.live_modules;
  pthread_mutex_unlock(&lock);
  free(mod);
  return 0;
}

CUresult cuMemAlloc_v2(CUdeviceptr *ptr, size_t size) {
  fake_alloc *a;
  CUresult r = injected("cuMemAlloc_v2");
  if (r)
    return r;
  r = check_context();
  if (r)
    return r;
  a = (fake_alloc *)calloc(1, sizeof(fake_alloc));
  if (!a)
    return 2;
  a->ptr = malloc(size);
  a->size = size;
  a->ctx = current();
  pthread_mutex_lock(&lock);
  a->next = allocs;
  allocs = a;
  ++fake_cuda_stats.allocs;
  fake_cuda_stats.live_bytes += (long long)size;
  pthread_mutex_unlock(&lock);
  *ptr = (CUdeviceptr)(uintptr_t)a->ptr;
  return 0;
}

CUresult cuMemFree_v2(CUdeviceptr ptr) {
  fake_alloc **link, *a;
  pthread_mutex_lock(&lock);
  for (link = &allocs; (a = *link) != NULL; link = &a->next)
    if ((CUdeviceptr)(uintptr_t)a->ptr == ptr)
      break;
  if (!a) {
    pthread_mutex_unlock(&lock);
    return 1;
  }
  *link = a->next;
  if (a->ctx != current())
    ++fake_cuda_stats.unload_in_wrong_context;
  ++fake_cuda_stats.frees;
  fake_cuda_stats.live_bytes -= (long long)a->size;
  pthread_mutex_unlock(&lock);
  free(a->ptr);
  free(a);
  return 0;
}

CUresult cuMemcpyHtoD_v2(CUdeviceptr dst, const void *src, size_t size) {
  CUresult r = injected("cuMemcpyHtoD_v2");
  if (r)
    return r;
  r = check_context();
  if (r)
    return r;
  memcpy((void *)(uintptr_t)dst, src, size);
  pthread_mutex_lock(&lock);
  ++fake_cuda_stats.htod_copies;
  pthread_mutex_unlock(&lock);
  return 0;
}

CUresult cuFuncSetAttribute(void *func, int attribute, int value) {
  fake_func *f = (fake_func *)func;
  pthread_mutex_lock(&lock);
  ++fake_cuda_stats.set_attribute_calls;
  pthread_mutex_unlock(&lock);
  if (attribute != 8 || value < 0 || value > 227 * 1024)
    return 1;
  f->max_dynamic_shared = value;
  return 0;
}

CUresult cuLaunchKernel(void *func, unsigned gx, unsigned gy, unsigned gz,
                        unsigned bx, unsigned by, unsigned bz, unsigned shared,
                        void *stream, void **params, void **extra) {
  fake_func *f = (fake_func *)func;
  unsigned limit = f->max_dynamic_shared > 48 * 1024
                       ? (unsigned)f->max_dynamic_shared
                       : 48 * 1024;
  CUresult r = injected("cuLaunchKernel");
  if (r)
    return r;
  r = check_context();
  if (r)
    return r;
  if (f->mod->ctx != current())
    return 400; /* CUDA_ERROR_INVALID_HANDLE */
  if (extra || !gx || !gy || !gz || !bx || !by || !bz ||
      (unsigned long long)bx * by * bz > 1024 || shared > limit)
    return 1;
  if (strcmp(f->name, "add_weights") == 0) {
    float *out = *(float **)params[0];
    const float *w = *(const float **)params[1];
    int n = *(const int *)params[2], i;
    for (i = 0; i < n; ++i)
      out[i] += w[i];
  }
  pthread_mutex_lock(&lock);
  if (strncmp(f->name, "fault", 5) == 0 && !pending_error)
    pending_error = 700;
  ++fake_cuda_stats.launches;
  snprintf(fake_cuda_stats.last_kernel, sizeof(fake_cuda_stats.last_kernel),
           "%s", f->name);
  fake_cuda_stats.last_grid[0] = gx;
  fake_cuda_stats.last_grid[1] = gy;
  fake_cuda_stats.last_grid[2] = gz;
  fake_cuda_stats.last_block[0] = bx;
  fake_cuda_stats.last_block[1] = by;
  fake_cuda_stats.last_block[2] = bz;
  fake_cuda_stats.last_shared = shared;
  fake_cuda_stats.last_stream = stream;
  fake_cuda_stats.last_context = current();
  pthread_mutex_unlock(&lock);
  return 0;
}
