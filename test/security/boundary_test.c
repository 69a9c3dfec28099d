/* Calls a compiled model at its C boundary: bad pointers get ONNXC_ERR_* codes, and
 * several application threads running it at once (own workspaces) get identical results.
 *
 * Build: cc -DMODEL=m -DMODEL_HEADER='"m.h"' boundary_test.c m.o libonnxc_rt.a -lpthread
 * (the security ctest builds it under ThreadSanitizer, model code included).
 */
#include MODEL_HEADER

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define RUN CAT(MODEL, _run)
#define INFO CAT(MODEL, _info)
#define WORKSPACE_SIZE CAT(MODEL, _WORKSPACE_SIZE)

enum { kThreads = 4, kRepeats = 20, kMaxTensors = 16 };

static size_t elem_bytes(int32_t t) {
  switch (t) {
  case ONNXC_DOUBLE: case ONNXC_INT64: case ONNXC_UINT64: return 8;
  case ONNXC_FLOAT: case ONNXC_INT32: case ONNXC_UINT32: return 4;
  case ONNXC_FLOAT16: case ONNXC_BFLOAT16: case ONNXC_INT16: case ONNXC_UINT16: return 2;
  default: return 1;
  }
}

static size_t tensor_bytes(const onnxc_tensor_info *t) {
  size_t n = elem_bytes(t->elem_type);
  for (int32_t i = 0; i < t->rank; ++i)
    n *= (size_t)t->dims[i];
  return n;
}

static const onnxc_model_info *info;
static const void *inputs[kMaxTensors];
static void *reference[kMaxTensors];
static int failures;

static void expect(int got, int want, const char *what) {
  if (got != want) {
    fprintf(stderr, "FAIL %s: returned %d, expected %d\n", what, got, want);
    ++failures;
  }
}

/* Outputs and a 64-byte aligned workspace of one caller. */
typedef struct {
  void *outputs[kMaxTensors];
  void *workspace_block, *workspace;
  int mismatches;
} caller;

static void caller_init(caller *c) {
  for (int i = 0; i < info->num_outputs; ++i)
    c->outputs[i] = calloc(1, tensor_bytes(&info->outputs[i]) + 1);
  c->workspace_block = malloc(WORKSPACE_SIZE + 128);
  c->workspace = (void *)(((uintptr_t)c->workspace_block + 63) & ~(uintptr_t)63);
  c->mismatches = 0;
}

static void *run_many(void *arg) {
  caller *c = arg;
  for (int r = 0; r < kRepeats; ++r) {
    if (RUN(inputs, c->outputs, c->workspace) != ONNXC_OK)
      ++c->mismatches;
    for (int i = 0; i < info->num_outputs; ++i)
      if (memcmp(c->outputs[i], reference[i], tensor_bytes(&info->outputs[i])) != 0)
        ++c->mismatches;
  }
  return NULL;
}

int main(void) {
  info = INFO();
  if (info->num_inputs > kMaxTensors || info->num_outputs > kMaxTensors || info->num_outputs < 1) {
    fprintf(stderr, "unexpected model signature\n");
    return 2;
  }
  srand(7);
  for (int i = 0; i < info->num_inputs; ++i) {
    size_t n = tensor_bytes(&info->inputs[i]);
    unsigned char *p = malloc(n + 1);
    for (size_t k = 0; k < n; ++k)
      p[k] = (unsigned char)(rand() % 64); /* small finite floats and integers */
    inputs[i] = p;
  }
  caller ref;
  caller_init(&ref);
  expect(RUN(inputs, ref.outputs, ref.workspace), ONNXC_OK, "a valid call");
  for (int i = 0; i < info->num_outputs; ++i)
    reference[i] = ref.outputs[i];

  /* The boundary: every bad pointer is an error code, never a crash. */
  expect(RUN(NULL, ref.outputs, ref.workspace), ONNXC_ERR_NULL_INPUT, "NULL inputs");
  if (info->num_inputs > 0) {
    const void *bad_inputs[kMaxTensors];
    memcpy(bad_inputs, inputs, sizeof(inputs));
    bad_inputs[info->num_inputs - 1] = NULL;
    expect(RUN(bad_inputs, ref.outputs, ref.workspace), ONNXC_ERR_NULL_INPUT, "a NULL input");
  }
  expect(RUN(inputs, NULL, ref.workspace), ONNXC_ERR_NULL_OUTPUT, "NULL outputs");
  void *bad_outputs[kMaxTensors];
  memcpy(bad_outputs, ref.outputs, sizeof(bad_outputs));
  bad_outputs[0] = NULL;
  expect(RUN(inputs, bad_outputs, ref.workspace), ONNXC_ERR_NULL_OUTPUT, "a NULL output");
  if (WORKSPACE_SIZE > 0) {
    expect(RUN(inputs, ref.outputs, NULL), ONNXC_ERR_NULL_WORKSPACE, "NULL workspace");
    expect(RUN(inputs, ref.outputs, (char *)ref.workspace + 1), ONNXC_ERR_MISALIGNED_WORKSPACE,
           "misaligned workspace");
  }

  /* Reentrancy: threads with their own outputs and workspaces agree bit for bit. */
  caller callers[kThreads];
  pthread_t threads[kThreads];
  for (int t = 0; t < kThreads; ++t) {
    caller_init(&callers[t]);
    pthread_create(&threads[t], NULL, run_many, &callers[t]);
  }
  for (int t = 0; t < kThreads; ++t) {
    pthread_join(threads[t], NULL);
    if (callers[t].mismatches) {
      fprintf(stderr, "FAIL thread %d: %d runs differ from the reference\n", t, callers[t].mismatches);
      ++failures;
    }
  }
  printf("%s: %d threads x %d runs, workspace %zu bytes: %s\n", info->name, kThreads, kRepeats,
         (size_t)WORKSPACE_SIZE, failures ? "FAILED" : "ok");
  return failures ? 1 : 0;
}
