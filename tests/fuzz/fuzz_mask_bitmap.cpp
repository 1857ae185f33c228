// Stored mask snapshots: the layer's rows and cols as the store's columns give them (two little-endian int32s),
// then the compressed bitmap blob; the same blob read as the snapshot's magnitudes, with rows as its active count.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "fuzz_check.h"
#include "store/mask_bitmap.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 8) return 0;
  int32_t rows = 0, cols = 0;
  std::memcpy(&rows, data, 4);
  std::memcpy(&cols, data + 4, 4);
  const std::vector<uint8_t> blob(data + 8, data + size);
  expectOnlyReportedErrors([&] {
    const std::vector<uint8_t> flags = ss::decodeMaskBitmap(blob, rows, cols, "fuzz mask snapshot");
    FUZZ_REQUIRE(flags.size() == size_t(rows) * size_t(cols));
    FUZZ_REQUIRE(ss::decodeMaskBitmap(ss::encodeMaskBitmap(flags), rows, cols, "re-encoded") == flags);
  });
  expectOnlyReportedErrors([&] {
    const std::vector<float> magnitudes = ss::decodeMagnitudes(blob, rows, "fuzz magnitudes");
    FUZZ_REQUIRE(magnitudes.empty() || magnitudes.size() == size_t(rows));
    for (float m : magnitudes) FUZZ_REQUIRE(m >= 0.0f);
  });
  return 0;
}
