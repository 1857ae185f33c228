#include "core/compression.h"

#include <zlib.h>

#include <cstring>

#include "core/error.h"

namespace ss {

namespace {
constexpr size_t kHeader = sizeof(uint64_t);
}

std::vector<uint8_t> compressBytes(const std::vector<uint8_t>& raw) {
  uLongf packedSize = compressBound(uLong(raw.size()));
  std::vector<uint8_t> out(kHeader + packedSize);
  const uint64_t rawSize = raw.size();
  std::memcpy(out.data(), &rawSize, kHeader);
  // Level 1: checkpoints of float weights barely compress further, and the writer thread should keep up.
  const int rc = compress2(out.data() + kHeader, &packedSize, raw.data(), uLong(raw.size()), 1);
  if (rc != Z_OK)
    throw RunError("cannot compress " + std::to_string(raw.size()) + " bytes: zlib error " + std::to_string(rc));
  out.resize(kHeader + packedSize);
  return out;
}

std::vector<uint8_t> decompressBytes(std::span<const uint8_t> packed, const std::string& what) {
  if (packed.size() < kHeader) throw RunError(what + ": damaged (shorter than its size header)");
  uint64_t rawSize = 0;
  std::memcpy(&rawSize, packed.data(), kHeader);
  // zlib cannot expand data more than about 1032:1; a larger claim is a damaged header.
  if (rawSize > 1100 * (packed.size() - kHeader) + 64)
    throw RunError(what + ": damaged (claims " + std::to_string(rawSize) + " bytes from " +
                   std::to_string(packed.size()) + ")");
  std::vector<uint8_t> raw(rawSize);
  uLongf size = uLongf(rawSize);
  const int rc = uncompress(raw.data(), &size, packed.data() + kHeader, uLong(packed.size() - kHeader));
  if (rc != Z_OK || size != rawSize)
    throw RunError(what + ": damaged (" + (rc == Z_OK ? "wrong size" : std::string(zError(rc))) + ")");
  return raw;
}

}  // namespace ss
