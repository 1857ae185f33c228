// Position-coded masks (sparse/position_coding.h), as mask snapshots since store schema 5 keep them: the layer's
// entry count as a little-endian int64, then the blob. What decodes is ascending, inside the layer, and comes back
// the same when encoded again, in a form no larger than the other.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "fuzz_check.h"
#include "sparse/position_coding.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 8) return 0;
  int64_t entries = 0;
  std::memcpy(&entries, data, 8);
  const std::vector<uint8_t> blob(data + 8, data + size);
  expectOnlyReportedErrors([&] {
    const std::vector<int64_t> positions = ss::decodePositions(blob, entries, "fuzz positions");
    for (size_t i = 0; i < positions.size(); ++i)
      FUZZ_REQUIRE(positions[i] >= (i ? positions[i - 1] + 1 : 0) && positions[i] < entries);
    const std::vector<uint8_t> again = ss::encodePositions(positions, entries);
    FUZZ_REQUIRE(ss::decodePositions(again, entries, "re-encoded") == positions);
    const bool bitmap = ss::positionCodingOf(again, "re-encoded") == ss::PositionCoding::Bitmap;
    const int64_t bitmapBytes = ss::bitmapCodingBytes(int64_t(positions.size()), entries);
    const int64_t gapBytes = ss::gapCodingBytes(positions);
    FUZZ_REQUIRE(bitmap ? bitmapBytes < gapBytes : gapBytes <= bitmapBytes);
  });
  return 0;
}
