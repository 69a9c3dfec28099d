/* onnxc runtime shim: error strings and element sizes (shared by all shims). */
#include "onnxc/runtime.h"

const char *onnxc_error_string(int code) {
  switch (code) {
  case ONNXC_OK:
    return "success";
  case ONNXC_ERR_NULL_INPUT:
    return "an input pointer is NULL";
  case ONNXC_ERR_NULL_OUTPUT:
    return "an output pointer is NULL";
  case ONNXC_ERR_NULL_WORKSPACE:
    return "the workspace is NULL but the model needs one";
  case ONNXC_ERR_MISALIGNED_WORKSPACE:
    return "the workspace is not aligned to workspace_align";
  case ONNXC_ERR_NO_DRIVER:
    return "the CUDA driver (libcuda.so.1) cannot be loaded";
  case ONNXC_ERR_NO_DEVICE:
    return "no usable CUDA device";
  case ONNXC_ERR_NO_KERNEL_IMAGE:
    return "the model holds no kernel image for this GPU";
  case ONNXC_ERR_OUT_OF_MEMORY:
    return "out of GPU memory";
  case ONNXC_ERR_LAUNCH_FAILED:
    return "a GPU kernel failed (see onnxc_cuda_last_error)";
  case ONNXC_ERR_DRIVER:
    return "a CUDA driver call failed (see onnxc_cuda_last_error)";
  case ONNXC_ERR_SHAPE:
    return "a tensor's rank or dims disagree with the model or exceed its bounds, or dims is NULL";
  default:
    return "unknown onnxc error";
  }
}

size_t onnxc_elem_bits(int32_t elem_type) {
  switch (elem_type) {
  case ONNXC_UINT2:
  case ONNXC_INT2:
    return 2;
  case ONNXC_UINT4:
  case ONNXC_INT4:
  case ONNXC_FLOAT4E2M1:
    return 4;
  case ONNXC_UINT8:
  case ONNXC_INT8:
  case ONNXC_BOOL:
  case ONNXC_FLOAT8E4M3FN:
  case ONNXC_FLOAT8E4M3FNUZ:
  case ONNXC_FLOAT8E5M2:
  case ONNXC_FLOAT8E5M2FNUZ:
  case ONNXC_FLOAT8E8M0:
    return 8;
  case ONNXC_UINT16:
  case ONNXC_INT16:
  case ONNXC_FLOAT16:
  case ONNXC_BFLOAT16:
    return 16;
  case ONNXC_FLOAT:
  case ONNXC_INT32:
  case ONNXC_UINT32:
    return 32;
  case ONNXC_INT64:
  case ONNXC_UINT64:
  case ONNXC_DOUBLE:
    return 64;
  default: /* ONNXC_STRING and unknown types have no fixed size. */
    return 0;
  }
}

size_t onnxc_elem_size(int32_t elem_type) {
  size_t bits = onnxc_elem_bits(elem_type);
  return bits % 8 ? 0 : bits / 8;
}

size_t onnxc_tensor_bytes(int32_t elem_type, size_t elements) {
  return (elements * onnxc_elem_bits(elem_type) + 7) / 8;
}
