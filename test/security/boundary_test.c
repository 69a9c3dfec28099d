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
#define RUN_DYNAMIC CAT(MODEL, _run_dynamic)
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

  /* NAME_run_dynamic: the same result with dims; wrong ranks and dims are ONNXC_ERR_SHAPE. */
  {
    static onnxc_tensor in_t[kMaxTensors], out_t[kMaxTensors];
    static int64_t in_dims[kMaxTensors][8], out_dims[kMaxTensors][8];
    void *dyn_outputs[kMaxTensors];
    for (int i = 0; i < info->num_inputs; ++i) {
      for (int32_t d = 0; d < info->inputs[i].rank && d < 8; ++d)
        in_dims[i][d] = info->inputs[i].dims[d];
      in_t[i] = (onnxc_tensor){(void *)inputs[i], info->inputs[i].rank, in_dims[i]};
    }
    for (int i = 0; i < info->num_outputs; ++i) {
      dyn_outputs[i] = calloc(1, tensor_bytes(&info->outputs[i]) + 1);
      out_t[i] = (onnxc_tensor){dyn_outputs[i], info->outputs[i].rank, out_dims[i]};
    }
    expect(RUN_DYNAMIC(in_t, out_t, ref.workspace), ONNXC_OK, "a valid dynamic call");
    for (int i = 0; i < info->num_outputs; ++i) {
      if (memcmp(dyn_outputs[i], reference[i], tensor_bytes(&info->outputs[i])) != 0)
        expect(1, 0, "run_dynamic's output equals run's");
      for (int32_t d = 0; d < info->outputs[i].rank; ++d)
        expect((int)(out_dims[i][d] == info->outputs[i].dims[d]), 1, "an output dim written");
    }
    expect(RUN_DYNAMIC(NULL, out_t, ref.workspace), ONNXC_ERR_NULL_INPUT, "dynamic: NULL inputs");
    expect(RUN_DYNAMIC(in_t, NULL, ref.workspace), ONNXC_ERR_NULL_OUTPUT, "dynamic: NULL outputs");
    if (info->num_inputs > 0 && info->inputs[0].rank > 0) {
      in_t[0].rank += 1;
      expect(RUN_DYNAMIC(in_t, out_t, ref.workspace), ONNXC_ERR_SHAPE, "dynamic: a wrong input rank");
      in_t[0].rank -= 1;
      in_dims[0][0] += 1;
      expect(RUN_DYNAMIC(in_t, out_t, ref.workspace), ONNXC_ERR_SHAPE, "dynamic: a wrong input dim");
      in_dims[0][0] -= 1;
      in_t[0].dims = NULL;
      expect(RUN_DYNAMIC(in_t, out_t, ref.workspace), ONNXC_ERR_SHAPE, "dynamic: NULL input dims");
      in_t[0].dims = in_dims[0];
    }
    if (info->outputs[0].rank > 0) {
      out_t[0].dims = NULL;
      expect(RUN_DYNAMIC(in_t, out_t, ref.workspace), ONNXC_ERR_SHAPE, "dynamic: NULL output dims");
      out_t[0].dims = out_dims[0];
    }
    out_t[0].data = NULL;
    expect(RUN_DYNAMIC(in_t, out_t, ref.workspace), ONNXC_ERR_NULL_OUTPUT, "dynamic: a NULL output");
    out_t[0].data = dyn_outputs[0];
    for (int i = 0; i < info->num_outputs; ++i)
      free(dyn_outputs[i]);
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
