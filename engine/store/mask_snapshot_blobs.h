#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ss {

// A mask snapshot as the store keeps it: one bit per weight, zlib-compressed, and the magnitudes of its active
// weights. One place encodes and decodes them, so the writer, the reader and the fuzz target agree on the format.
std::vector<uint8_t> encodeMaskBitmap(const std::vector<uint8_t>& flags);
// One byte per weight of a rows x cols layer; throws RunError naming `what` when the blob is damaged or the
// shape cannot be a layer's.
std::vector<uint8_t> decodeMaskBitmap(const std::vector<uint8_t>& blob, int64_t rows, int64_t cols,
                                      const std::string& what);

// |w| of a snapshot's active weights, for colouring the map: the largest as a float, then one byte per weight
// (its share of the largest, 0..255), zlib-compressed. A byte is all a colour scale resolves and keeps the
// snapshot's size near the bitmap's. An empty list encodes to an empty blob (the column's NULL).
std::vector<uint8_t> encodeMagnitudes(const std::vector<float>& magnitudes);
// `active` values; an empty blob gives an empty list (a snapshot from before magnitudes were kept). Throws
// RunError naming `what` when the blob is damaged or holds another count.
std::vector<float> decodeMagnitudes(const std::vector<uint8_t>& blob, int64_t active, const std::string& what);

}  // namespace ss
