// Loads tensor bytes stored beside the model (ONNX external data), confined to the model's folder.
#ifndef ONNXC_COMPILER_EXTERNALDATA_H
#define ONNXC_COMPILER_EXTERNALDATA_H

#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"

#include <memory>
#include <string>
#include <vector>

namespace onnx {
class TensorProto;
}

namespace onnxc {

/// The folder external data may come from, and the bytes loaded so far (they
/// must outlive the imported module, which references them).
struct ExternalDataStore {
  std::string modelDir;
  std::vector<std::unique_ptr<llvm::MemoryBuffer>> buffers;
};

/// The `bytes` bytes of an external tensor. Only the keys location, offset and
/// length are accepted; the file must be a regular file with one link inside
/// the model's folder (no absolute path, no `..`, no symlink leading out), and
/// offset and length must fit the file and the tensor.
llvm::Expected<llvm::StringRef> loadExternalData(const ::onnx::TensorProto &tensor, int64_t bytes,
                                                 ExternalDataStore &store);

} // namespace onnxc

#endif // ONNXC_COMPILER_EXTERNALDATA_H
