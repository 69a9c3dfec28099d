// Loads ONNX external data with path, link, offset and length checks (see docs/security.md).
#include "compiler/ExternalData.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <onnx/onnx_pb.h>

namespace onnxc {

namespace {
llvm::Error fail(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), "external data: " + msg);
}

/// A relative path of plain components: no root, no `..`, no backslash or NUL.
bool isConfinedRelativePath(llvm::StringRef location) {
  if (location.empty() || llvm::sys::path::is_absolute(location) || location.contains('\\') ||
      location.contains('\0'))
    return false;
  for (auto it = llvm::sys::path::begin(location), end = llvm::sys::path::end(location); it != end; ++it)
    if (*it == "..")
      return false;
  return true;
}
} // namespace

llvm::Expected<llvm::StringRef> loadExternalData(const ::onnx::TensorProto &t, int64_t bytes,
                                                 ExternalDataStore &store) {
  std::string location;
  uint64_t offset = 0, length = bytes;
  bool hasLocation = false;
  for (const auto &kv : t.external_data()) {
    if (kv.key() == "location") {
      location = kv.value();
      hasLocation = true;
    } else if (kv.key() == "offset" || kv.key() == "length") {
      uint64_t v;
      if (llvm::StringRef(kv.value()).getAsInteger(10, v))
        return fail("'" + kv.key() + "' is not a number");
      (kv.key() == "offset" ? offset : length) = v;
    } else {
      return fail("unsupported key '" + kv.key() + "' (only location, offset and length)");
    }
  }
  if (!hasLocation)
    return fail("no location");
  if (!isConfinedRelativePath(location))
    return fail("location '" + location + "' must be a relative path inside the model's folder");
  llvm::SmallString<256> dirReal, path(store.modelDir), fileReal;
  llvm::sys::path::append(path, location);
  if (llvm::sys::fs::real_path(store.modelDir, dirReal) || llvm::sys::fs::real_path(path, fileReal))
    return fail("cannot open '" + location + "'");
  llvm::StringRef inside(fileReal);
  if (!inside.consume_front(dirReal) || !inside.starts_with(llvm::sys::path::get_separator()))
    return fail("'" + location + "' leads outside the model's folder");
  llvm::sys::fs::file_status st;
  if (llvm::sys::fs::status(fileReal, st) || st.type() != llvm::sys::fs::file_type::regular_file)
    return fail("'" + location + "' is not a regular file");
  if (st.getLinkCount() != 1)
    return fail("'" + location + "' has " + llvm::Twine(st.getLinkCount()) +
                " hard links (it could lead outside the model's folder)");
  if (length != (uint64_t)bytes)
    return fail("length " + llvm::Twine(length) + " differs from the tensor's " + llvm::Twine(bytes) +
                " bytes");
  if (offset > st.getSize() || length > st.getSize() - offset)
    return fail("offset " + llvm::Twine(offset) + " + length " + llvm::Twine(length) + " exceeds the " +
                llvm::Twine(st.getSize()) + " bytes of '" + location + "'");
  auto buffer = llvm::MemoryBuffer::getFileSlice(fileReal, length, offset, /*IsVolatile=*/false);
  if (!buffer)
    return fail("cannot read '" + location + "': " + buffer.getError().message());
  store.buffers.push_back(std::move(*buffer));
  return store.buffers.back()->getBuffer();
}

} // namespace onnxc
