// Unit tests for the onnxc runtime shim (hosted pool, or bare-metal inline).
#include "onnxc/runtime.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#ifndef ONNXC_RT_TEST_INLINE
#include <sys/wait.h>
#include <unistd.h>
#endif

#ifndef ONNXC_RT_TEST_INLINE
extern "C" int onnxc_rt_parse_num_threads(const char *s);
#endif

namespace {

#ifdef ONNXC_RT_TEST_INLINE
constexpr bool kInline = true;
#else
constexpr bool kInline = false;
#endif

using Chunk = std::pair<int64_t, int64_t>;

// Records every call: the chunks, the threads and how often each index ran.
struct Recorder {
  explicit Recorder(int64_t n) : hits(n > 0 ? n : 0) {
    for (auto &h : hits)
      h.store(0);
  }
  std::vector<std::atomic<int>> hits;
  std::mutex mu;
  std::vector<Chunk> chunks;
  std::set<std::thread::id> threads;

  static void task(void *ctx, int64_t begin, int64_t end) {
    auto *self = static_cast<Recorder *>(ctx);
    for (int64_t i = begin; i < end; ++i)
      self->hits[i].fetch_add(1);
    std::lock_guard<std::mutex> lock(self->mu);
    self->chunks.emplace_back(begin, end);
    self->threads.insert(std::this_thread::get_id());
  }
};

// The chunks the contract promises: [i*n/T, (i+1)*n/T), T = min(threads, n).
std::vector<Chunk> expectedChunks(int64_t n, int threads) {
  std::vector<Chunk> out;
  if (n <= 0)
    return out;
  int64_t t = kInline ? 1 : std::min<int64_t>(threads, n);
  for (int64_t i = 0; i < t; ++i)
    out.emplace_back(i * n / t, (i + 1) * n / t);
  return out;
}

TEST(ParallelFor, CoversEveryIndexOnceInContiguousChunks) {
  for (int threads : {1, 2, 3, 8}) {
    onnxc_set_num_threads(threads);
    for (int64_t n : {0, 1, 2, 7, 1000}) {
      SCOPED_TRACE("threads=" + std::to_string(threads) +
                   " n=" + std::to_string(n));
      Recorder rec(n);
      onnxc_parallel_for(Recorder::task, &rec, n);
      for (int64_t i = 0; i < n; ++i)
        ASSERT_EQ(rec.hits[i].load(), 1) << "index " << i;
      std::vector<Chunk> chunks = rec.chunks;
      std::sort(chunks.begin(), chunks.end());
      // Non-empty, disjoint and contiguous, covering exactly [0, n).
      int64_t next = 0;
      for (const Chunk &c : chunks) {
        EXPECT_EQ(c.first, next);
        EXPECT_LT(c.first, c.second);
        next = c.second;
      }
      EXPECT_EQ(next, n);
      EXPECT_EQ(chunks, expectedChunks(n, threads));
    }
  }
  onnxc_set_num_threads(1);
}

TEST(ParallelFor, NullTaskIsNotCalledForEmptyRange) {
  onnxc_set_num_threads(4);
  onnxc_parallel_for(nullptr, nullptr, 0);
  onnxc_parallel_for(nullptr, nullptr, -5);
  onnxc_set_num_threads(1);
}

// A Recorder whose chunks wait (up to 2 s) until `want` threads have entered
// one: the caller may run chunks no worker has claimed yet, so only chunks that
// stay busy are sure to spread over every thread.
struct Rendezvous : Recorder {
  Rendezvous(int64_t n, int want) : Recorder(n), want(want) {}
  int want;
  std::atomic<int> entered{0};
  static void task(void *ctx, int64_t begin, int64_t end) {
    auto *self = static_cast<Rendezvous *>(ctx);
    self->entered.fetch_add(1);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (self->entered.load() < self->want && std::chrono::steady_clock::now() < deadline)
      std::this_thread::yield();
    Recorder::task(ctx, begin, end);
  }
};

TEST(ParallelFor, ChunksRunOnDistinctThreads) {
  for (int threads : {2, 3, 4}) {
    onnxc_set_num_threads(threads);
    Rendezvous rec(1000, kInline ? 1 : threads);
    onnxc_parallel_for(Rendezvous::task, &rec, 1000);
    EXPECT_EQ(rec.threads.size(), kInline ? 1u : size_t(threads));
    EXPECT_EQ(rec.threads.count(std::this_thread::get_id()), 1u)
        << "the calling thread takes part";
  }
  onnxc_set_num_threads(1);
}

struct ComputeCtx {
  const std::vector<float> *in;
  std::vector<float> *out;
};

void computeTask(void *ctx, int64_t begin, int64_t end) {
  auto *c = static_cast<ComputeCtx *>(ctx);
  for (int64_t i = begin; i < end; ++i) {
    float x = (*c->in)[i];
    (*c->out)[i] = std::tanh(x) * 0.5f + x * x / (1.0f + std::fabs(x));
  }
}

TEST(ParallelFor, ResultsIndependentOfThreadCount) {
  const int64_t n = 4099;
  std::vector<float> in(n);
  for (int64_t i = 0; i < n; ++i)
    in[i] = std::sin(0.37f * float(i)) * 3.0f;
  std::vector<float> reference;
  for (int threads : {1, 2, 3, 8, 5}) {
    onnxc_set_num_threads(threads);
    std::vector<float> out(n, -1.0f);
    ComputeCtx ctx{&in, &out};
    onnxc_parallel_for(computeTask, &ctx, n);
    if (reference.empty())
      reference = out;
    else
      EXPECT_EQ(out, reference) << "threads=" << threads;
  }
  onnxc_set_num_threads(1);
}

struct NestedCtx {
  int64_t inner;
  std::vector<std::atomic<int>> *grid;
  int64_t row;
};

void innerTask(void *ctx, int64_t begin, int64_t end) {
  auto *c = static_cast<NestedCtx *>(ctx);
  for (int64_t j = begin; j < end; ++j)
    (*c->grid)[c->row * c->inner + j].fetch_add(1);
}

void outerTask(void *ctx, int64_t begin, int64_t end) {
  auto *c = static_cast<NestedCtx *>(ctx);
  for (int64_t i = begin; i < end; ++i) {
    NestedCtx inner{c->inner, c->grid, i};
    onnxc_parallel_for(innerTask, &inner, c->inner);
  }
}

TEST(ParallelFor, NestedCallsRunInline) {
  for (int threads : {1, 2, 3, 8}) {
    onnxc_set_num_threads(threads);
    const int64_t outer = 9, inner = 53;
    std::vector<std::atomic<int>> grid(outer * inner);
    for (auto &g : grid)
      g.store(0);
    NestedCtx ctx{inner, &grid, 0};
    onnxc_parallel_for(outerTask, &ctx, outer);
    for (int64_t k = 0; k < outer * inner; ++k)
      ASSERT_EQ(grid[k].load(), 1) << "threads=" << threads << " k=" << k;
  }
  onnxc_set_num_threads(1);
}

struct SumCtx {
  std::vector<int64_t> *v;
  int64_t add;
};

void addTask(void *ctx, int64_t begin, int64_t end) {
  auto *c = static_cast<SumCtx *>(ctx);
  for (int64_t i = begin; i < end; ++i)
    (*c->v)[i] += c->add + i;
}

TEST(ParallelFor, ConcurrentApplicationThreads) {
  onnxc_set_num_threads(3);
  const int kCallers = 4, kIters = 150;
  const int64_t n = 257;
  std::atomic<bool> stop{false};
  // Meanwhile another thread keeps changing the thread count.
  std::thread resizer([&] {
    int k = 0;
    while (!stop.load()) {
      onnxc_set_num_threads(1 + (k++ % 4));
      std::this_thread::yield();
    }
  });
  std::vector<std::vector<int64_t>> results(kCallers,
                                            std::vector<int64_t>(n, 0));
  std::vector<std::thread> callers;
  for (int t = 0; t < kCallers; ++t)
    callers.emplace_back([&, t] {
      for (int it = 0; it < kIters; ++it) {
        SumCtx ctx{&results[t], t + 1};
        onnxc_parallel_for(addTask, &ctx, n);
      }
    });
  for (auto &c : callers)
    c.join();
  stop.store(true);
  resizer.join();
  for (int t = 0; t < kCallers; ++t)
    for (int64_t i = 0; i < n; ++i)
      ASSERT_EQ(results[t][i], int64_t(kIters) * (t + 1 + i))
          << "caller " << t << " index " << i;
  onnxc_set_num_threads(1);
}

TEST(ParallelFor, PoolResizes) {
  for (int threads : {8, 2, 1, 5, 3, 1, 4}) {
    onnxc_set_num_threads(threads);
    EXPECT_EQ(onnxc_get_num_threads(), kInline ? 1 : threads);
    Recorder rec(100);
    onnxc_parallel_for(Recorder::task, &rec, 100);
    for (int64_t i = 0; i < 100; ++i)
      ASSERT_EQ(rec.hits[i].load(), 1);
    EXPECT_EQ(rec.chunks.size(), kInline ? 1u : size_t(threads));
  }
  onnxc_set_num_threads(1);
}

// A task that counts the threads it ran on and spins for `us` per chunk.
struct Timed : Recorder {
  Timed(int64_t n, int us) : Recorder(n), us(us) {}
  int us;
  static void task(void *ctx, int64_t begin, int64_t end) {
    auto *self = static_cast<Timed *>(ctx);
    auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(self->us);
    while (std::chrono::steady_clock::now() < until) {
    }
    Recorder::task(ctx, begin, end);
  }
};

TEST(ParallelForMeasured, CoversEveryIndexOnceAtAnyThreadCount) {
  for (int threads : {1, 2, 3}) {
    onnxc_set_num_threads(threads);
    for (int call = 0; call < 5; ++call) {
      Recorder rec(1000);
      onnxc_parallel_for_measured(Recorder::task, &rec, 1000);
      for (int64_t i = 0; i < 1000; ++i)
        ASSERT_EQ(rec.hits[i].load(), 1) << "threads=" << threads << " call " << call;
    }
  }
  onnxc_parallel_for_measured(nullptr, nullptr, 0);
  onnxc_set_num_threads(1);
}

#ifndef ONNXC_RT_TEST_INLINE
TEST(ParallelForMeasured, TinyLoopsRunInlineLongOnesOnThePool) {
  onnxc_set_num_threads(2);
  // Tiny chunks (an atomic add; a Recorder's mutex and set insert take more
  // than 5 us under sanitizers): the pool's round trip costs more than the
  // work, so nearly every call runs on the caller, as one chunk.
  int onCaller = 0;
  for (int call = 0; call < 60; ++call) {
    std::atomic<int> chunks{0};
    onnxc_parallel_for_measured(
        [](void *ctx, int64_t, int64_t) { static_cast<std::atomic<int> *>(ctx)->fetch_add(1); }, &chunks, 2);
    onCaller += chunks.load() == 1;
  }
  EXPECT_GE(onCaller, 50);
  // 5 ms per chunk: timed inline on the first call, then always on the pool.
  for (int call = 0; call < 5; ++call) {
    Timed rec(2, 5000);
    onnxc_parallel_for_measured(Timed::task, &rec, 2);
    EXPECT_EQ(rec.chunks.size(), call == 0 ? 1u : 2u) << "call " << call;
  }
  onnxc_set_num_threads(1);
}
#endif

#ifndef ONNXC_RT_TEST_INLINE
// A chunk that spins `us` on the calling thread and `workerUs` on any other.
struct Uneven : Recorder {
  Uneven(int64_t n, int us, int workerUs, std::thread::id caller)
      : Recorder(n), us(us), workerUs(workerUs), caller(caller) {}
  int us, workerUs;
  std::thread::id caller;
  static void task(void *ctx, int64_t begin, int64_t end) {
    auto *self = static_cast<Uneven *>(ctx);
    int spin = std::this_thread::get_id() == self->caller ? self->us : self->workerUs;
    auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(spin * (end - begin));
    while (std::chrono::steady_clock::now() < until) {
    }
    Recorder::task(ctx, begin, end);
  }
};

// One "run" of a model with one loop of two chunks: how many chunks it ran
// as (1: inline) and on how many threads.
std::pair<size_t, size_t> runOnce(const void *model, int us, int workerUs) {
  Uneven rec(2, us, workerUs, std::this_thread::get_id());
  int64_t start = onnxc_run_begin(model);
  onnxc_parallel_for_measured(Uneven::task, &rec, 2);
  onnxc_run_end(model, start);
  return {rec.chunks.size(), rec.threads.size()};
}

TEST(RunBracket, KeepsTheFasterWayPerModel) {
  onnxc_set_num_threads(2);
  static char slow_on_pool, fast_on_pool;
  // Chunks take 3 ms on a worker and 0.2 ms on the caller: after the first
  // four runs a worker takes part in few of the next 20 (rechecks, and close
  // calls: a loop on the pool whose worker wakes late is all run by the
  // caller and looks as fast as inline).
  int pooled = 0;
  for (int run = 0; run < 24; ++run) {
    bool onWorker = runOnce(&slow_on_pool, 200, 3000).second == 2;
    pooled += run >= 4 && onWorker;
  }
  EXPECT_LE(pooled, 5);
  // Chunks take 10 ms anywhere: the pool halves the run, so it stays on (most
  // of the time: waking an idle virtual CPU can take milliseconds, which makes
  // a pool run look slow for a while).
  pooled = 0;
  for (int run = 0; run < 20; ++run) {
    bool onPool = runOnce(&fast_on_pool, 10000, 10000).first == 2;
    pooled += run >= 4 && onPool;
  }
  EXPECT_GE(pooled, 10);
  onnxc_set_num_threads(1);
}
#endif

#ifndef ONNXC_RT_TEST_INLINE
TEST(ParallelFor, IdleWorkersSleep) {
  onnxc_set_num_threads(4);
  Recorder rec(64);
  onnxc_parallel_for(Recorder::task, &rec, 64);
  // Let the workers finish their short spin, then measure idle CPU time.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::clock_t before = std::clock();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  double cpuSeconds = double(std::clock() - before) / CLOCKS_PER_SEC;
  EXPECT_LT(cpuSeconds, 0.1) << "idle workers must not spin";
  onnxc_set_num_threads(1);
}

// ThreadSanitizer does not support starting threads after a multi-threaded
// fork, which is exactly what this test does.
#if !defined(__SANITIZE_THREAD__)
TEST(ParallelFor, WorksInForkedChild) {
  onnxc_set_num_threads(3);
  Recorder warm(30);
  onnxc_parallel_for(Recorder::task, &warm, 30); // start the pool
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // The child has no workers: the shim must start new ones, not hang.
    Rendezvous rec(300, 3);
    onnxc_parallel_for(Rendezvous::task, &rec, 300);
    bool ok = rec.chunks.size() == 3 && rec.threads.size() == 3;
    for (int64_t i = 0; i < 300; ++i)
      ok = ok && rec.hits[i].load() == 1;
    _exit(ok ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  onnxc_set_num_threads(1);
}
#endif
#endif

TEST(NumThreads, SetAndGet) {
  onnxc_set_num_threads(4);
  EXPECT_EQ(onnxc_get_num_threads(), kInline ? 1 : 4);
  onnxc_set_num_threads(0);
  EXPECT_EQ(onnxc_get_num_threads(), 1);
  onnxc_set_num_threads(-3);
  EXPECT_EQ(onnxc_get_num_threads(), 1);
  onnxc_set_num_threads(100000);
  EXPECT_EQ(onnxc_get_num_threads(), kInline ? 1 : 256);
  onnxc_set_num_threads(1);
  EXPECT_EQ(onnxc_get_num_threads(), 1);
}

#ifndef ONNXC_RT_TEST_INLINE
TEST(NumThreads, ParseEnvValue) {
  EXPECT_EQ(onnxc_rt_parse_num_threads(nullptr), 1);
  EXPECT_EQ(onnxc_rt_parse_num_threads(""), 1);
  EXPECT_EQ(onnxc_rt_parse_num_threads("1"), 1);
  EXPECT_EQ(onnxc_rt_parse_num_threads("4"), 4);
  EXPECT_EQ(onnxc_rt_parse_num_threads("+2"), 2);
  EXPECT_EQ(onnxc_rt_parse_num_threads(" 8"), 8);
  EXPECT_EQ(onnxc_rt_parse_num_threads("8\n"), 8);
  EXPECT_EQ(onnxc_rt_parse_num_threads("256"), 256);
  EXPECT_EQ(onnxc_rt_parse_num_threads("257"), 256);
  EXPECT_EQ(onnxc_rt_parse_num_threads("99999999999999999999999"), 256);
  EXPECT_EQ(onnxc_rt_parse_num_threads("0"), 1);
  EXPECT_EQ(onnxc_rt_parse_num_threads("-4"), 1);
  EXPECT_EQ(onnxc_rt_parse_num_threads("-99999999999999999999999"), 1);
  EXPECT_EQ(onnxc_rt_parse_num_threads("abc"), 1);
  EXPECT_EQ(onnxc_rt_parse_num_threads("3x"), 1);
  EXPECT_EQ(onnxc_rt_parse_num_threads("2.5"), 1);
  EXPECT_EQ(onnxc_rt_parse_num_threads(" "), 1);
}

// Run by ctest in fresh processes with ONNXC_NUM_THREADS set (see
// runtime_support/CMakeLists.txt); without ONNXC_TEST_EXPECT_THREADS it checks
// the count the inherited environment implies.
TEST(NumThreads, FromEnvironment) {
  const char *expect = std::getenv("ONNXC_TEST_EXPECT_THREADS");
  const char *env = std::getenv("ONNXC_NUM_THREADS");
  int want = expect ? std::atoi(expect) : env ? onnxc_rt_parse_num_threads(env) : 1;
  EXPECT_EQ(onnxc_get_num_threads(), want);
  if (want <= 8) {
    Rendezvous rec(1000, want);
    onnxc_parallel_for(Rendezvous::task, &rec, 1000);
    EXPECT_EQ(rec.chunks.size(), size_t(want));
    EXPECT_EQ(rec.threads.size(), size_t(want));
  }
  // onnxc_set_num_threads overrides the environment.
  onnxc_set_num_threads(2);
  EXPECT_EQ(onnxc_get_num_threads(), 2);
}
#endif

TEST(Runtime, ErrorStrings) {
  std::set<std::string> seen;
  for (int code : {ONNXC_OK, ONNXC_ERR_NULL_INPUT, ONNXC_ERR_NULL_OUTPUT,
                   ONNXC_ERR_NULL_WORKSPACE, ONNXC_ERR_MISALIGNED_WORKSPACE}) {
    const char *s = onnxc_error_string(code);
    ASSERT_NE(s, nullptr) << code;
    EXPECT_GT(std::string(s).size(), 0u);
    seen.insert(s);
  }
  EXPECT_EQ(seen.size(), 5u) << "each code has its own message";
  EXPECT_NE(onnxc_error_string(-1), nullptr);
  EXPECT_NE(onnxc_error_string(12345), nullptr);
}

TEST(Runtime, ErrorCodeValues) {
  EXPECT_EQ(ONNXC_OK, 0);
  EXPECT_EQ(ONNXC_ERR_NULL_INPUT, 1);
  EXPECT_EQ(ONNXC_ERR_NULL_OUTPUT, 2);
  EXPECT_EQ(ONNXC_ERR_NULL_WORKSPACE, 3);
  EXPECT_EQ(ONNXC_ERR_MISALIGNED_WORKSPACE, 4);
}

TEST(Runtime, ElemSize) {
  EXPECT_EQ(onnxc_elem_size(ONNXC_FLOAT), 4u);
  EXPECT_EQ(onnxc_elem_size(ONNXC_UINT8), 1u);
  EXPECT_EQ(onnxc_elem_size(ONNXC_INT8), 1u);
  EXPECT_EQ(onnxc_elem_size(ONNXC_UINT16), 2u);
  EXPECT_EQ(onnxc_elem_size(ONNXC_INT16), 2u);
  EXPECT_EQ(onnxc_elem_size(ONNXC_INT32), 4u);
  EXPECT_EQ(onnxc_elem_size(ONNXC_INT64), 8u);
  EXPECT_EQ(onnxc_elem_size(ONNXC_STRING), 0u);
  EXPECT_EQ(onnxc_elem_size(ONNXC_BOOL), 1u);
  EXPECT_EQ(onnxc_elem_size(ONNXC_FLOAT16), 2u);
  EXPECT_EQ(onnxc_elem_size(ONNXC_DOUBLE), 8u);
  EXPECT_EQ(onnxc_elem_size(ONNXC_UINT32), 4u);
  EXPECT_EQ(onnxc_elem_size(ONNXC_UINT64), 8u);
  EXPECT_EQ(onnxc_elem_size(ONNXC_BFLOAT16), 2u);
  EXPECT_EQ(onnxc_elem_size(0), 0u);
  EXPECT_EQ(onnxc_elem_size(-1), 0u);
  EXPECT_EQ(onnxc_elem_size(ONNXC_FLOAT8E4M3FN), 1u);
  EXPECT_EQ(onnxc_elem_size(ONNXC_FLOAT8E8M0), 1u);
  EXPECT_EQ(onnxc_elem_size(ONNXC_INT4), 0u); // packed: no whole byte
  EXPECT_EQ(onnxc_elem_bits(ONNXC_INT4), 4u);
  EXPECT_EQ(onnxc_elem_bits(ONNXC_FLOAT4E2M1), 4u);
  EXPECT_EQ(onnxc_elem_bits(ONNXC_UINT2), 2u);
  EXPECT_EQ(onnxc_tensor_bytes(ONNXC_INT4, 5), 3u);
  EXPECT_EQ(onnxc_tensor_bytes(ONNXC_INT2, 5), 2u);
  EXPECT_EQ(onnxc_tensor_bytes(ONNXC_FLOAT, 5), 20u);
  EXPECT_EQ(onnxc_tensor_bytes(-1, 5), 0u);
  EXPECT_EQ(onnxc_elem_size(999), 0u);
}

TEST(Runtime, ElementTypeValuesMatchOnnx) {
  EXPECT_EQ(ONNXC_FLOAT, 1);
  EXPECT_EQ(ONNXC_UINT8, 2);
  EXPECT_EQ(ONNXC_INT8, 3);
  EXPECT_EQ(ONNXC_UINT16, 4);
  EXPECT_EQ(ONNXC_INT16, 5);
  EXPECT_EQ(ONNXC_INT32, 6);
  EXPECT_EQ(ONNXC_INT64, 7);
  EXPECT_EQ(ONNXC_STRING, 8);
  EXPECT_EQ(ONNXC_BOOL, 9);
  EXPECT_EQ(ONNXC_FLOAT16, 10);
  EXPECT_EQ(ONNXC_DOUBLE, 11);
  EXPECT_EQ(ONNXC_UINT32, 12);
  EXPECT_EQ(ONNXC_UINT64, 13);
  EXPECT_EQ(ONNXC_BFLOAT16, 16);
}

TEST(Runtime, ModelInfoLayout) {
  static const int64_t dims[] = {1, 3, 224, 224};
  static const onnxc_tensor_info in = {"input", ONNXC_FLOAT, 4, dims, dims};
  static const onnxc_model_info info = {"net", 1, 1, &in, &in, 4096, 64};
  EXPECT_STREQ(info.inputs[0].name, "input");
  EXPECT_EQ(info.outputs[0].dims[3], 224);
  EXPECT_EQ(info.workspace_size, 4096u);
  EXPECT_EQ(info.workspace_align, 64u);
  static_assert(sizeof(onnxc_tensor_info::elem_type) == 4, "int32_t");
  static_assert(sizeof(onnxc_tensor_info::rank) == 4, "int32_t");
}

} // namespace
