// One line on a terminal naming the compile phase and the share done, for compiles that take over 2 s.
#ifndef ONNXC_COMPILER_PROGRESS_H
#define ONNXC_COMPILER_PROGRESS_H

#include "mlir/Pass/PassInstrumentation.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace onnxc {

/// Keeps each phase's wall time, and shows `onnxc: 45% LLVM optimization (3.2 s)` on stderr, redrawn a few times a
/// second, once the compile has run for 2 s; only when enabled and stderr is a
/// terminal (logs and pipes get nothing). The line is cleared when it ends.
class Progress {
public:
  explicit Progress(bool enabled);
  ~Progress();
  Progress(const Progress &) = delete;
  Progress &operator=(const Progress &) = delete;

  /// Enters phase `name`, which spans shares [from, to) of the compile.
  void phase(const char *name, double from, double to);
  /// Each phase entered so far and its wall time (the last one up to now).
  std::vector<std::pair<std::string, double>> phaseSeconds();

  /// Counts the top-level passes of a pass manager that has `total` of them
  /// as the current phase's share done. (A phase without a counter advances
  /// by its time so far against the pace of the phases before it.)
  std::unique_ptr<mlir::PassInstrumentation> passCounter(size_t total);

private:
  void run();
  void draw();

  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  std::mutex mutex; // guards name, from, to and stopping
  std::condition_variable wake;
  const char *name = "";
  double from = 0, to = 0;
  std::chrono::steady_clock::time_point phaseStart = start;
  bool counted = false; // the phase has a pass counter
  std::vector<std::pair<std::string, std::chrono::steady_clock::time_point>> starts;
  std::atomic<double> within{0};
  bool stopping = false, drawn = false;
  std::thread thread;
};

} // namespace onnxc

#endif // ONNXC_COMPILER_PROGRESS_H
