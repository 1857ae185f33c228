#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ss {

// A mask snapshot as the store keeps it: one bit per weight, zlib-compressed. One place encodes and decodes it,
// so the writer, the reader and the fuzz target agree on the format.
std::vector<uint8_t> encodeMaskBitmap(const std::vector<uint8_t>& flags);
// One byte per weight of a rows x cols layer; throws RunError naming `what` when the blob is damaged or the
// shape cannot be a layer's.
std::vector<uint8_t> decodeMaskBitmap(const std::vector<uint8_t>& blob, int64_t rows, int64_t cols,
                                      const std::string& what);

}  // namespace ss
