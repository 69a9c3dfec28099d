// Offset assignment for buffers with known lifetimes (the workspace planner's core).
#include "codegen/common/MemoryPlan.h"

#include <algorithm>
#include <numeric>

namespace onnxc::codegen {

static int64_t alignUp(int64_t v, int64_t a) { return (v + a - 1) / a * a; }

MemoryPlan planMemory(const std::vector<BufferRequest> &requests, int64_t alignment) {
  MemoryPlan plan;
  plan.offsets.assign(requests.size(), 0);
  std::vector<size_t> order(requests.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return requests[a].size > requests[b].size;
  });
  std::vector<size_t> placed;
  for (size_t i : order) {
    const BufferRequest &r = requests[i];
    // Byte ranges of placed buffers whose lifetimes overlap this one, by offset.
    std::vector<std::pair<int64_t, int64_t>> busy;
    for (size_t j : placed) {
      const BufferRequest &o = requests[j];
      if (o.start <= r.end && r.start <= o.end)
        busy.push_back({plan.offsets[j], plan.offsets[j] + o.size});
    }
    std::sort(busy.begin(), busy.end());
    int64_t offset = 0;
    for (auto [lo, hi] : busy) {
      if (offset + r.size <= lo)
        break;
      offset = std::max(offset, alignUp(hi, alignment));
    }
    plan.offsets[i] = offset;
    plan.totalSize = std::max(plan.totalSize, alignUp(offset + r.size, alignment));
    placed.push_back(i);
  }
  return plan;
}

} // namespace onnxc::codegen
