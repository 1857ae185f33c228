#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ss {

// The blobs of a stored mask snapshot: its mask and the magnitudes of its active weights. One place encodes and
// decodes them, so the writer, the reader and the fuzz targets agree on the formats.

// How a row's mask blob is written, as the mask_snapshots.mask_format column names it. Since store schema 5 a
// snapshot is its active positions (sparse/position_coding.h), a few bytes per active weight; rows written before
// hold one bit per weight, zlib-compressed, which for a large sparse layer is hundreds of times more.
enum class SnapshotMaskFormat { Bitmap, Positions };
const char* toString(SnapshotMaskFormat format);  // "bitmap" | "positions"
// Throws RunError naming `what` for another name.
SnapshotMaskFormat snapshotMaskFormatFromString(const std::string& name, const std::string& what);

// What the store writes for a snapshot's ascending flat positions: always SnapshotMaskFormat::Positions.
std::vector<uint8_t> encodeSnapshotMask(const std::vector<int64_t>& positions, int64_t rows, int64_t cols);
// The active positions of a rows x cols layer, ascending, from a blob of either format; throws RunError naming
// `what` when the blob is damaged or the shape cannot be a layer's.
std::vector<int64_t> decodeSnapshotMask(const std::vector<uint8_t>& blob, SnapshotMaskFormat format, int64_t rows,
                                        int64_t cols, const std::string& what);

// |w| of a snapshot's active weights, for colouring the map: the largest as a float, then one byte per weight
// (its share of the largest, 0..255), zlib-compressed. A byte is all a colour scale resolves and keeps the
// snapshot's size near its mask's. An empty list encodes to an empty blob (the column's NULL).
std::vector<uint8_t> encodeMagnitudes(const std::vector<float>& magnitudes);
// `active` values; an empty blob gives an empty list (a snapshot from before magnitudes were kept). Throws
// RunError naming `what` when the blob is damaged or holds another count.
std::vector<float> decodeMagnitudes(const std::vector<uint8_t>& blob, int64_t active, const std::string& what);

}  // namespace ss
