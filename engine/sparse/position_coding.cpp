#include "sparse/position_coding.h"

#include <bit>
#include <stdexcept>

#include "core/compression.h"
#include "core/error.h"

namespace ss {

namespace {

constexpr size_t kMaxVarintBytes = 10;  // 64 bits at 7 per byte

int varintLength(uint64_t v) {
  int n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

void putVarint(std::vector<uint8_t>& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(uint8_t(v) | 0x80);
    v >>= 7;
  }
  out.push_back(uint8_t(v));
}

// Reads what one varint holds from bytes[at..], moving `at` past it.
class VarintReader {
 public:
  VarintReader(const std::vector<uint8_t>& bytes, const std::string& what) : bytes_(bytes), what_(what) {}

  uint64_t next(const char* item) {
    uint64_t v = 0;
    for (size_t i = 0; i < kMaxVarintBytes; ++i) {
      if (at_ == bytes_.size()) throw RunError(what_ + ": damaged (cut short in " + item + ")");
      const uint8_t b = bytes_[at_++];
      // The tenth byte holds only the 64th bit; more would not fit.
      if (i == kMaxVarintBytes - 1 && b > 1) break;
      v |= uint64_t(b & 0x7f) << (7 * i);
      if (!(b & 0x80)) return v;
    }
    throw RunError(what_ + ": damaged (" + item + " does not fit 64 bits)");
  }
  size_t left() const { return bytes_.size() - at_; }
  size_t at() const { return at_; }

 private:
  const std::vector<uint8_t>& bytes_;
  const std::string& what_;
  size_t at_ = 0;
};

// Bytes of a bitmap of `size` entries; written so that a size near INT64_MAX (a damaged blob's) cannot overflow.
int64_t bitmapBytesFor(int64_t size) {
  return size / 8 + (size % 8 != 0);
}

// A gap is the number of entries skipped since the previous position (from just before entry 0 for the first),
// so consecutive positions cost one zero byte each.
uint64_t gapBefore(int64_t position, int64_t previous) {
  return uint64_t(position - previous - 1);
}

void checkAscendingWithin(std::span<const int64_t> positions, int64_t size) {
  if (size < 0) throw std::invalid_argument("encodePositions: a layer of " + std::to_string(size) + " entries");
  int64_t previous = -1;
  for (size_t i = 0; i < positions.size(); ++i) {
    if (positions[i] <= previous || positions[i] >= size)
      throw std::invalid_argument("encodePositions: position " + std::to_string(positions[i]) + " at index " +
                                  std::to_string(i) +
                                  (positions[i] >= size ? " is outside a layer of " + std::to_string(size) + " entries"
                                                        : " does not follow " + std::to_string(previous)));
    previous = positions[i];
  }
}

std::vector<uint8_t> bitmapBody(std::span<const int64_t> positions, int64_t size) {
  std::vector<uint8_t> raw;
  raw.reserve(size_t(bitmapCodingBytes(int64_t(positions.size()), size)));
  putVarint(raw, positions.size());
  const size_t header = raw.size();
  raw.resize(header + size_t(bitmapBytesFor(size)), 0);
  for (int64_t p : positions) raw[header + size_t(p / 8)] |= uint8_t(1u << (p % 8));
  return raw;
}

std::vector<uint8_t> gapBody(std::span<const int64_t> positions) {
  std::vector<uint8_t> raw;
  raw.reserve(size_t(gapCodingBytes(positions)));
  putVarint(raw, positions.size());
  int64_t previous = -1;
  for (int64_t p : positions) {
    putVarint(raw, gapBefore(p, previous));
    previous = p;
  }
  return raw;
}

std::vector<int64_t> readGaps(VarintReader& in, uint64_t count, int64_t size, const std::string& what) {
  // Every gap takes at least a byte: a larger count cannot be what the bytes hold (and must not size the list).
  if (count > in.left())
    throw RunError(what + ": damaged (claims " + std::to_string(count) + " positions in " + std::to_string(in.left()) +
                   " bytes)");
  std::vector<int64_t> positions;
  positions.reserve(size_t(count));
  int64_t previous = -1;
  for (uint64_t i = 0; i < count; ++i) {
    const uint64_t gap = in.next("a gap");
    // Compared before adding: a huge gap would wrap past the layer's end into a small position.
    if (gap >= uint64_t(size - previous - 1))
      throw RunError(what + ": damaged (position " + std::to_string(i) + " lies past the layer's " +
                     std::to_string(size) + " entries)");
    previous += int64_t(gap) + 1;
    positions.push_back(previous);
  }
  if (in.left() != 0)
    throw RunError(what + ": damaged (" + std::to_string(in.left()) + " bytes after the last of " +
                   std::to_string(count) + " positions)");
  return positions;
}

std::vector<int64_t> readBitmap(const std::vector<uint8_t>& raw, size_t header, uint64_t count, int64_t size,
                                const std::string& what) {
  const uint64_t expected = uint64_t(bitmapBytesFor(size));
  if (raw.size() - header != expected)
    throw RunError(what + ": damaged (a bitmap of " + std::to_string(raw.size() - header) + " bytes for " +
                   std::to_string(size) + " entries)");
  if (count > uint64_t(size))
    throw RunError(what + ": damaged (claims " + std::to_string(count) + " positions in a layer of " +
                   std::to_string(size) + ")");
  std::vector<int64_t> positions = positionsOfSetBits(std::span(raw).subspan(header), size, what);
  if (positions.size() != count)
    throw RunError(what + ": damaged (a bitmap of " + std::to_string(positions.size()) + " positions claims " +
                   std::to_string(count) + ")");
  return positions;
}

}  // namespace

int64_t bitmapCodingBytes(int64_t count, int64_t size) {
  return varintLength(uint64_t(count)) + bitmapBytesFor(size);
}

int64_t gapCodingBytes(std::span<const int64_t> positions) {
  int64_t bytes = varintLength(positions.size());
  int64_t previous = -1;
  for (int64_t p : positions) {
    bytes += varintLength(gapBefore(p, previous));
    previous = p;
  }
  return bytes;
}

std::vector<uint8_t> encodePositions(std::span<const int64_t> positions, int64_t size) {
  checkAscendingWithin(positions, size);
  const bool bitmap = bitmapCodingBytes(int64_t(positions.size()), size) < gapCodingBytes(positions);
  const std::vector<uint8_t> packed = compressBytes(bitmap ? bitmapBody(positions, size) : gapBody(positions));
  std::vector<uint8_t> blob;
  blob.reserve(1 + packed.size());
  blob.push_back(uint8_t(bitmap ? PositionCoding::Bitmap : PositionCoding::Gaps));
  blob.insert(blob.end(), packed.begin(), packed.end());
  return blob;
}

PositionCoding positionCodingOf(const std::vector<uint8_t>& blob, const std::string& what) {
  if (blob.empty()) throw RunError(what + ": damaged (empty)");
  const auto coding = PositionCoding(blob[0]);
  if (coding != PositionCoding::Bitmap && coding != PositionCoding::Gaps)
    throw RunError(what + ": damaged (unknown position coding " + std::to_string(int(blob[0])) + ")");
  return coding;
}

std::vector<int64_t> decodePositions(const std::vector<uint8_t>& blob, int64_t size, const std::string& what) {
  if (size < 0) throw RunError(what + ": damaged (a layer of " + std::to_string(size) + " entries)");
  const PositionCoding coding = positionCodingOf(blob, what);
  const std::vector<uint8_t> raw = decompressBytes(std::span(blob).subspan(1), what);
  VarintReader in(raw, what);
  const uint64_t count = in.next("the position count");
  return coding == PositionCoding::Gaps ? readGaps(in, count, size, what) : readBitmap(raw, in.at(), count, size, what);
}

std::vector<int64_t> positionsOfSetBits(std::span<const uint8_t> bits, int64_t size, const std::string& what) {
  if (size < 0 || uint64_t(bits.size()) < (uint64_t(size) + 7) / 8)
    throw RunError(what + ": damaged (a bitmap of " + std::to_string(bits.size()) + " bytes cannot hold " +
                   std::to_string(size) + " entries)");
  std::vector<int64_t> positions;
  // Eight bytes at a time, so a sparse bitmap costs a test per 64 entries rather than one per entry.
  for (size_t word = 0; word * 8 < bits.size(); ++word) {
    uint64_t v = 0;
    for (size_t b = 0; b < 8 && word * 8 + b < bits.size(); ++b) v |= uint64_t(bits[word * 8 + b]) << (8 * b);
    while (v) {
      const int64_t p = int64_t(word * 64) + std::countr_zero(v);
      if (p >= size)
        throw RunError(what + ": damaged (a bit set at " + std::to_string(p) + ", past the layer's " +
                       std::to_string(size) + " entries)");
      positions.push_back(p);
      v &= v - 1;
    }
  }
  return positions;
}

}  // namespace ss
