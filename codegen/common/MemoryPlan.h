// Offset assignment for buffers with known lifetimes (the workspace planner's core).
#ifndef ONNXC_CODEGEN_MEMORYPLAN_H
#define ONNXC_CODEGEN_MEMORYPLAN_H

#include <cstdint>
#include <vector>

namespace onnxc::codegen {

/// A buffer live over the closed interval [start, end] of program points.
struct BufferRequest {
  int64_t start, end;
  int64_t size; // bytes
};

struct MemoryPlan {
  std::vector<int64_t> offsets; // one per request, each a multiple of alignment
  int64_t totalSize = 0;        // bytes, a multiple of alignment
};

/// Places buffers so that two buffers live at the same time never overlap.
/// Largest first, each at the lowest aligned offset that fits.
MemoryPlan planMemory(const std::vector<BufferRequest> &requests, int64_t alignment);

} // namespace onnxc::codegen

#endif // ONNXC_CODEGEN_MEMORYPLAN_H
