// Checkpoints as the store keeps them once inflated: whatever decodes must encode to bytes that decode again to
// the same checkpoint, since resume trusts a checkpoint to be exactly what was saved.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "fuzz_check.h"
#include "train/checkpoint.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<uint8_t> bytes(data, data + size);
  expectOnlyReportedErrors([&] {
    const std::vector<uint8_t> encoded = ss::encodeCheckpoint(ss::decodeCheckpoint(bytes, "fuzz checkpoint"));
    FUZZ_REQUIRE(ss::encodeCheckpoint(ss::decodeCheckpoint(encoded, "re-encoded checkpoint")) == encoded);
  });
  return 0;
}
