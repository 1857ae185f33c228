// Mask snapshots as stores before schema 5 kept them: the layer's rows and cols as the store's columns give them
// (two little-endian int32s), then the compressed bitmap blob, read as positions and written again in today's
// form; and the same blob read as the snapshot's magnitudes, with rows as its active count.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "fuzz_check.h"
#include "store/mask_snapshot_blobs.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 8) return 0;
  int32_t rows = 0, cols = 0;
  std::memcpy(&rows, data, 4);
  std::memcpy(&cols, data + 4, 4);
  const std::vector<uint8_t> blob(data + 8, data + size);
  expectOnlyReportedErrors([&] {
    using ss::SnapshotMaskFormat;
    const std::vector<int64_t> positions =
        ss::decodeSnapshotMask(blob, SnapshotMaskFormat::Bitmap, rows, cols, "fuzz mask snapshot");
    FUZZ_REQUIRE(std::is_sorted(positions.begin(), positions.end()));
    FUZZ_REQUIRE(positions.empty() || (positions.front() >= 0 && positions.back() < int64_t(rows) * int64_t(cols)));
    const std::vector<uint8_t> again = ss::encodeSnapshotMask(positions, rows, cols);
    FUZZ_REQUIRE(ss::decodeSnapshotMask(again, SnapshotMaskFormat::Positions, rows, cols, "re-encoded") == positions);
  });
  expectOnlyReportedErrors([&] {
    const std::vector<float> magnitudes = ss::decodeMagnitudes(blob, rows, "fuzz magnitudes");
    FUZZ_REQUIRE(magnitudes.empty() || magnitudes.size() == size_t(rows));
    for (float m : magnitudes) FUZZ_REQUIRE(m >= 0.0f);
  });
  return 0;
}
