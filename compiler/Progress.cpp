// The compile progress line on a terminal (see Progress.h).
#include "compiler/Progress.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"

namespace onnxc {

namespace {
/// Shows the line only after this long: short compiles print nothing.
constexpr auto kQuietFor = std::chrono::seconds(2);
constexpr auto kRedrawEvery = std::chrono::milliseconds(200);

/// Reports the share of a pass manager's top-level passes that have run.
struct PassCounter : mlir::PassInstrumentation {
  PassCounter(std::atomic<double> &within, size_t total) : within(within), total(total ? total : 1) {}
  void runAfterPass(mlir::Pass *, mlir::Operation *op) override {
    if (llvm::isa<mlir::ModuleOp>(op))
      within = std::min(1.0, double(++done) / double(total));
  }
  std::atomic<double> &within;
  size_t total, done = 0;
};
} // namespace

Progress::Progress(bool enabled) {
  if (enabled && llvm::sys::Process::StandardErrIsDisplayed())
    thread = std::thread([this] { run(); });
}

Progress::~Progress() {
  if (!thread.joinable())
    return;
  {
    std::lock_guard<std::mutex> lock(mutex);
    stopping = true;
  }
  wake.notify_all();
  thread.join();
  if (drawn)
    llvm::errs() << "\r\x1b[K"; // clear the line: what follows starts clean
}

void Progress::phase(const char *phaseName, double phaseFrom, double phaseTo) {
  std::lock_guard<std::mutex> lock(mutex);
  name = phaseName;
  from = phaseFrom;
  to = phaseTo;
  phaseStart = std::chrono::steady_clock::now();
  starts.push_back({phaseName, phaseStart});
  counted = false;
  within = 0;
}

std::vector<std::pair<std::string, double>> Progress::phaseSeconds() {
  std::lock_guard<std::mutex> lock(mutex);
  std::vector<std::pair<std::string, double>> seconds;
  for (size_t i = 0; i < starts.size(); ++i) {
    auto end = i + 1 < starts.size() ? starts[i + 1].second : std::chrono::steady_clock::now();
    seconds.push_back({starts[i].first, std::chrono::duration<double>(end - starts[i].second).count()});
  }
  return seconds;
}

std::unique_ptr<mlir::PassInstrumentation> Progress::passCounter(size_t total) {
  std::lock_guard<std::mutex> lock(mutex);
  counted = true;
  return std::make_unique<PassCounter>(within, total);
}

void Progress::run() {
  std::unique_lock<std::mutex> lock(mutex);
  if (wake.wait_until(lock, start + kQuietFor, [this] { return stopping; }))
    return;
  while (!stopping) {
    draw();
    wake.wait_for(lock, kRedrawEvery, [this] { return stopping; });
  }
}

void Progress::draw() {
  auto now = std::chrono::steady_clock::now();
  double seconds = std::chrono::duration<double>(now - start).count();
  if (!counted && from > 0) {
    double before = std::chrono::duration<double>(phaseStart - start).count();
    double expected = before / from * (to - from);
    within = std::min(0.95, std::chrono::duration<double>(now - phaseStart).count() / expected);
  }
  double share = from + (to - from) * within.load();
  llvm::errs() << "\r\x1b[Konnxc: " << llvm::format("%3d%%", int(share * 100)) << " " << name << " ("
               << llvm::format("%.1f", seconds) << " s)";
  llvm::errs().flush();
  drawn = true;
}

} // namespace onnxc
