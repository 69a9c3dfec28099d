/* End-to-end driver: runs one onnxc-compiled model on raw tensor files. */
/*
 * Build (one binary per model):
 *   cc -std=c99 -O2 -DONNXC_MODEL=name -DONNXC_MODEL_HEADER="\"path/name.h\"" \
 *      -I<runtime include> harness.c name.o libonnxc_rt.a -lm -lpthread
 * Usage:
 *   harness IN0.bin [IN1.bin ...] -- OUT0.bin [...] [--repeat N] [--threads T]
 *   harness --info
 * Tensor files are raw, dense, row-major, little-endian, in graph order. The
 * first run produces the outputs; with --repeat N it then runs N more timed
 * iterations and prints `median_us=<v>` on stdout (and checks they reproduce
 * the first outputs).
 */
#define _POSIX_C_SOURCE 200112L

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <onnxc/runtime.h>

#ifndef ONNXC_MODEL
#error "define ONNXC_MODEL to the model's symbol prefix (-DONNXC_MODEL=name)"
#endif
#ifndef ONNXC_MODEL_HEADER
#error "define ONNXC_MODEL_HEADER to the generated header's quoted path"
#endif
#include ONNXC_MODEL_HEADER

#define HARNESS_CAT_(a, b) a##b
#define HARNESS_CAT(a, b) HARNESS_CAT_(a, b)
#define HARNESS_STR_(a) #a
#define HARNESS_STR(a) HARNESS_STR_(a)
#define MODEL_INFO HARNESS_CAT(ONNXC_MODEL, _info)
#define MODEL_RUN HARNESS_CAT(ONNXC_MODEL, _run)
#define MODEL_RUN_DYNAMIC HARNESS_CAT(ONNXC_MODEL, _run_dynamic)
#define MODEL_WORKSPACE_SIZE HARNESS_CAT(ONNXC_MODEL, _WORKSPACE_SIZE)
#define MODEL_NAME HARNESS_STR(ONNXC_MODEL)

#define MAX_TENSORS 256
#define ONNXC_HARNESS_MAX_RANK 16
#define BUFFER_ALIGN 64

#if defined(__GNUC__)
static void die(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
#endif
static void die(const char *fmt, ...) {
  va_list ap;
  fflush(stdout);
  fprintf(stderr, "harness: error: ");
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  exit(1);
}

static void usage(void) {
  fprintf(stderr,
          "usage: harness IN0.bin [IN1.bin ...] -- OUT0.bin [...] [--repeat N] "
          "[--threads T]\n"
          "       harness --info\n");
  exit(2);
}

/* A buffer aligned to `align` bytes (a power of two); `base` is what to free.
 */
typedef struct {
  void *base;
  void *ptr;
  size_t size;
} aligned_buf;

static aligned_buf alloc_aligned(size_t size, size_t align,
                                 unsigned char fill) {
  aligned_buf b;
  uintptr_t p;
  if (align < sizeof(void *))
    align = sizeof(void *);
  b.size = size;
  b.base = malloc(size + align);
  if (!b.base)
    die("out of memory allocating %lu bytes", (unsigned long)size);
  p = ((uintptr_t)b.base + (align - 1)) & ~(uintptr_t)(align - 1);
  b.ptr = (void *)p;
  /* Poison (0xFF is a NaN for floats) so unwritten outputs and reads of
   * uninitialized workspace show up in the comparison. */
  memset(b.ptr, fill, size);
  return b;
}

/* Bytes of a tensor of element type `t` and dims `dims` (its bound when
 * `dims` is max_dims), or exits with a clear message. */
static size_t dims_bytes(const onnxc_tensor_info *t, const int64_t *dims,
                         const char *kind, int index) {
  size_t bits = onnxc_elem_bits(t->elem_type);
  size_t count = 1;
  int32_t d;
  if (bits == 0)
    die("%s %d ('%s') has element type %d, which has no fixed size", kind,
        index, t->name ? t->name : "?", (int)t->elem_type);
  for (d = 0; d < t->rank; ++d) {
    int64_t n = dims[d];
    if (n < 0)
      die("%s %d ('%s') has a negative dimension %d", kind, index,
          t->name ? t->name : "?", (int)d);
    count *= (size_t)n;
  }
  return onnxc_tensor_bytes(t->elem_type, count);
}

static size_t tensor_bytes(const onnxc_tensor_info *t, const char *kind,
                           int index) {
  return dims_bytes(t, t->max_dims, kind, index);
}

static void format_shape(const onnxc_tensor_info *t, char *out, size_t cap) {
  int32_t d;
  size_t len = 0;
  out[0] = '\0';
  if (t->rank == 0) {
    snprintf(out, cap, "scalar");
    return;
  }
  for (d = 0; d < t->rank && len + 24 < cap; ++d)
    len += (size_t)snprintf(out + len, cap - len, d ? "x%lld" : "%lld",
                            (long long)t->dims[d]);
}

static void print_info(const onnxc_model_info *info) {
  int i;
  char shape[256];
  printf(
      "model %s: %d input(s), %d output(s), workspace %lu bytes (align %lu)\n",
      info->name ? info->name : MODEL_NAME, (int)info->num_inputs,
      (int)info->num_outputs, (unsigned long)info->workspace_size,
      (unsigned long)info->workspace_align);
  for (i = 0; i < info->num_inputs; ++i) {
    format_shape(&info->inputs[i], shape, sizeof shape);
    printf("  input %d: %s type %d shape %s\n", i, info->inputs[i].name,
           (int)info->inputs[i].elem_type, shape);
  }
  for (i = 0; i < info->num_outputs; ++i) {
    format_shape(&info->outputs[i], shape, sizeof shape);
    printf("  output %d: %s type %d shape %s\n", i, info->outputs[i].name,
           (int)info->outputs[i].elem_type, shape);
  }
}

static void read_input(const char *path, const onnxc_tensor_info *t, int index,
                       aligned_buf *buf) {
  size_t want = tensor_bytes(t, "input", index);
  FILE *f = fopen(path, "rb");
  long have;
  char shape[256];
  if (!f)
    die("cannot open input file %s: %s", path, strerror(errno));
  if (fseek(f, 0, SEEK_END) != 0 || (have = ftell(f)) < 0 ||
      fseek(f, 0, SEEK_SET) != 0)
    die("cannot determine the size of %s", path);
  if ((size_t)have != want) {
    format_shape(t, shape, sizeof shape);
    die("%s: input %d ('%s') has %ld bytes, expected %lu (shape %s, element "
        "type %d, %lu bits each)",
        path, index, t->name ? t->name : "?", have, (unsigned long)want, shape,
        (int)t->elem_type, (unsigned long)onnxc_elem_bits(t->elem_type));
  }
  *buf = alloc_aligned(want, BUFFER_ALIGN, 0);
  if (want && fread(buf->ptr, 1, want, f) != want)
    die("short read from %s", path);
  fclose(f);
}

/* Writes the first `size` bytes of `buf` (the output's actual dims). */
static void write_output(const char *path, const aligned_buf *buf, size_t size) {
  FILE *f = fopen(path, "wb");
  if (!f)
    die("cannot create output file %s: %s", path, strerror(errno));
  if (size && fwrite(buf->ptr, 1, size, f) != size)
    die("short write to %s", path);
  if (fclose(f) != 0)
    die("cannot write %s: %s", path, strerror(errno));
}

static long parse_count(const char *opt, const char *text) {
  char *end;
  long v;
  errno = 0;
  v = strtol(text, &end, 10);
  if (errno || *text == '\0' || *end != '\0' || v < 0 || v > INT_MAX)
    die("bad value '%s' for %s", text, opt);
  return v;
}

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void check_rc(int rc) {
  if (rc != 0)
    die("%s_run failed with code %d: %s", MODEL_NAME, rc,
        onnxc_error_string(rc));
}

int main(int argc, char **argv) {
  const onnxc_model_info *info = MODEL_INFO();
  const char *in_paths[MAX_TENSORS], *out_paths[MAX_TENSORS];
  const void *inputs[MAX_TENSORS];
  void *outputs[MAX_TENSORS];
  aligned_buf in_bufs[MAX_TENSORS], out_bufs[MAX_TENSORS], ws;
  int n_in = 0, n_out = 0, after_sep = 0, i;
  long repeat = 0, threads = 0;

  if (!info)
    die("%s_info() returned NULL", MODEL_NAME);
  if ((size_t)MODEL_WORKSPACE_SIZE != info->workspace_size)
    die("%s_WORKSPACE_SIZE (%lu) disagrees with info->workspace_size (%lu)",
        MODEL_NAME, (unsigned long)MODEL_WORKSPACE_SIZE,
        (unsigned long)info->workspace_size);
  if (info->workspace_align & (info->workspace_align - 1))
    die("info->workspace_align (%lu) is not a power of two",
        (unsigned long)info->workspace_align);
  if (info->num_inputs < 0 || info->num_inputs > MAX_TENSORS ||
      info->num_outputs < 0 || info->num_outputs > MAX_TENSORS)
    die("the model has too many inputs or outputs");

  for (i = 1; i < argc; ++i) {
    const char *a = argv[i];
    if (strcmp(a, "--info") == 0) {
      print_info(info);
      return 0;
    } else if (strcmp(a, "--repeat") == 0 || strcmp(a, "--threads") == 0) {
      if (i + 1 >= argc)
        die("%s needs a value", a);
      if (a[2] == 'r')
        repeat = parse_count(a, argv[++i]);
      else
        threads = parse_count(a, argv[++i]);
    } else if (strncmp(a, "--repeat=", 9) == 0) {
      repeat = parse_count("--repeat", a + 9);
    } else if (strncmp(a, "--threads=", 10) == 0) {
      threads = parse_count("--threads", a + 10);
    } else if (strcmp(a, "--") == 0) {
      if (after_sep)
        usage();
      after_sep = 1;
    } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      usage();
    } else if (!after_sep) {
      if (n_in >= MAX_TENSORS)
        usage();
      in_paths[n_in++] = a;
    } else {
      if (n_out >= MAX_TENSORS)
        usage();
      out_paths[n_out++] = a;
    }
  }
  if (!after_sep)
    usage();
  if (n_in != info->num_inputs || n_out != info->num_outputs)
    die("%d input and %d output file(s) given; the model has %d input(s) and "
        "%d output(s)",
        n_in, n_out, (int)info->num_inputs, (int)info->num_outputs);
  if (threads > 0)
    onnxc_set_num_threads((int)threads);

  for (i = 0; i < n_in; ++i) {
    read_input(in_paths[i], &info->inputs[i], i, &in_bufs[i]);
    inputs[i] = in_bufs[i].ptr;
  }
  for (i = 0; i < n_out; ++i) {
    out_bufs[i] = alloc_aligned(tensor_bytes(&info->outputs[i], "output", i),
                                BUFFER_ALIGN, 0xFF);
    outputs[i] = out_bufs[i].ptr;
  }
  if (info->workspace_size) {
    size_t align = info->workspace_align > BUFFER_ALIGN ? info->workspace_align
                                                        : BUFFER_ALIGN;
    ws = alloc_aligned(info->workspace_size, align, 0xFF);
  } else {
    ws.base = ws.ptr = NULL;
    ws.size = 0;
  }

  /* The first run, through NAME_run_dynamic, produces the outputs with their
   * actual dims and warms up caches for the timed runs (through NAME_run). */
  {
    static onnxc_tensor in_t[MAX_TENSORS], out_t[MAX_TENSORS];
    static int64_t in_dims[MAX_TENSORS][ONNXC_HARNESS_MAX_RANK],
        out_dims[MAX_TENSORS][ONNXC_HARNESS_MAX_RANK];
    int32_t d;
    for (i = 0; i < n_in; ++i) {
      if (info->inputs[i].rank > ONNXC_HARNESS_MAX_RANK)
        die("input %d has rank %d, above %d", i, (int)info->inputs[i].rank, ONNXC_HARNESS_MAX_RANK);
      for (d = 0; d < info->inputs[i].rank; ++d)
        in_dims[i][d] = info->inputs[i].max_dims[d];
      in_t[i].data = (void *)inputs[i];
      in_t[i].rank = info->inputs[i].rank;
      in_t[i].dims = in_dims[i];
    }
    for (i = 0; i < n_out; ++i) {
      if (info->outputs[i].rank > ONNXC_HARNESS_MAX_RANK)
        die("output %d has rank %d, above %d", i, (int)info->outputs[i].rank, ONNXC_HARNESS_MAX_RANK);
      out_t[i].data = outputs[i];
      out_t[i].rank = info->outputs[i].rank;
      out_t[i].dims = out_dims[i];
    }
    check_rc(MODEL_RUN_DYNAMIC(in_t, out_t, ws.ptr));
    for (i = 0; i < n_out; ++i) {
      for (d = 0; d < info->outputs[i].rank; ++d)
        if (out_dims[i][d] < 0 || out_dims[i][d] > info->outputs[i].max_dims[d] ||
            (info->outputs[i].dims[d] >= 0 && out_dims[i][d] != info->outputs[i].dims[d]))
          die("output %d dim %d is %lld, outside what the model declares", i, (int)d,
              (long long)out_dims[i][d]);
      write_output(out_paths[i], &out_bufs[i], dims_bytes(&info->outputs[i], out_dims[i], "output", i));
    }
  }

  if (repeat > 0) {
    double *times = (double *)malloc((size_t)repeat * sizeof(double));
    aligned_buf *first = (aligned_buf *)malloc((size_t)(n_out ? n_out : 1) *
                                               sizeof(aligned_buf));
    long r;
    if (!times || !first)
      die("out of memory");
    for (i = 0; i < n_out; ++i) {
      first[i] = alloc_aligned(out_bufs[i].size, BUFFER_ALIGN, 0);
      memcpy(first[i].ptr, out_bufs[i].ptr, out_bufs[i].size);
    }
    for (r = 0; r < repeat; ++r) {
      double t0 = now_us();
      int rc = MODEL_RUN(inputs, outputs, ws.ptr);
      double t1 = now_us();
      check_rc(rc);
      times[r] = t1 - t0;
    }
    for (i = 0; i < n_out; ++i)
      if (memcmp(first[i].ptr, out_bufs[i].ptr, out_bufs[i].size) != 0)
        die("output %s ('%s') differs between runs (non-deterministic result)",
            out_paths[i], info->outputs[i].name ? info->outputs[i].name : "?");
    qsort(times, (size_t)repeat, sizeof(double), cmp_double);
    printf("median_us=%.1f\n",
           repeat % 2 ? times[repeat / 2]
                      : 0.5 * (times[repeat / 2 - 1] + times[repeat / 2]));
    printf("min_us=%.1f\n", times[0]);
    for (i = 0; i < n_out; ++i)
      free(first[i].base);
    free(first);
    free(times);
  }

  for (i = 0; i < n_in; ++i)
    free(in_bufs[i].base);
  for (i = 0; i < n_out; ++i)
    free(out_bufs[i].base);
  free(ws.base);
  return 0;
}
