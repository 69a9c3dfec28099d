/* Shared by the libonnxc_cuda_rt tests: check macros, the failure count, dlsym. */
#ifndef ONNXC_CUDA_RT_TEST_H
#define ONNXC_CUDA_RT_TEST_H

#include <onnxc/runtime.h>

#include <stdio.h>
#include <string.h>

/* Exit status ctest reads as "skipped" (SKIP_RETURN_CODE). */
#define SKIP 77

extern int failures; /* checks failed so far */

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

/* dlsym for functions without the object-to-function pointer cast; exits
 * when `name` is missing. */
void resolve(void *lib, const char *name, void *slot);

/* The real-GPU modes (cuda_rt_gpu_test.c): 0, SKIP without a GPU, or 1. */
int test_gpu(void);
int test_gpu_fault(void);

#endif /* ONNXC_CUDA_RT_TEST_H */
