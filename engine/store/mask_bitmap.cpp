#include "store/mask_bitmap.h"

#include "core/compression.h"
#include "core/error.h"

namespace ss {

std::vector<uint8_t> encodeMaskBitmap(const std::vector<uint8_t>& flags) {
  return compressBytes(packBits(flags));
}

std::vector<uint8_t> decodeMaskBitmap(const std::vector<uint8_t>& blob, int64_t rows, int64_t cols,
                                      const std::string& what) {
  // Checked before multiplying: negative sizes would wrap into a count the bitmap might seem to hold.
  if (rows < 0 || cols < 0 || (rows > 0 && cols > INT64_MAX / rows))
    throw RunError(what + ": damaged (layer shape " + std::to_string(rows) + "x" + std::to_string(cols) + ")");
  const std::vector<uint8_t> bits = decompressBytes(blob, what);
  return unpackBits(bits, size_t(rows) * size_t(cols));
}

}  // namespace ss
