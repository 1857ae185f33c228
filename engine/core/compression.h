#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace ss {

// zlib around a byte array, with the raw size in front so inflating needs no guess. Checkpoints and mask
// bitmaps are stored this way. decompressBytes throws RunError naming `what` when the data is damaged.
std::vector<uint8_t> compressBytes(const std::vector<uint8_t>& raw);
std::vector<uint8_t> decompressBytes(std::span<const uint8_t> packed, const std::string& what);

// One bit per entry, least significant first: a mask of n weights in (n + 7) / 8 bytes.
std::vector<uint8_t> packBits(const std::vector<uint8_t>& flags);
std::vector<uint8_t> unpackBits(const std::vector<uint8_t>& bits, size_t count);

}  // namespace ss
