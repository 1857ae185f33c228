#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace ss {

// The two forms a list of positions is kept in: one bit per entry of the layer, or the gaps between
// consecutive positions as LEB128 varints. A bitmap costs size / 8 bytes whatever the density; the gaps cost
// about a byte or two per position, so below a density of roughly 1 in 8 they are the smaller.
enum class PositionCoding : uint8_t { Bitmap = 1, Gaps = 2 };

// The active entries of a layer of `size` entries, given as strictly ascending flat row-major positions, as a
// blob: a byte naming the form, then zlib around the position count and the smaller of the two forms (sizes
// compared before compression, since knowing the bitmap's compressed size means building it). The bitmap is
// built only when it is the smaller, so a sparse layer never costs a bit per entry, let alone a byte.
// Throws std::invalid_argument when the positions are not ascending or fall outside the layer.
std::vector<uint8_t> encodePositions(std::span<const int64_t> positions, int64_t size);

// The positions back, ascending. Throws RunError naming `what` when the blob is damaged: an unknown form, a
// count the data does not hold, positions out of the layer or not ascending, bytes cut short or left over.
std::vector<int64_t> decodePositions(const std::vector<uint8_t>& blob, int64_t size, const std::string& what);

// The form a blob was written in; throws RunError naming `what` for a blob that names neither.
PositionCoding positionCodingOf(const std::vector<uint8_t>& blob, const std::string& what);

// What each form would take before compression, the figures encodePositions compares.
int64_t bitmapCodingBytes(int64_t count, int64_t size);
int64_t gapCodingBytes(std::span<const int64_t> positions);

// The set bits of a bitmap of `size` entries, least significant bit of each byte first, as
// ascending positions. Throws RunError naming `what` when the bitmap is shorter than `size` bits or has bits
// set past them.
std::vector<int64_t> positionsOfSetBits(std::span<const uint8_t> bits, int64_t size, const std::string& what);

}  // namespace ss
