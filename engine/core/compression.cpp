#include "core/compression.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>

#include "core/error.h"

namespace ss {

namespace {
constexpr size_t kHeader = sizeof(uint64_t);
// Level 1: checkpoints of float weights barely compress further, and the writer thread should keep up.
constexpr int kLevel = 1;

[[noreturn]] void compressionFailed(size_t size, int rc) {
  throw RunError("cannot compress " + std::to_string(size) + " bytes: zlib error " + std::to_string(rc));
}

// Deflates into pieces of ChunkedBytes::kChunkBytes. A piece is the buffer of an input piece already deflated
// whenever there is one: the writer thread compresses what the trainer thread allocated, and glibc gives each thread
// its own arena, so output allocated afresh could not reuse the input's freed memory and the process would hold the
// checkpoint about twice.
class PieceDeflater {
 public:
  explicit PieceDeflater(uint64_t rawSize) : rawSize_(rawSize) {
    if (const int rc = deflateInit(&z_, kLevel); rc != Z_OK) compressionFailed(rawSize_, rc);
    piece_.resize(ChunkedBytes::kChunkBytes);
    std::memcpy(piece_.data(), &rawSize, kHeader);
    used_ = kHeader;
  }
  ~PieceDeflater() { deflateEnd(&z_); }
  PieceDeflater(const PieceDeflater&) = delete;
  PieceDeflater& operator=(const PieceDeflater&) = delete;

  // Deflates `input` and keeps its buffer for output to come.
  void take(std::vector<uint8_t> input) {
    // zlib counts input in 32-bit units: a piece that came in whole (ChunkedBytes(vector)) goes in slices.
    for (size_t offset = 0; offset < input.size();) {
      const size_t n = std::min<size_t>(input.size() - offset, size_t(1) << 30);
      z_.next_in = input.data() + offset;
      z_.avail_in = uInt(n);
      run(Z_NO_FLUSH);
      offset += n;
    }
    input.clear();
    spare_.push_back(std::move(input));
  }

  ChunkedBytes finish() && {
    run(Z_FINISH);
    piece_.resize(used_);
    out_.appendPiece(std::move(piece_));
    return std::move(out_);
  }

 private:
  void run(int flush) {
    for (;;) {
      z_.next_out = piece_.data() + used_;
      z_.avail_out = uInt(piece_.size() - used_);
      const int rc = deflate(&z_, flush);
      if (rc == Z_STREAM_ERROR) compressionFailed(rawSize_, rc);
      used_ = piece_.size() - z_.avail_out;
      if (used_ == piece_.size()) {
        out_.appendPiece(std::move(piece_));
        piece_ = nextBuffer();
        used_ = 0;
        continue;
      }
      if (flush == Z_FINISH ? rc == Z_STREAM_END : z_.avail_in == 0) return;
    }
  }

  std::vector<uint8_t> nextBuffer() {
    std::vector<uint8_t> buffer;
    if (!spare_.empty()) {
      buffer = std::move(spare_.back());
      spare_.pop_back();
    }
    buffer.resize(ChunkedBytes::kChunkBytes);
    return buffer;
  }

  uint64_t rawSize_;
  z_stream z_{};
  std::vector<uint8_t> piece_;
  size_t used_ = 0;
  std::vector<std::vector<uint8_t>> spare_;
  ChunkedBytes out_;
};
}

std::vector<uint8_t> compressBytes(const std::vector<uint8_t>& raw) {
  uLongf packedSize = compressBound(uLong(raw.size()));
  std::vector<uint8_t> out(kHeader + packedSize);
  const uint64_t rawSize = raw.size();
  std::memcpy(out.data(), &rawSize, kHeader);
  const int rc = compress2(out.data() + kHeader, &packedSize, raw.data(), uLong(raw.size()), kLevel);
  if (rc != Z_OK) compressionFailed(raw.size(), rc);
  out.resize(kHeader + packedSize);
  return out;
}

ChunkedBytes compressChunks(ChunkedBytes raw) {
  PieceDeflater deflater(raw.size());
  for (std::vector<uint8_t>& piece : std::move(raw).takeChunks()) deflater.take(std::move(piece));
  return std::move(deflater).finish();
}

std::vector<uint8_t> decompressBytes(std::span<const uint8_t> packed, const std::string& what) {
  if (packed.size() < kHeader) throw RunError(what + ": damaged (shorter than its size header)");
  uint64_t rawSize = 0;
  std::memcpy(&rawSize, packed.data(), kHeader);
  // zlib cannot expand data more than about 1032:1; a larger claim is a damaged header.
  if (rawSize > 1100 * (packed.size() - kHeader) + 64)
    throw RunError(what + ": damaged (claims " + std::to_string(rawSize) + " bytes from " +
                   std::to_string(packed.size()) + ")");
  std::vector<uint8_t> raw(rawSize);
  uLongf size = uLongf(rawSize);
  const int rc = uncompress(raw.data(), &size, packed.data() + kHeader, uLong(packed.size() - kHeader));
  if (rc != Z_OK || size != rawSize)
    throw RunError(what + ": damaged (" + (rc == Z_OK ? "wrong size" : std::string(zError(rc))) + ")");
  return raw;
}

}  // namespace ss
