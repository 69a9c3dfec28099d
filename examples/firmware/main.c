/* onnxc firmware example: runs any compiled model on fixed pseudo-random inputs and prints its outputs (Cortex-M or host). */
/*
 * Build with -DONNXC_MODEL=NAME (the --name given to onnxc; default header "NAME.h",
 * or -DONNXC_MODEL_HEADER='"path/NAME.h"'). Optional: -DFW_IO_BYTES=N, the static
 * buffer for all inputs and outputs (default 64 KiB).
 *
 * Inputs: float tensors, in graph order, get x = (int32)((s >> 8) - 2^23) * 2^-23 in
 * [-1, 1), s the next state of the 32-bit LCG s = s * 1664525 + 1013904223 (s0 = 1):
 * integer arithmetic and exact float conversions, so every platform sees the same bits.
 * Other element types are zero-filled.
 *
 * Output lines (one per element; floats with 9 significant digits and their exact bits):
 *   y[OUTPUT][INDEX] = -1.23456791e-01 (0xbdfcd6ea)
 *   class: N                      argmax of the first float output
 * main returns 0 on success (the firmware's exit status; see startup.c).
 */
#include <stdint.h>
#include <string.h>

#include <onnxc/runtime.h>

#ifndef ONNXC_MODEL
#error "compile with -DONNXC_MODEL=NAME, the --name given to onnxc"
#endif
#define FW_CAT_(a, b) a##b
#define FW_CAT(a, b) FW_CAT_(a, b)
#define FW_STR_(x) #x
#define FW_STR(x) FW_STR_(x)
#ifndef ONNXC_MODEL_HEADER
#define ONNXC_MODEL_HEADER FW_STR(ONNXC_MODEL.h)
#endif
#include ONNXC_MODEL_HEADER

#define MODEL_INFO FW_CAT(ONNXC_MODEL, _info)
#define MODEL_RUN FW_CAT(ONNXC_MODEL, _run)
#define MODEL_WORKSPACE_SIZE FW_CAT(ONNXC_MODEL, _WORKSPACE_SIZE)

#if defined(__ARM_ARCH_PROFILE) && __ARM_ARCH_PROFILE == 'M'
void fw_puts(const char *s); /* startup.c: semihosting */
/* The workspace gets its own section, placed by the linker script (WORKSPACE region). */
#define FW_WORKSPACE_ATTR __attribute__((section(".onnxc_workspace")))
#else
#include <stdio.h>
static void fw_puts(const char *s) { fputs(s, stdout); }
#define FW_WORKSPACE_ATTR
#endif

#ifndef FW_IO_BYTES
#define FW_IO_BYTES 65536
#endif
#define FW_MAX_TENSORS 16

static _Alignas(64) unsigned char workspace[MODEL_WORKSPACE_SIZE > 0 ? MODEL_WORKSPACE_SIZE : 1]
    FW_WORKSPACE_ATTR;
static _Alignas(64) unsigned char io_buffer[FW_IO_BYTES];

/* ---- Text output without printf (no heap, same text on every platform) ---- */

static char line[256];
static size_t line_len;

static void out_str(const char *s) {
  while (*s && line_len < sizeof line - 1)
    line[line_len++] = *s++;
}

static void out_flush(void) {
  line[line_len] = '\0';
  fw_puts(line);
  line_len = 0;
}

static void out_u64(uint64_t v) {
  char buf[24];
  int i = 23;
  buf[i] = '\0';
  do {
    buf[--i] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  out_str(buf + i);
}

static void out_i64(int64_t v) {
  if (v < 0) {
    out_str("-");
    out_u64(0 - (uint64_t)v);
  } else {
    out_u64((uint64_t)v);
  }
}

static void out_hex(uint64_t v, int digits) {
  char buf[20];
  int i;
  for (i = 0; i < digits; ++i)
    buf[i] = "0123456789abcdef"[(v >> (4 * (digits - 1 - i))) & 0xF];
  buf[digits] = '\0';
  out_str("0x");
  out_str(buf);
}

/* Scientific notation with 9 significant digits (enough to tell floats apart). */
static void out_float(float f) {
  uint32_t bits, m;
  double d;
  int e = 0, i;
  char digits[10], first[2] = {0, 0};
  memcpy(&bits, &f, 4);
  if (((bits >> 23) & 0xFF) == 0xFF) {
    out_str((bits & 0x7FFFFF) ? "nan" : (bits >> 31) ? "-inf" : "inf");
    return;
  }
  if (bits >> 31)
    out_str("-");
  d = (double)f;
  if (d < 0)
    d = -d;
  if (d != 0) {
    while (d >= 10) {
      d /= 10;
      ++e;
    }
    while (d < 1) {
      d *= 10;
      --e;
    }
  }
  m = (uint32_t)(d * 1e8 + 0.5);
  if (m >= 1000000000u) {
    m /= 10;
    ++e;
  }
  for (i = 8; i >= 0; --i) {
    digits[i] = (char)('0' + m % 10);
    m /= 10;
  }
  digits[9] = '\0';
  first[0] = digits[0];
  out_str(first);
  out_str(".");
  out_str(digits + 1);
  out_str(e < 0 ? "e-" : "e+");
  if (e > -10 && e < 10)
    out_str("0");
  out_u64((uint64_t)(e < 0 ? -e : e));
}

/* ---- Inputs ---------------------------------------------------------------- */

static uint32_t lcg_state = 1u;

static float next_input(void) {
  lcg_state = lcg_state * 1664525u + 1013904223u;
  return (float)((int32_t)(lcg_state >> 8) - 8388608) * (1.0f / 8388608.0f);
}

static size_t tensor_bytes(const onnxc_tensor_info *t) {
  size_t n = onnxc_elem_size(t->elem_type);
  int32_t d;
  for (d = 0; d < t->rank; ++d)
    n = t->dims[d] < 0 ? 0 : n * (size_t)t->dims[d];
  return n;
}

static void describe(const char *kind, int32_t i, const onnxc_tensor_info *t) {
  int32_t d;
  out_str(kind);
  out_str(" ");
  out_i64(i);
  out_str(" '");
  out_str(t->name);
  out_str("' type ");
  out_i64(t->elem_type);
  out_str(" [");
  for (d = 0; d < t->rank; ++d) {
    if (d)
      out_str("x");
    out_i64(t->dims[d]);
  }
  out_str("]\n");
  out_flush();
}

static int fail(const char *what, const char *detail) {
  out_str("error: ");
  out_str(what);
  out_str(detail);
  out_str("\n");
  out_flush();
  return 1;
}

/* ---- Outputs --------------------------------------------------------------- */

static void print_element(int32_t k, size_t i, int32_t type, const unsigned char *p) {
  out_str("y[");
  out_i64(k);
  out_str("][");
  out_u64(i);
  out_str("] = ");
  if (type == ONNXC_FLOAT) {
    float f;
    uint32_t bits;
    memcpy(&f, p, 4);
    memcpy(&bits, p, 4);
    out_float(f);
    out_str(" (");
    out_hex(bits, 8);
    out_str(")");
  } else if (type == ONNXC_INT64 || type == ONNXC_INT32 || type == ONNXC_INT16 ||
             type == ONNXC_INT8) {
    int64_t v64;
    int32_t v32;
    int16_t v16;
    int8_t v8;
    size_t n = onnxc_elem_size(type);
    if (n == 8)
      memcpy(&v64, p, 8);
    else if (n == 4)
      memcpy(&v32, p, 4), v64 = v32;
    else if (n == 2)
      memcpy(&v16, p, 2), v64 = v16;
    else
      memcpy(&v8, p, 1), v64 = v8;
    out_i64(v64);
  } else {
    uint64_t v = 0;
    size_t n = onnxc_elem_size(type), b;
    for (b = 0; b < n; ++b) /* little-endian raw bits */
      v |= (uint64_t)p[b] << (8 * b);
    out_hex(v, (int)(2 * n));
  }
  out_str("\n");
  out_flush();
}

int main(void) {
  const onnxc_model_info *info = MODEL_INFO();
  const void *inputs[FW_MAX_TENSORS];
  void *outputs[FW_MAX_TENSORS];
  size_t used = 0, i, n, best = 0;
  int32_t k, argmax_output = -1;
  int rc;

  out_str("model ");
  out_str(info->name);
  out_str(": ");
  out_i64(info->num_inputs);
  out_str(" inputs, ");
  out_i64(info->num_outputs);
  out_str(" outputs, workspace ");
  out_u64(info->workspace_size);
  out_str(" bytes\n");
  out_flush();
  if (info->num_inputs > FW_MAX_TENSORS || info->num_outputs > FW_MAX_TENSORS)
    return fail("too many inputs or outputs for FW_MAX_TENSORS", "");
  if (info->workspace_size > sizeof workspace || info->workspace_align > 64)
    return fail("the workspace buffer does not fit the model", "");

  /* Carve every tensor out of io_buffer, 64-byte aligned. */
  for (k = 0; k < info->num_inputs + info->num_outputs; ++k) {
    int is_input = k < info->num_inputs;
    const onnxc_tensor_info *t =
        is_input ? &info->inputs[k] : &info->outputs[k - info->num_inputs];
    size_t bytes = tensor_bytes(t);
    describe(is_input ? "input" : "output", is_input ? k : k - info->num_inputs, t);
    if (bytes == 0)
      return fail("unsupported element type or dynamic shape: ", t->name);
    if (bytes > FW_IO_BYTES - used)
      return fail("tensors do not fit; rebuild with a larger -DFW_IO_BYTES: ", t->name);
    if (is_input) {
      inputs[k] = io_buffer + used;
      if (t->elem_type == ONNXC_FLOAT)
        for (i = 0; i < bytes / 4; ++i) {
          float x = next_input();
          memcpy(io_buffer + used + 4 * i, &x, 4);
        }
    } else {
      outputs[k - info->num_inputs] = io_buffer + used;
    }
    used += (bytes + 63) & ~(size_t)63;
  }

  rc = MODEL_RUN(inputs, outputs, workspace);
  if (rc != ONNXC_OK)
    return fail("run failed: ", onnxc_error_string(rc));

  for (k = 0; k < info->num_outputs; ++k) {
    const onnxc_tensor_info *t = &info->outputs[k];
    const unsigned char *p = (const unsigned char *)outputs[k];
    size_t size = onnxc_elem_size(t->elem_type);
    n = tensor_bytes(t) / size;
    for (i = 0; i < n; ++i)
      print_element(k, i, t->elem_type, p + i * size);
    if (argmax_output < 0 && t->elem_type == ONNXC_FLOAT && n > 0) {
      float v, top;
      argmax_output = k;
      memcpy(&top, p, 4);
      for (i = 1; i < n; ++i) {
        memcpy(&v, p + 4 * i, 4);
        if (v > top)
          top = v, best = i;
      }
    }
  }
  if (argmax_output >= 0) {
    out_str("class: ");
    out_u64(best);
    out_str("\n");
    out_flush();
  }
  return 0;
}
