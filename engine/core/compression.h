#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/chunked_bytes.h"

namespace ss {

// zlib around a byte array, with the raw size in front so inflating needs no guess. Checkpoints and mask
// snapshots are stored this way. decompressBytes throws RunError naming `what` when the data is damaged.
std::vector<uint8_t> compressBytes(const std::vector<uint8_t>& raw);
// The same format as compressBytes, made as a stream: each piece of `raw` is freed once deflated and the output grows a
// piece at a time, so compressing a checkpoint holds it about once instead of as input, compressBound-sized output
// and the copy that trims it.
ChunkedBytes compressChunks(ChunkedBytes raw);
std::vector<uint8_t> decompressBytes(std::span<const uint8_t> packed, const std::string& what);

}  // namespace ss
