/* onnxc runtime shim: per-kernel times for objects compiled with --profile (summary, Chrome trace). */
#ifndef ONNXC_RT_BARE_METAL
#define _POSIX_C_SOURCE 200809L
#endif

#include "onnxc/runtime.h"

#include <stdio.h>
#include <string.h>

#ifndef ONNXC_RT_BARE_METAL
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
#define LOCK() pthread_mutex_lock(&g_mu)
#define UNLOCK() pthread_mutex_unlock(&g_mu)
#else
#define LOCK() ((void)0)
#define UNLOCK() ((void)0)
#endif

/* Kernels are told apart by their name's address (a constant in the object):
 * an open-addressing table of this many slots. */
#define ONNXC_PROFILE_SLOTS 2048

typedef struct kernel_stat {
  const char *name;
  uint64_t calls, total;
} kernel_stat;

static kernel_stat g_stats[ONNXC_PROFILE_SLOTS];
static uint64_t (*g_clock)(void);
static uint64_t g_ticks_per_second = 1000000000u; /* hosted default: nanoseconds */

static kernel_stat *stat_of(const char *name) {
  size_t i = (size_t)(((uintptr_t)name >> 3) % ONNXC_PROFILE_SLOTS), probes;
  for (probes = 0; probes < ONNXC_PROFILE_SLOTS; ++probes, i = (i + 1) % ONNXC_PROFILE_SLOTS) {
    if (g_stats[i].name == name)
      return &g_stats[i];
    if (!g_stats[i].name) {
      g_stats[i].name = name;
      return &g_stats[i];
    }
  }
  return NULL; /* full: the kernel is not counted */
}

#ifndef ONNXC_RT_BARE_METAL
/* The Chrome trace: every kernel run while ONNXC_PROFILE names a file. */
typedef struct trace_event {
  const char *name;
  uint64_t start, end;
} trace_event;

#define ONNXC_PROFILE_MAX_EVENTS (1u << 22)
static trace_event *g_events;
static size_t g_num_events, g_cap_events;
static int g_trace_state; /* 0: not looked at yet, 1: on, -1: off */
static const char *g_trace_path;

static void json_string(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; ++s) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\')
      fprintf(f, "\\%c", c);
    else if (c < 0x20)
      fprintf(f, "\\u%04x", c);
    else
      fputc(c, f);
  }
  fputc('"', f);
}

static void write_trace(void) {
  FILE *f;
  size_t i;
  uint64_t origin;
  LOCK();
  f = g_num_events ? fopen(g_trace_path, "w") : NULL;
  if (f) {
    origin = g_events[0].start;
    fputs("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[", f);
    for (i = 0; i < g_num_events; ++i) {
      fputs(i ? ",\n{\"name\":" : "\n{\"name\":", f);
      json_string(f, g_events[i].name);
      fprintf(f, ",\"cat\":\"kernel\",\"ph\":\"X\",\"pid\":1,\"tid\":1,\"ts\":%.3f,\"dur\":%.3f}",
              (double)(g_events[i].start - origin) * 1e6 / (double)g_ticks_per_second,
              (double)(g_events[i].end - g_events[i].start) * 1e6 / (double)g_ticks_per_second);
    }
    fputs("\n]}\n", f);
    fclose(f);
  }
  free(g_events); /* the process is ending: nothing is recorded after this */
  g_events = NULL;
  g_num_events = g_cap_events = 0;
  g_trace_state = -1;
  UNLOCK();
}

/* Locked. Whether runs go to the trace; looks at ONNXC_PROFILE once. */
static int tracing(void) {
  if (g_trace_state == 0) {
    g_trace_path = getenv("ONNXC_PROFILE");
    g_trace_state = g_trace_path && *g_trace_path && atexit(write_trace) == 0 ? 1 : -1;
  }
  return g_trace_state > 0;
}

static void trace(const char *name, uint64_t start, uint64_t end) {
  if (!tracing())
    return;
  if (g_num_events == g_cap_events) {
    size_t cap = g_cap_events ? g_cap_events * 2 : 4096;
    trace_event *grown;
    if (cap > ONNXC_PROFILE_MAX_EVENTS || !(grown = realloc(g_events, cap * sizeof *grown)))
      return; /* full: later runs are counted, not traced */
    g_events = grown;
    g_cap_events = cap;
  }
  g_events[g_num_events].name = name;
  g_events[g_num_events].start = start;
  g_events[g_num_events].end = end;
  ++g_num_events;
}
#endif

uint64_t onnxc_profile_now(void) {
#ifndef ONNXC_RT_BARE_METAL
  struct timespec t;
  if (!g_clock) {
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
  }
#endif
  return g_clock ? g_clock() : 0;
}

void onnxc_profile_kernel(const char *name, uint64_t start) {
  uint64_t end = onnxc_profile_now();
  kernel_stat *s;
  LOCK();
  if ((s = stat_of(name)) != NULL) {
    ++s->calls;
    s->total += end - start;
  }
#ifndef ONNXC_RT_BARE_METAL
  trace(name, start, end);
#endif
  UNLOCK();
}

void onnxc_profile_set_clock(uint64_t (*now)(void), uint64_t ticks_per_second) {
  LOCK();
  g_clock = now;
  g_ticks_per_second = ticks_per_second ? ticks_per_second : 1;
  UNLOCK();
}

void onnxc_profile_summary(void) {
  static const kernel_stat *order[ONNXC_PROFILE_SLOTS];
  size_t n = 0, i, j;
  uint64_t all = 0;
  LOCK();
  for (i = 0; i < ONNXC_PROFILE_SLOTS; ++i)
    if (g_stats[i].name && g_stats[i].calls) {
      order[n++] = &g_stats[i];
      all += g_stats[i].total;
    }
  for (i = 1; i < n; ++i) /* by total time, largest first (insertion sort: a few hundred kernels) */
    for (j = i; j > 0 && order[j]->total > order[j - 1]->total; --j) {
      const kernel_stat *t = order[j];
      order[j] = order[j - 1];
      order[j - 1] = t;
    }
  printf("%8s %12s %10s %6s  %s\n", "calls", "total us", "mean us", "share", "kernel (ONNX nodes)");
  for (i = 0; i < n; ++i) {
    unsigned long total_us = (unsigned long)(order[i]->total * 1000000u / g_ticks_per_second);
    unsigned long mean_us = (unsigned long)(order[i]->total * 1000000u / g_ticks_per_second / order[i]->calls);
    unsigned long permille = all ? (unsigned long)(order[i]->total * 1000u / all) : 0;
    printf("%8lu %12lu %10lu %3lu.%lu%%  %s\n", (unsigned long)order[i]->calls, total_us, mean_us, permille / 10,
           permille % 10, order[i]->name);
  }
  printf("%8s %12lu us in %lu kernels\n", "total", (unsigned long)(all * 1000000u / g_ticks_per_second),
         (unsigned long)n);
  UNLOCK();
}

void onnxc_profile_reset(void) {
  LOCK();
  memset(g_stats, 0, sizeof g_stats);
#ifndef ONNXC_RT_BARE_METAL
  g_num_events = 0;
#endif
  UNLOCK();
}
