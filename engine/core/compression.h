#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace ss {

// zlib around a byte array, with the raw size in front so inflating needs no guess. Checkpoints and mask
// snapshots are stored this way. decompressBytes throws RunError naming `what` when the data is damaged.
std::vector<uint8_t> compressBytes(const std::vector<uint8_t>& raw);
std::vector<uint8_t> decompressBytes(std::span<const uint8_t> packed, const std::string& what);

}  // namespace ss
