/* onnxc runtime shim, hosted variant: a lazily started pthread pool. */
#define _POSIX_C_SOURCE 200809L

#include "onnxc/runtime.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>

/* Upper bound for the thread count (calling thread included). */
#define ONNXC_MAX_THREADS 256
/* Polls of the job counters before a thread goes to sleep on a condvar. */
#define ONNXC_SPIN_ITERS 2000

/* Internal, not in runtime.h: parses an ONNXC_NUM_THREADS value. Exported
 * (with the onnxc_ prefix) only so that the unit tests can call it. */
int onnxc_rt_parse_num_threads(const char *s);

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

static int g_busy;     /* an onnxc_parallel_for call owns the pool */
static int g_nworkers; /* running worker threads (calling thread excluded) */
static pthread_t *g_workers;
static int g_shutdown; /* asks the workers to exit */
static int g_atfork_done;
static unsigned long g_start_generation; /* g_generation when workers started */

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
  if (g_requested > 0)
    return g_requested;
  if (!g_env_read) {
    g_env_threads = onnxc_rt_parse_num_threads(getenv("ONNXC_NUM_THREADS"));
    g_env_read = 1;
  }
  return g_env_threads;
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

void onnxc_set_num_threads(int n) {
  n = clamp_threads(n);
  pthread_mutex_lock(&g_mu);
  g_requested = n;
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
