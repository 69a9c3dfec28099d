/* onnxc runtime shim, hosted variant: a lazily started pthread pool. */
#define _POSIX_C_SOURCE 200809L

#include "onnxc/runtime.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Upper bound for the thread count (calling thread included). */
#define ONNXC_MAX_THREADS 256
/* Polls of the job counters before a thread goes to sleep on a condvar. */
#define ONNXC_SPIN_ITERS 2000
/* onnxc_parallel_for_measured: task functions it remembers, how many times
 * the pool's own round trip a loop must take inline to go on the pool, and
 * how often a short loop's inline time is measured again. */
#define ONNXC_GRAIN_SLOTS 1024
#define ONNXC_GRAIN_ROUND_TRIPS 4
/* The largest grain (ns): a longer round trip means that the workers could
 * not run at that moment (a busy machine), not that the pool is that slow. */
#define ONNXC_MAX_GRAIN_NS 100000
/* The smallest grain (ns): a loop's data moves between cores when threads
 * share it (about 0.25 us per cache line between this VM's two cores), which
 * the empty round trip does not show; KWS's 3 us loops lose on the pool. */
#define ONNXC_MIN_GRAIN_NS 5000
#define ONNXC_REMEASURE_CALLS 64
/* onnxc_run_begin: models it remembers, and how often a model runs the
 * slower way again to check that it still is (when the two are close). */
#define ONNXC_RUN_SLOTS 64
#define ONNXC_RUN_SAMPLES 4
#define ONNXC_RECHECK_RUNS 16

/* Everything below is guarded by g_mu, except g_workers (touched only by the
 * thread that owns the pool, see g_busy). g_generation is written under g_mu
 * with atomic stores so that the spin loops may poll it without the lock;
 * g_pending and g_claim are atomics, set under g_mu when a job starts and
 * updated without it by the threads that run its chunks. */
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_work_cv = PTHREAD_COND_INITIALIZER;
static pthread_cond_t g_done_cv = PTHREAD_COND_INITIALIZER;

static int g_requested;   /* from onnxc_set_num_threads; 0: not called */
static int g_env_read;    /* g_env_threads is valid */
static int g_env_threads; /* parsed ONNXC_NUM_THREADS */
/* The thread count as last resolved (0: not yet), read without g_mu by
 * onnxc_run_begin's one-thread fast path. */
static int g_threads_hint;

static int g_busy;     /* an onnxc_parallel_for call owns the pool */
static int g_nworkers; /* running worker threads (calling thread excluded) */
static pthread_t *g_workers;
static int g_shutdown; /* asks the workers to exit */
static int g_atfork_done;
static unsigned long g_start_generation; /* g_generation when workers started */

/* What onnxc_parallel_for_measured knows of one task function: the fastest
 * wall time of its loops run inline (0: not measured yet) and its calls. Guarded by g_mu,
 * like g_round_trip_ns: the pool's measured cost of one empty loop (0: not
 * measured yet) at g_round_trip_threads threads. */
typedef struct {
  onnxc_task_fn fn;
  int64_t inline_ns;
  unsigned calls;
} grain_slot;
static grain_slot g_grain[ONNXC_GRAIN_SLOTS];

/* What onnxc_run_begin knows of one model (keyed by one of its tasks): the
 * wall times of its last runs with the pool and without it, for the thread
 * count they were measured at; the best of each counts, so one run that the
 * machine slowed down does not flip the choice. Guarded by g_mu. */
typedef struct {
  const void *model;
  int threads;
  int64_t pool_ns[ONNXC_RUN_SAMPLES], inline_ns[ONNXC_RUN_SAMPLES]; /* the last runs' times, 0: none */
  unsigned runs, pool_runs, inline_runs;
} run_slot;
static run_slot g_runs[ONNXC_RUN_SLOTS];
/* Set between onnxc_run_begin and onnxc_run_end of a run without the pool. */
static __thread int tls_inline_run;
static int64_t g_round_trip_ns;
static int g_round_trip_threads;

/* The current job. */
static unsigned long g_generation; /* bumped for every job */
static onnxc_task_fn g_fn;
static void *g_ctx;
static int64_t g_n;
static int64_t g_chunks;
static int g_pending; /* chunks of the current job not yet done */
/* The next unclaimed chunk, tagged with the job's generation in the high 32
 * bits: workers and the caller claim chunks with a compare-and-swap, and a
 * worker that wakes after its job has ended finds another tag and runs
 * nothing. Chunk 0 is the caller's; the caller also runs chunks that no
 * worker has claimed by the time it is done, so a slow wake-up costs no
 * waiting. Which thread runs a chunk never changes its range, so results stay
 * independent of the thread count. */
static unsigned long long g_claim;

static void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
  __asm__ __volatile__("yield" ::: "memory");
#endif
}

int onnxc_rt_parse_num_threads(const char *s) {
  char *end;
  long v;
  if (!s)
    return 1;
  errno = 0;
  v = strtol(s, &end, 10);
  if (end == s)
    return 1;
  while (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r')
    ++end;
  if (*end != '\0')
    return 1;
  if (errno == ERANGE)
    return v > 0 ? ONNXC_MAX_THREADS : 1;
  if (v < 1)
    return 1;
  if (v > ONNXC_MAX_THREADS)
    return ONNXC_MAX_THREADS;
  return (int)v;
}

static int clamp_threads(int n) {
  if (n <= 0)
    return 1;
  return n > ONNXC_MAX_THREADS ? ONNXC_MAX_THREADS : n;
}

/* Requires g_mu. */
static int current_threads_locked(void) {
  int threads;
  if (g_requested > 0) {
    threads = g_requested;
  } else {
    if (!g_env_read) {
      g_env_threads = onnxc_rt_parse_num_threads(getenv("ONNXC_NUM_THREADS"));
      g_env_read = 1;
    }
    threads = g_env_threads;
  }
  __atomic_store_n(&g_threads_hint, threads, __ATOMIC_RELAXED);
  return threads;
}

/* Chunk c of [0, n) split into `chunks` parts: [c*n/chunks, (c+1)*n/chunks),
 * computed without overflowing int64_t (c*r < chunks^2 <= 2^16). */
static int64_t chunk_begin(int64_t c, int64_t n, int64_t chunks) {
  int64_t q = n / chunks, r = n % chunks;
  return c * q + (c * r) / chunks;
}

static void run_chunk(onnxc_task_fn fn, void *ctx, int64_t c, int64_t n,
                      int64_t chunks) {
  int64_t begin = chunk_begin(c, n, chunks);
  int64_t end = chunk_begin(c + 1, n, chunks);
  if (begin < end)
    fn(ctx, begin, end);
}

/* Claims the next chunk of job `generation`; -1 when none is left or the job
 * is no longer the current one. */
static int64_t claim_chunk(unsigned long generation, int64_t chunks) {
  unsigned long long c = __atomic_load_n(&g_claim, __ATOMIC_ACQUIRE);
  for (;;) {
    if ((unsigned)(c >> 32) != (unsigned)generation || (int64_t)(c & 0xffffffffu) >= chunks)
      return -1;
    if (__atomic_compare_exchange_n(&g_claim, &c, c + 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
      return (int64_t)(c & 0xffffffffu);
  }
}

static void *worker_main(void *arg) {
  unsigned long seen;
  (void)arg;
  pthread_mutex_lock(&g_mu);
  seen = g_start_generation;
  for (;;) {
    while (g_generation == seen && !g_shutdown) {
      int i;
      /* Spin briefly without the lock before sleeping: back-to-back loops
       * then start without a futex wake-up. */
      pthread_mutex_unlock(&g_mu);
      for (i = 0; i < ONNXC_SPIN_ITERS; ++i) {
        if (__atomic_load_n(&g_generation, __ATOMIC_ACQUIRE) != seen)
          break;
        cpu_relax();
      }
      pthread_mutex_lock(&g_mu);
      if (g_generation != seen || g_shutdown)
        break;
      pthread_cond_wait(&g_work_cv, &g_mu);
    }
    if (g_shutdown)
      break;
    seen = g_generation;
    {
      onnxc_task_fn fn = g_fn;
      void *ctx = g_ctx;
      int64_t n = g_n, chunks = g_chunks, chunk;
      pthread_mutex_unlock(&g_mu);
      while ((chunk = claim_chunk(seen, chunks)) >= 0) {
        run_chunk(fn, ctx, chunk, n, chunks);
        if (__atomic_sub_fetch(&g_pending, 1, __ATOMIC_ACQ_REL) == 0) {
          pthread_mutex_lock(&g_mu);
          pthread_cond_signal(&g_done_cv);
          pthread_mutex_unlock(&g_mu);
        }
      }
      pthread_mutex_lock(&g_mu);
    }
  }
  pthread_mutex_unlock(&g_mu);
  return NULL;
}

/* fork() keeps only the forking thread: the child starts with no pool. */
static void atfork_prepare(void) { pthread_mutex_lock(&g_mu); }
static void atfork_parent(void) { pthread_mutex_unlock(&g_mu); }
static void atfork_child(void) {
  g_nworkers = 0;
  g_workers = NULL; /* the parent's array; the threads do not exist here */
  g_busy = 0;
  g_shutdown = 0;
  g_pending = 0;
  pthread_cond_init(&g_work_cv, NULL);
  pthread_cond_init(&g_done_cv, NULL);
  pthread_mutex_unlock(&g_mu);
}

/* Requires g_mu and pool ownership (g_busy); may release g_mu meanwhile.
 * Stops every worker and starts `want` new ones (fewer if pthread_create
 * fails). */
static void resize_locked(int want) {
  int i, started = 0;
  sigset_t all, old;
  if (g_nworkers > 0) {
    int count = g_nworkers;
    pthread_t *workers = g_workers;
    g_shutdown = 1;
    pthread_cond_broadcast(&g_work_cv);
    pthread_mutex_unlock(&g_mu);
    for (i = 0; i < count; ++i)
      pthread_join(workers[i], NULL);
    free(workers);
    pthread_mutex_lock(&g_mu);
    g_shutdown = 0;
    g_nworkers = 0;
    g_workers = NULL;
  }
  if (want <= 0)
    return;
  if (!g_atfork_done) {
    pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
    g_atfork_done = 1;
  }
  g_workers = (pthread_t *)malloc((size_t)want * sizeof(pthread_t));
  if (!g_workers)
    return;
  g_start_generation = g_generation;
  /* Workers inherit a fully blocked signal mask: the application's signals
   * go to its own threads. */
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  for (i = 0; i < want; ++i) {
    if (pthread_create(&g_workers[i], NULL, worker_main, NULL))
      break;
    ++started;
  }
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  g_nworkers = started;
  if (started == 0) {
    free(g_workers);
    g_workers = NULL;
  }
}

void onnxc_parallel_for(onnxc_task_fn fn, void *ctx, int64_t n) {
  int threads, i;
  int64_t chunks, chunk;
  unsigned long generation;
  if (n <= 0)
    return;
  if (n == 1) {
    fn(ctx, 0, n);
    return;
  }
  pthread_mutex_lock(&g_mu);
  threads = current_threads_locked();
  if (threads <= 1 || g_busy) {
    /* Single-threaded, nested inside a task, or another application thread
     * owns the pool: run inline. */
    pthread_mutex_unlock(&g_mu);
    fn(ctx, 0, n);
    return;
  }
  g_busy = 1;
  if (g_nworkers != threads - 1)
    resize_locked(threads - 1);
  chunks = (int64_t)g_nworkers + 1;
  if (chunks > n)
    chunks = n;
  if (chunks <= 1) { /* no worker could be started */
    g_busy = 0;
    pthread_mutex_unlock(&g_mu);
    fn(ctx, 0, n);
    return;
  }
  g_fn = fn;
  g_ctx = ctx;
  g_n = n;
  g_chunks = chunks;
  generation = g_generation + 1;
  __atomic_store_n(&g_pending, (int)chunks, __ATOMIC_RELAXED);
  __atomic_store_n(&g_claim, ((unsigned long long)(unsigned)generation << 32) | 1u, __ATOMIC_RELEASE);
  __atomic_store_n(&g_generation, generation, __ATOMIC_RELEASE);
  pthread_cond_broadcast(&g_work_cv);
  pthread_mutex_unlock(&g_mu);

  /* Chunk 0, then whatever no worker has claimed yet. */
  for (chunk = 0; chunk >= 0; chunk = claim_chunk(generation, chunks)) {
    run_chunk(fn, ctx, chunk, n, chunks);
    __atomic_sub_fetch(&g_pending, 1, __ATOMIC_ACQ_REL);
  }

  for (i = 0; i < ONNXC_SPIN_ITERS; ++i) {
    if (__atomic_load_n(&g_pending, __ATOMIC_ACQUIRE) == 0)
      break;
    cpu_relax();
  }
  pthread_mutex_lock(&g_mu);
  while (__atomic_load_n(&g_pending, __ATOMIC_ACQUIRE) != 0)
    pthread_cond_wait(&g_done_cv, &g_mu);
  g_fn = NULL;
  g_ctx = NULL;
  g_busy = 0;
  pthread_mutex_unlock(&g_mu);
}

static int64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* Requires g_mu. fn's slot (claimed if new), or NULL when the table is full. */
static grain_slot *grain_slot_of(onnxc_task_fn fn) {
  uint64_t h = (uint64_t)(uintptr_t)fn * 0x9E3779B97F4A7C15ull;
  unsigned i, start = (unsigned)(h >> 54) % ONNXC_GRAIN_SLOTS;
  for (i = 0; i < ONNXC_GRAIN_SLOTS; ++i) {
    grain_slot *s = &g_grain[(start + i) % ONNXC_GRAIN_SLOTS];
    if (s->fn == fn)
      return s;
    if (!s->fn) {
      s->fn = fn;
      return s;
    }
  }
  return NULL;
}

/* A chunk that waits (at most about 1 ms) until every chunk has started: an
 * empty loop in which each thread takes part. */
typedef struct {
  int entered, want;
} rendezvous;

static void rendezvous_task(void *ctx, int64_t begin, int64_t end) {
  rendezvous *r = (rendezvous *)ctx;
  int i;
  (void)begin;
  (void)end;
  __atomic_add_fetch(&r->entered, 1, __ATOMIC_ACQ_REL);
  for (i = 0; i < 20000 && __atomic_load_n(&r->entered, __ATOMIC_ACQUIRE) < r->want; ++i)
    cpu_relax();
}

/* The fastest of 15 back-to-back empty loops in which every thread takes
 * part (a worker still asleep for the first ones only slows those). */
static int64_t measure_round_trip(int threads) {
  int64_t best = 0, t;
  int i;
  for (i = 0; i < 15; ++i) {
    rendezvous r = {0, threads};
    t = now_ns();
    onnxc_parallel_for(rendezvous_task, &r, threads);
    t = now_ns() - t;
    if (!best || t < best)
      best = t;
  }
  return best > 0 ? best : 1;
}

void onnxc_parallel_for_measured(onnxc_task_fn fn, void *ctx, int64_t n) {
  int threads, on_pool;
  grain_slot *slot;
  int64_t start, round_trip;
  if (tls_inline_run && n > 0) {
    fn(ctx, 0, n);
    return;
  }
  if (n <= 1) {
    onnxc_parallel_for(fn, ctx, n);
    return;
  }
  pthread_mutex_lock(&g_mu);
  threads = current_threads_locked();
  if (threads <= 1 || g_busy) { /* inline anyway: one thread, nested, or another caller owns the pool */
    pthread_mutex_unlock(&g_mu);
    onnxc_parallel_for(fn, ctx, n);
    return;
  }
  round_trip = g_round_trip_threads == threads ? g_round_trip_ns : 0;
  pthread_mutex_unlock(&g_mu);
  if (!round_trip) {
    round_trip = measure_round_trip(threads);
    pthread_mutex_lock(&g_mu);
    g_round_trip_ns = round_trip;
    g_round_trip_threads = threads;
    pthread_mutex_unlock(&g_mu);
  }

  /* A loop runs on the pool when it took more than a grain (a few round
   * trips of the pool) inline. It is timed inline on its first call and,
   * while under 8 grains, again on calls 1, 2, 4, ... 64 and every 64th
   * (the fastest time counts: a cold first call or a busy moment only slow
   * a loop down). */
  pthread_mutex_lock(&g_mu);
  slot = grain_slot_of(fn);
  on_pool = 1;
  if (slot) {
    int64_t grain = ONNXC_GRAIN_ROUND_TRIPS * round_trip;
    grain = grain < ONNXC_MIN_GRAIN_NS ? ONNXC_MIN_GRAIN_NS : grain > ONNXC_MAX_GRAIN_NS ? ONNXC_MAX_GRAIN_NS : grain;
    unsigned calls = slot->calls++;
    int remeasure = !slot->inline_ns || (slot->inline_ns < 8 * grain && (calls % ONNXC_REMEASURE_CALLS == 0 ||
                                                                          (calls & (calls - 1)) == 0));
    on_pool = !remeasure && slot->inline_ns > grain;
  }
  pthread_mutex_unlock(&g_mu);
  if (on_pool) {
    onnxc_parallel_for(fn, ctx, n);
    return;
  }
  start = now_ns();
  fn(ctx, 0, n);
  start = now_ns() - start;
  pthread_mutex_lock(&g_mu);
  if (!slot->inline_ns || start < slot->inline_ns)
    slot->inline_ns = start > 0 ? start : 1;
  pthread_mutex_unlock(&g_mu);
}

/* Requires g_mu. The model's slot (claimed if new), or NULL when all are taken. */
static run_slot *run_slot_of(const void *model) {
  int i;
  for (i = 0; i < ONNXC_RUN_SLOTS; ++i) {
    if (g_runs[i].model == model)
      return &g_runs[i];
    if (!g_runs[i].model) {
      g_runs[i].model = model;
      return &g_runs[i];
    }
  }
  return NULL;
}

/* The best of a slot's recent times (0: none yet). */
static int64_t best_of(const int64_t *samples) {
  int64_t best = 0;
  int i;
  for (i = 0; i < ONNXC_RUN_SAMPLES; ++i)
    if (samples[i] && (!best || samples[i] < best))
      best = samples[i];
  return best;
}

int64_t onnxc_run_begin(const void *model) {
  run_slot *slot;
  int threads, without_pool = 0;
  if (__atomic_load_n(&g_threads_hint, __ATOMIC_RELAXED) == 1)
    return 0; /* one thread: nothing to choose (run_end ignores a 0 start) */
  pthread_mutex_lock(&g_mu);
  threads = current_threads_locked();
  slot = threads > 1 && !tls_inline_run ? run_slot_of(model) : NULL;
  if (slot) {
    unsigned run;
    if (slot->threads != threads) {
      memset(slot, 0, sizeof *slot);
      slot->model = model;
      slot->threads = threads;
    }
    /* Runs 0-1 use the pool, runs 2-3 do not; then the faster way, and two
     * runs the other way every 16 runs while the two are within 25%, else
     * every 64. Each way runs twice in a row: the first run after a switch
     * finds its data in the other cores' caches, the second shows the
     * steady time (the best recent time of each way counts). */
    run = slot->runs++;
    if (run < 4) {
      without_pool = run >= 2;
    } else {
      int64_t pool = best_of(slot->pool_ns), alone = best_of(slot->inline_ns);
      int64_t fast = alone < pool ? alone : pool, slow = alone < pool ? pool : alone;
      unsigned every = 4 * slow <= 5 * fast ? ONNXC_RECHECK_RUNS : 4 * ONNXC_RECHECK_RUNS;
      without_pool = (alone < pool) != (run % every < 2);
    }
  }
  pthread_mutex_unlock(&g_mu);
  tls_inline_run = without_pool;
  return now_ns();
}

void onnxc_run_end(const void *model, int64_t start) {
  int64_t t;
  int threads, without_pool = tls_inline_run;
  run_slot *slot;
  tls_inline_run = 0;
  if (!start)
    return;
  t = now_ns() - start;
  pthread_mutex_lock(&g_mu);
  threads = current_threads_locked();
  slot = threads > 1 ? run_slot_of(model) : NULL;
  if (slot && slot->threads == threads) {
    if (without_pool)
      slot->inline_ns[slot->inline_runs++ % ONNXC_RUN_SAMPLES] = t > 0 ? t : 1;
    else
      slot->pool_ns[slot->pool_runs++ % ONNXC_RUN_SAMPLES] = t > 0 ? t : 1;
  }
  pthread_mutex_unlock(&g_mu);
}

void onnxc_set_num_threads(int n) {
  n = clamp_threads(n);
  pthread_mutex_lock(&g_mu);
  g_requested = n;
  __atomic_store_n(&g_threads_hint, n, __ATOMIC_RELAXED);
  /* A started, idle pool is resized now (so that lowering the count frees
   * threads); otherwise the next onnxc_parallel_for does it. */
  if (!g_busy && g_nworkers > 0 && g_nworkers != n - 1) {
    g_busy = 1;
    resize_locked(n - 1);
    g_busy = 0;
  }
  pthread_mutex_unlock(&g_mu);
}

int onnxc_get_num_threads(void) {
  int n;
  pthread_mutex_lock(&g_mu);
  n = current_threads_locked();
  pthread_mutex_unlock(&g_mu);
  return n;
}
