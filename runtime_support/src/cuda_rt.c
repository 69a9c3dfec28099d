/* onnxc CUDA shim: the driver API through dlopen, per-context module cache. */
#define _GNU_SOURCE /* dlfcn and pthread declarations under -std=c99 */
#include "onnxc/runtime.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- The few driver API declarations needed (no CUDA headers) ---------- */

typedef int CUresult;
typedef int CUdevice;
typedef unsigned long long CUdeviceptr;
typedef struct CUctx_st *CUcontext;
typedef struct CUmod_st *CUmodule;
typedef struct CUfunc_st *CUfunction;
typedef struct CUstream_st *CUstream;

enum {
  CUDA_SUCCESS = 0,
  CUDA_ERROR_OUT_OF_MEMORY = 2,
  CUDA_ERROR_DEVICE_UNAVAILABLE = 46,
  CUDA_ERROR_NO_DEVICE = 100,
  CUDA_ERROR_INVALID_DEVICE = 101,
  CUDA_ERROR_NO_BINARY_FOR_GPU = 209,
  CUDA_ERROR_INVALID_PTX = 218,
  CUDA_ERROR_JIT_COMPILER_NOT_FOUND = 221,
  CUDA_ERROR_UNSUPPORTED_PTX_VERSION = 222,
  CUDA_ERROR_JIT_COMPILATION_DISABLED = 223
};
enum { CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8 };
enum { CU_JIT_ERROR_LOG_BUFFER = 5, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6 };

/* Dynamic shared memory a kernel may use without opting in. */
#define DEFAULT_SHARED_LIMIT (48u * 1024u)

typedef struct driver_api {
  CUresult (*Init)(unsigned int);
  CUresult (*DeviceGetCount)(int *);
  CUresult (*DeviceGet)(CUdevice *, int);
  CUresult (*CtxGetCurrent)(CUcontext *);
  CUresult (*CtxSetCurrent)(CUcontext);
  CUresult (*CtxPushCurrent)(CUcontext);
  CUresult (*CtxPopCurrent)(CUcontext *);
  CUresult (*DevicePrimaryCtxRetain)(CUcontext *, CUdevice);
  CUresult (*DevicePrimaryCtxRelease)(CUdevice); /* optional */
  CUresult (*ModuleLoadData)(CUmodule *, const void *);
  CUresult (*ModuleLoadDataEx)(CUmodule *, const void *, unsigned int, int *,
                               void **); /* optional */
  CUresult (*ModuleGetFunction)(CUfunction *, CUmodule, const char *);
  CUresult (*ModuleUnload)(CUmodule);
  CUresult (*MemAlloc)(CUdeviceptr *, size_t);
  CUresult (*MemFree)(CUdeviceptr);
  CUresult (*MemcpyHtoD)(CUdeviceptr, const void *, size_t);
  CUresult (*LaunchKernel)(CUfunction, unsigned int, unsigned int, unsigned int,
                           unsigned int, unsigned int, unsigned int,
                           unsigned int, CUstream, void **, void **);
  CUresult (*StreamSynchronize)(CUstream);
  CUresult (*CtxSynchronize)(void);
  CUresult (*FuncSetAttribute)(CUfunction, int, int);
  CUresult (*GetErrorName)(CUresult, const char **); /* optional */
} driver_api;

/* ---- Error names and messages ------------------------------------------ */

/* The driver's names for its common codes: cuGetErrorName fails with the
 * toolkit's stub library and with drivers that do not know the code. */
static const struct {
  int code;
  const char *name;
} k_error_names[] = {
    {0, "CUDA_SUCCESS"},
    {1, "CUDA_ERROR_INVALID_VALUE"},
    {2, "CUDA_ERROR_OUT_OF_MEMORY"},
    {3, "CUDA_ERROR_NOT_INITIALIZED"},
    {4, "CUDA_ERROR_DEINITIALIZED"},
    {34, "CUDA_ERROR_STUB_LIBRARY"},
    {35, "CUDA_ERROR_INSUFFICIENT_DRIVER"},
    {36, "CUDA_ERROR_CALL_REQUIRES_NEWER_DRIVER"},
    {46, "CUDA_ERROR_DEVICE_UNAVAILABLE"},
    {100, "CUDA_ERROR_NO_DEVICE"},
    {101, "CUDA_ERROR_INVALID_DEVICE"},
    {102, "CUDA_ERROR_DEVICE_NOT_LICENSED"},
    {200, "CUDA_ERROR_INVALID_IMAGE"},
    {201, "CUDA_ERROR_INVALID_CONTEXT"},
    {202, "CUDA_ERROR_CONTEXT_ALREADY_CURRENT"},
    {209, "CUDA_ERROR_NO_BINARY_FOR_GPU"},
    {214, "CUDA_ERROR_ECC_UNCORRECTABLE"},
    {216, "CUDA_ERROR_CONTEXT_ALREADY_IN_USE"},
    {218, "CUDA_ERROR_INVALID_PTX"},
    {220, "CUDA_ERROR_NVLINK_UNCORRECTABLE"},
    {221, "CUDA_ERROR_JIT_COMPILER_NOT_FOUND"},
    {222, "CUDA_ERROR_UNSUPPORTED_PTX_VERSION"},
    {223, "CUDA_ERROR_JIT_COMPILATION_DISABLED"},
    {300, "CUDA_ERROR_INVALID_SOURCE"},
    {301, "CUDA_ERROR_FILE_NOT_FOUND"},
    {304, "CUDA_ERROR_OPERATING_SYSTEM"},
    {400, "CUDA_ERROR_INVALID_HANDLE"},
    {401, "CUDA_ERROR_ILLEGAL_STATE"},
    {500, "CUDA_ERROR_NOT_FOUND"},
    {600, "CUDA_ERROR_NOT_READY"},
    {700, "CUDA_ERROR_ILLEGAL_ADDRESS"},
    {701, "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES"},
    {702, "CUDA_ERROR_LAUNCH_TIMEOUT"},
    {708, "CUDA_ERROR_PRIMARY_CONTEXT_ACTIVE"},
    {709, "CUDA_ERROR_CONTEXT_IS_DESTROYED"},
    {710, "CUDA_ERROR_ASSERT"},
    {714, "CUDA_ERROR_HARDWARE_STACK_ERROR"},
    {715, "CUDA_ERROR_ILLEGAL_INSTRUCTION"},
    {716, "CUDA_ERROR_MISALIGNED_ADDRESS"},
    {717, "CUDA_ERROR_INVALID_ADDRESS_SPACE"},
    {718, "CUDA_ERROR_INVALID_PC"},
    {719, "CUDA_ERROR_LAUNCH_FAILED"},
    {720, "CUDA_ERROR_COOPERATIVE_LAUNCH_TOO_LARGE"},
    {800, "CUDA_ERROR_NOT_PERMITTED"},
    {801, "CUDA_ERROR_NOT_SUPPORTED"},
    {802, "CUDA_ERROR_SYSTEM_NOT_READY"},
    {803, "CUDA_ERROR_SYSTEM_DRIVER_MISMATCH"},
    {804, "CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE"},
    {900, "CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED"},
    {901, "CUDA_ERROR_STREAM_CAPTURE_INVALIDATED"},
    {904, "CUDA_ERROR_STREAM_CAPTURE_UNJOINED"},
    {905, "CUDA_ERROR_STREAM_CAPTURE_ISOLATION"},
    {906, "CUDA_ERROR_STREAM_CAPTURE_IMPLICIT"},
    {908, "CUDA_ERROR_STREAM_CAPTURE_WRONG_THREAD"},
    {909, "CUDA_ERROR_TIMEOUT"},
    {912, "CUDA_ERROR_INVALID_CLUSTER_SIZE"},
    {999, "CUDA_ERROR_UNKNOWN"},
};

static driver_api g_cu;

static const char *error_name(CUresult r) {
  size_t i;
  const char *name = NULL;
  for (i = 0; i < sizeof(k_error_names) / sizeof(k_error_names[0]); ++i)
    if (k_error_names[i].code == r)
      return k_error_names[i].name;
  if (g_cu.GetErrorName && g_cu.GetErrorName(r, &name) == CUDA_SUCCESS && name)
    return name;
  return "CUDA_ERROR_UNKNOWN_CODE";
}

/* The calling thread's last failure (onnxc_cuda_last_error). */
static __thread char t_last_error[1024];

static void set_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(t_last_error, sizeof(t_last_error), fmt, ap);
  va_end(ap);
}

/* "CUDA_ERROR_X (code N)" into buf. */
static const char *describe(CUresult r, char *buf, size_t size) {
  snprintf(buf, size, "%s (code %d)", error_name(r), (int)r);
  return buf;
}

/* ONNXC_ERR_* for a driver error outside module loading and launches. */
static int map_error(CUresult r) {
  switch (r) {
  case CUDA_ERROR_OUT_OF_MEMORY:
    return ONNXC_ERR_OUT_OF_MEMORY;
  case CUDA_ERROR_NO_DEVICE:
  case CUDA_ERROR_INVALID_DEVICE:
  case CUDA_ERROR_DEVICE_UNAVAILABLE:
    return ONNXC_ERR_NO_DEVICE;
  default:
    return ONNXC_ERR_DRIVER;
  }
}

/* ---- Driver loading (once per process) ---------------------------------- */

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static int g_init_status;      /* ONNXC_OK or the code every call returns */
static char g_init_error[512]; /* its message */
static int g_device_ordinal;   /* ONNXC_CUDA_DEVICE */
static int g_sync_each_launch; /* ONNXC_CUDA_SYNC=1 */

/* dlsym returns void *; copying the bytes avoids the ISO C object-to-function
 * pointer cast that -pedantic rejects. */
static int resolve(void *lib, const char *name, void *slot, int required) {
  void *sym = dlsym(lib, name);
  if (!sym) {
    if (required)
      snprintf(g_init_error, sizeof(g_init_error),
               "libcuda.so.1 has no entry point %s (driver too old?)", name);
    return !required;
  }
  memcpy(slot, &sym, sizeof(sym));
  return 1;
}

/* Reads a decimal int >= 0; returns 0 when `s` is not one. */
static int parse_index(const char *s, int *out) {
  char *end;
  long v;
  while (*s == ' ' || *s == '\t')
    ++s;
  if (*s < '0' || *s > '9')
    return 0;
  v = strtol(s, &end, 10);
  while (*end == ' ' || *end == '\t')
    ++end;
  if (*end != '\0' || v > 0x7fffffffL)
    return 0;
  *out = (int)v;
  return 1;
}

static void init_driver(void) {
  void *lib;
  const char *env;
  int ok = 1, count = 0;
  CUresult r;
  char buf[96];

  env = getenv("ONNXC_CUDA_SYNC");
  g_sync_each_launch = env && *env && strcmp(env, "0") != 0;

  lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    const char *why = dlerror();
    snprintf(g_init_error, sizeof(g_init_error), "dlopen(\"libcuda.so.1\"): %s",
             why ? why : "cannot load the CUDA driver");
    g_init_status = ONNXC_ERR_NO_DRIVER;
    return;
  }
  ok &= resolve(lib, "cuInit", &g_cu.Init, 1);
  ok &= resolve(lib, "cuDeviceGetCount", &g_cu.DeviceGetCount, 1);
  ok &= resolve(lib, "cuDeviceGet", &g_cu.DeviceGet, 1);
  ok &= resolve(lib, "cuCtxGetCurrent", &g_cu.CtxGetCurrent, 1);
  ok &= resolve(lib, "cuCtxSetCurrent", &g_cu.CtxSetCurrent, 1);
  ok &= resolve(lib, "cuCtxPushCurrent_v2", &g_cu.CtxPushCurrent, 1);
  ok &= resolve(lib, "cuCtxPopCurrent_v2", &g_cu.CtxPopCurrent, 1);
  ok &=
      resolve(lib, "cuDevicePrimaryCtxRetain", &g_cu.DevicePrimaryCtxRetain, 1);
  if (!resolve(lib, "cuDevicePrimaryCtxRelease_v2",
               &g_cu.DevicePrimaryCtxRelease, 0) ||
      !g_cu.DevicePrimaryCtxRelease)
    resolve(lib, "cuDevicePrimaryCtxRelease", &g_cu.DevicePrimaryCtxRelease, 0);
  ok &= resolve(lib, "cuModuleLoadData", &g_cu.ModuleLoadData, 1);
  resolve(lib, "cuModuleLoadDataEx", &g_cu.ModuleLoadDataEx, 0);
  ok &= resolve(lib, "cuModuleGetFunction", &g_cu.ModuleGetFunction, 1);
  ok &= resolve(lib, "cuModuleUnload", &g_cu.ModuleUnload, 1);
  ok &= resolve(lib, "cuMemAlloc_v2", &g_cu.MemAlloc, 1);
  ok &= resolve(lib, "cuMemFree_v2", &g_cu.MemFree, 1);
  ok &= resolve(lib, "cuMemcpyHtoD_v2", &g_cu.MemcpyHtoD, 1);
  ok &= resolve(lib, "cuLaunchKernel", &g_cu.LaunchKernel, 1);
  ok &= resolve(lib, "cuStreamSynchronize", &g_cu.StreamSynchronize, 1);
  ok &= resolve(lib, "cuCtxSynchronize", &g_cu.CtxSynchronize, 1);
  ok &= resolve(lib, "cuFuncSetAttribute", &g_cu.FuncSetAttribute, 1);
  resolve(lib, "cuGetErrorName", &g_cu.GetErrorName, 0);
  if (!ok) {
    /* Keep the library loaded: unloading a driver is never worth the risk. */
    g_init_status = ONNXC_ERR_DRIVER;
    return;
  }

  r = g_cu.Init(0);
  if (r != CUDA_SUCCESS) {
    snprintf(g_init_error, sizeof(g_init_error), "cuInit: %s%s",
             describe(r, buf, sizeof(buf)),
             r == 34 ? " (libcuda.so.1 is the toolkit's stub, not a driver)"
                     : "");
    g_init_status = ONNXC_ERR_NO_DEVICE;
    return;
  }

  env = getenv("ONNXC_CUDA_DEVICE");
  if (env && *env && !parse_index(env, &g_device_ordinal)) {
    snprintf(g_init_error, sizeof(g_init_error),
             "ONNXC_CUDA_DEVICE=\"%.64s\" is not a device index", env);
    g_init_status = ONNXC_ERR_NO_DEVICE;
    return;
  }
  r = g_cu.DeviceGetCount(&count);
  if (r != CUDA_SUCCESS) {
    snprintf(g_init_error, sizeof(g_init_error), "cuDeviceGetCount: %s",
             describe(r, buf, sizeof(buf)));
    g_init_status = map_error(r);
    return;
  }
  if (g_device_ordinal >= count) {
    if (count == 0)
      snprintf(g_init_error, sizeof(g_init_error), "no CUDA device");
    else
      snprintf(g_init_error, sizeof(g_init_error),
               "ONNXC_CUDA_DEVICE=%d: no such device (CUDA devices: %d)",
               g_device_ordinal, count);
    g_init_status = ONNXC_ERR_NO_DEVICE;
    return;
  }
  g_init_status = ONNXC_OK;
}

/* 0 when the driver is usable, else the code (and the thread's message). */
static int ensure_driver(void) {
  pthread_once(&g_once, init_driver);
  if (g_init_status != ONNXC_OK)
    set_error("%s", g_init_error);
  return g_init_status;
}

/* ---- Per (module, context) state --------------------------------------- */

typedef struct cuda_state {
  struct cuda_state *next;
  const onnxc_cuda_module *m;
  CUcontext ctx;
  CUmodule module;
  CUfunction *functions; /* m->num_kernels entries */
  unsigned *
      shared_opt_in; /* per function: the dynamic shared bytes allowed so far */
  CUdeviceptr weights; /* 0 when m->weights_size is 0 */
} cuda_state;

struct onnxc_cuda_call {
  cuda_state *state;
  CUstream stream;
  int status;
  int sync_each_launch;
};

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static cuda_state *g_states;   /* guarded by g_lock */
static cuda_state *g_last_hit; /* guarded by g_lock */
/* The primary context this shim retained (of device g_device_ordinal), if any.
 */
static CUcontext g_primary;    /* guarded by g_lock */
static int g_primary_retained; /* guarded by g_lock */

/* The context to use in the calling thread: the current one, else the retained
 * primary context, made current. */
static int acquire_context(CUcontext *out) {
  CUcontext ctx = NULL;
  CUresult r;
  char buf[96];

  r = g_cu.CtxGetCurrent(&ctx);
  if (r != CUDA_SUCCESS) {
    set_error("cuCtxGetCurrent: %s", describe(r, buf, sizeof(buf)));
    return ONNXC_ERR_DRIVER;
  }
  pthread_mutex_lock(&g_lock);
  /* A primary context released by onnxc_cuda_unload may still be current in
   * threads where this shim made it current: retain it again. */
  if (ctx && ctx == g_primary && !g_primary_retained)
    ctx = NULL;
  if (!ctx) {
    if (!g_primary_retained) {
      CUdevice dev = 0;
      CUcontext primary = NULL;
      r = g_cu.DeviceGet(&dev, g_device_ordinal);
      if (r != CUDA_SUCCESS) {
        pthread_mutex_unlock(&g_lock);
        set_error("cuDeviceGet(%d): %s", g_device_ordinal,
                  describe(r, buf, sizeof(buf)));
        return ONNXC_ERR_NO_DEVICE;
      }
      r = g_cu.DevicePrimaryCtxRetain(&primary, dev);
      if (r != CUDA_SUCCESS) {
        pthread_mutex_unlock(&g_lock);
        set_error("cuDevicePrimaryCtxRetain(device %d): %s", g_device_ordinal,
                  describe(r, buf, sizeof(buf)));
        return r == CUDA_ERROR_OUT_OF_MEMORY ? ONNXC_ERR_OUT_OF_MEMORY
                                             : ONNXC_ERR_NO_DEVICE;
      }
      g_primary = primary;
      g_primary_retained = 1;
    }
    ctx = g_primary;
    pthread_mutex_unlock(&g_lock);
    r = g_cu.CtxSetCurrent(ctx);
    if (r != CUDA_SUCCESS) {
      set_error("cuCtxSetCurrent: %s", describe(r, buf, sizeof(buf)));
      return map_error(r);
    }
  } else {
    pthread_mutex_unlock(&g_lock);
  }
  *out = ctx;
  return ONNXC_OK;
}

static const char *model_name(const onnxc_cuda_module *m) {
  return m->model_name ? m->model_name : "?";
}

/* Releases what `s` holds on the device; its context must be current. */
static void free_device_state(cuda_state *s) {
  if (s->weights)
    g_cu.MemFree(s->weights);
  if (s->module)
    g_cu.ModuleUnload(s->module);
  s->weights = 0;
  s->module = NULL;
}

static void free_state(cuda_state *s) {
  free(s->functions);
  free(s->shared_opt_in);
  free(s);
}

/* Loads `m` into the current context `ctx`. Called with g_lock held. */
static int load_locked(const onnxc_cuda_module *m, CUcontext ctx,
                       cuda_state **out) {
  cuda_state *s;
  CUresult r;
  int32_t k, n = m->num_kernels > 0 ? m->num_kernels : 0;
  char buf[96];

  if (!m->fatbin) {
    set_error("model '%s' holds no kernel image", model_name(m));
    return ONNXC_ERR_NO_KERNEL_IMAGE;
  }
  s = (cuda_state *)calloc(1, sizeof(*s));
  if (s) {
    s->functions = (CUfunction *)calloc(n ? (size_t)n : 1, sizeof(CUfunction));
    s->shared_opt_in = (unsigned *)calloc(n ? (size_t)n : 1, sizeof(unsigned));
  }
  if (!s || !s->functions || !s->shared_opt_in) {
    if (s)
      free_state(s);
    set_error("out of host memory loading model '%s'", model_name(m));
    return ONNXC_ERR_DRIVER;
  }
  s->m = m;
  s->ctx = ctx;

  if (g_cu.ModuleLoadDataEx) {
    /* The JIT's error log says why PTX does not compile. */
    char log[384];
    int options[2] = {CU_JIT_ERROR_LOG_BUFFER,
                      CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
    void *values[2];
    log[0] = '\0';
    values[0] = log;
    values[1] = (void *)(uintptr_t)sizeof(log);
    r = g_cu.ModuleLoadDataEx(&s->module, m->fatbin, 2, options, values);
    log[sizeof(log) - 1] = '\0';
    if (r != CUDA_SUCCESS)
      set_error("cuModuleLoadDataEx: %s loading the kernels of model '%s'%s%s",
                describe(r, buf, sizeof(buf)), model_name(m),
                log[0] ? ": " : "", log);
  } else {
    r = g_cu.ModuleLoadData(&s->module, m->fatbin);
    if (r != CUDA_SUCCESS)
      set_error("cuModuleLoadData: %s loading the kernels of model '%s'",
                describe(r, buf, sizeof(buf)), model_name(m));
  }
  if (r != CUDA_SUCCESS) {
    s->module = NULL;
    free_state(s);
    switch (r) {
    case CUDA_ERROR_NO_BINARY_FOR_GPU:
    case CUDA_ERROR_INVALID_PTX:
    case CUDA_ERROR_UNSUPPORTED_PTX_VERSION:
    case CUDA_ERROR_JIT_COMPILER_NOT_FOUND:
    case CUDA_ERROR_JIT_COMPILATION_DISABLED:
      return ONNXC_ERR_NO_KERNEL_IMAGE;
    default:
      return map_error(r);
    }
  }

  for (k = 0; k < n; ++k) {
    const char *name = m->kernels[k].name ? m->kernels[k].name : "";
    r = g_cu.ModuleGetFunction(&s->functions[k], s->module, name);
    if (r != CUDA_SUCCESS) {
      set_error("cuModuleGetFunction: %s for kernel '%s' of model '%s'",
                describe(r, buf, sizeof(buf)), name, model_name(m));
      free_device_state(s);
      free_state(s);
      return map_error(r);
    }
    s->shared_opt_in[k] = DEFAULT_SHARED_LIMIT;
  }

  if (m->weights_size > 0) {
    r = g_cu.MemAlloc(&s->weights, m->weights_size);
    if (r != CUDA_SUCCESS) {
      set_error("cuMemAlloc: %s allocating %lu bytes of weights of model '%s'",
                describe(r, buf, sizeof(buf)), (unsigned long)m->weights_size,
                model_name(m));
      s->weights = 0;
      free_device_state(s);
      free_state(s);
      return map_error(r);
    }
    r = g_cu.MemcpyHtoD(s->weights, m->weights, m->weights_size);
    if (r != CUDA_SUCCESS) {
      set_error("cuMemcpyHtoD: %s uploading the weights of model '%s'",
                describe(r, buf, sizeof(buf)), model_name(m));
      free_device_state(s);
      free_state(s);
      return map_error(r);
    }
  }

  s->next = g_states;
  g_states = s;
  *out = s;
  return ONNXC_OK;
}

/* The state of `m` in the calling thread's context, loaded if needed. */
static int get_state(const onnxc_cuda_module *m, cuda_state **out) {
  CUcontext ctx;
  cuda_state *s;
  int status;

  if (!m) {
    set_error("onnxc_cuda_load: NULL module");
    return ONNXC_ERR_DRIVER;
  }
  status = ensure_driver();
  if (status != ONNXC_OK)
    return status;
  status = acquire_context(&ctx);
  if (status != ONNXC_OK)
    return status;

  pthread_mutex_lock(&g_lock);
  s = g_last_hit;
  if (!s || s->m != m || s->ctx != ctx) {
    for (s = g_states; s; s = s->next)
      if (s->m == m && s->ctx == ctx)
        break;
    if (!s)
      status = load_locked(m, ctx, &s);
    if (status == ONNXC_OK)
      g_last_hit = s;
  }
  pthread_mutex_unlock(&g_lock);
  *out = s;
  return status;
}

/* ---- Public API ---------------------------------------------------------- */

int onnxc_cuda_load(const onnxc_cuda_module *m) {
  cuda_state *s;
  return get_state(m, &s);
}

void onnxc_cuda_unload(const onnxc_cuda_module *m) {
  cuda_state **link, *s;
  CUcontext current = NULL, popped;
  int primary_in_use = 0;

  if (!m)
    return;
  /* Never loads the driver: with nothing loaded there is nothing to free. */
  pthread_mutex_lock(&g_lock);
  if (!g_states && !g_primary_retained) {
    pthread_mutex_unlock(&g_lock);
    return;
  }
  link = &g_states;
  while ((s = *link) != NULL) {
    if (s->m != m) {
      primary_in_use |= s->ctx == g_primary;
      link = &s->next;
      continue;
    }
    *link = s->next;
    if (g_last_hit == s)
      g_last_hit = NULL;
    /* A context that cannot be made current is gone, and its memory with it.
     * Kernels still running may read the weights: wait for them first. */
    if (g_cu.CtxPushCurrent(s->ctx) == CUDA_SUCCESS) {
      g_cu.CtxSynchronize();
      free_device_state(s);
      g_cu.CtxPopCurrent(&popped);
    }
    free_state(s);
  }
  if (g_primary_retained && !primary_in_use) {
    CUdevice dev = 0;
    if (g_cu.DevicePrimaryCtxRelease &&
        g_cu.DeviceGet(&dev, g_device_ordinal) == CUDA_SUCCESS &&
        g_cu.DevicePrimaryCtxRelease(dev) == CUDA_SUCCESS) {
      g_primary_retained = 0;
      /* Do not leave a released context current in the calling thread. */
      if (g_cu.CtxGetCurrent(&current) == CUDA_SUCCESS && current == g_primary)
        g_cu.CtxSetCurrent(NULL);
    }
  }
  pthread_mutex_unlock(&g_lock);
}

int onnxc_cuda_run(const onnxc_cuda_module *m, void *stream, int synchronize,
                   onnxc_cuda_dispatch_fn dispatch, void *const *args) {
  onnxc_cuda_call call;
  cuda_state *s = NULL;
  CUresult r;
  char buf[96];
  int status = get_state(m, &s);

  if (status != ONNXC_OK)
    return status;
  call.state = s;
  call.stream = (CUstream)stream;
  call.status = ONNXC_OK;
  call.sync_each_launch = g_sync_each_launch;
  if (dispatch)
    dispatch(&call, args);
  if (synchronize && call.status == ONNXC_OK) {
    r = g_cu.StreamSynchronize(call.stream);
    if (r != CUDA_SUCCESS) {
      set_error("cuStreamSynchronize: %s after the kernels of model '%s' "
                "(run with ONNXC_CUDA_SYNC=1 to find the failing kernel)",
                describe(r, buf, sizeof(buf)), model_name(m));
      call.status = ONNXC_ERR_LAUNCH_FAILED;
    }
  }
  return call.status;
}

void *onnxc_cuda_weights(onnxc_cuda_call *call) {
  return call && call->state ? (void *)(uintptr_t)call->state->weights : NULL;
}

/* Records a failure of kernel `k` in `call`. */
static void launch_failed(onnxc_cuda_call *call, int32_t k, const char *what,
                          CUresult r) {
  const onnxc_cuda_module *m = call->state->m;
  const onnxc_cuda_kernel *kernel = &m->kernels[k];
  char buf[96];
  set_error("%s: %s in kernel '%s' (nodes: %s) of model '%s'", what,
            describe(r, buf, sizeof(buf)), kernel->name ? kernel->name : "?",
            kernel->nodes ? kernel->nodes : "?", model_name(m));
  call->status = ONNXC_ERR_LAUNCH_FAILED;
}

void onnxc_cuda_launch(onnxc_cuda_call *call, int32_t kernel, uint32_t grid_x,
                       uint32_t grid_y, uint32_t grid_z, uint32_t block_x,
                       uint32_t block_y, uint32_t block_z,
                       uint32_t shared_bytes, void **params) {
  cuda_state *s;
  CUfunction f;
  CUresult r;

  if (!call || call->status != ONNXC_OK)
    return;
  s = call->state;
  if (kernel < 0 || kernel >= s->m->num_kernels) {
    set_error("onnxc_cuda_launch: kernel index %ld out of range (%ld kernels) "
              "of model '%s'",
              (long)kernel, (long)s->m->num_kernels, model_name(s->m));
    call->status = ONNXC_ERR_LAUNCH_FAILED;
    return;
  }
  f = s->functions[kernel];
  if (shared_bytes > DEFAULT_SHARED_LIMIT) {
    /* Opt in to more dynamic shared memory, once per size increase. */
    pthread_mutex_lock(&g_lock);
    r = CUDA_SUCCESS;
    if (shared_bytes > s->shared_opt_in[kernel]) {
      r = g_cu.FuncSetAttribute(f,
                                CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                                (int)shared_bytes);
      if (r == CUDA_SUCCESS)
        s->shared_opt_in[kernel] = shared_bytes;
    }
    pthread_mutex_unlock(&g_lock);
    if (r != CUDA_SUCCESS) {
      launch_failed(call, kernel,
                    "cuFuncSetAttribute(MAX_DYNAMIC_SHARED_SIZE_BYTES)", r);
      return;
    }
  }
  r = g_cu.LaunchKernel(f, grid_x, grid_y, grid_z, block_x, block_y, block_z,
                        shared_bytes, call->stream, params, NULL);
  if (r != CUDA_SUCCESS) {
    launch_failed(call, kernel, "cuLaunchKernel", r);
    return;
  }
  if (call->sync_each_launch) {
    r = g_cu.StreamSynchronize(call->stream);
    if (r != CUDA_SUCCESS)
      launch_failed(call, kernel, "cuStreamSynchronize after the launch", r);
  }
}

const char *onnxc_cuda_last_error(void) { return t_last_error; }
