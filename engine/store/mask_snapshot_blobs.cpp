#include "store/mask_snapshot_blobs.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/compression.h"
#include "core/error.h"
#include "sparse/position_coding.h"

namespace ss {

namespace {
int64_t layerSize(int64_t rows, int64_t cols, const std::string& what) {
  // Checked before multiplying: negative sizes would wrap into a count the blob might seem to hold.
  if (rows < 0 || cols < 0 || (rows > 0 && cols > INT64_MAX / rows))
    throw RunError(what + ": damaged (layer shape " + std::to_string(rows) + "x" + std::to_string(cols) + ")");
  return rows * cols;
}
}  // namespace

const char* toString(SnapshotMaskFormat format) {
  return format == SnapshotMaskFormat::Bitmap ? "bitmap" : "positions";
}

SnapshotMaskFormat snapshotMaskFormatFromString(const std::string& name, const std::string& what) {
  if (name == "bitmap") return SnapshotMaskFormat::Bitmap;
  if (name == "positions") return SnapshotMaskFormat::Positions;
  throw RunError(what + ": damaged (unknown mask format '" + name + "')");
}

std::vector<uint8_t> encodeSnapshotMask(const std::vector<int64_t>& positions, int64_t rows, int64_t cols) {
  return encodePositions(positions, rows * cols);
}

std::vector<int64_t> decodeSnapshotMask(const std::vector<uint8_t>& blob, SnapshotMaskFormat format, int64_t rows,
                                        int64_t cols, const std::string& what) {
  const int64_t size = layerSize(rows, cols, what);
  if (format == SnapshotMaskFormat::Positions) return decodePositions(blob, size, what);
  return positionsOfSetBits(decompressBytes(blob, what), size, what);
}

std::vector<uint8_t> encodeMagnitudes(const std::vector<float>& magnitudes) {
  if (magnitudes.empty()) return {};
  float largest = 0.0f;
  for (float m : magnitudes)
    if (std::isfinite(m)) largest = std::max(largest, std::abs(m));
  std::vector<uint8_t> raw(sizeof(float) + magnitudes.size());
  std::memcpy(raw.data(), &largest, sizeof(float));
  for (size_t i = 0; i < magnitudes.size(); ++i) {
    const float m = std::abs(magnitudes[i]);
    // A diverged weight (not finite) shows at the top of the scale rather than as an inactive cell.
    const float share = !std::isfinite(m) ? 1.0f : largest > 0.0f ? m / largest : 0.0f;
    raw[sizeof(float) + i] = uint8_t(std::lround(std::clamp(share, 0.0f, 1.0f) * 255.0f));
  }
  return compressBytes(raw);
}

std::vector<float> decodeMagnitudes(const std::vector<uint8_t>& blob, int64_t active, const std::string& what) {
  if (blob.empty()) return {};
  const std::vector<uint8_t> raw = decompressBytes(blob, what + " (magnitudes)");
  if (active < 0 || raw.size() < sizeof(float) || raw.size() - sizeof(float) != uint64_t(active))
    throw RunError(what + ": damaged magnitudes (" + std::to_string(raw.size()) + " bytes for " +
                   std::to_string(active) + " active weights)");
  float largest = 0.0f;
  std::memcpy(&largest, raw.data(), sizeof(float));
  if (!std::isfinite(largest) || largest < 0.0f) throw RunError(what + ": damaged magnitudes (scale)");
  std::vector<float> magnitudes(static_cast<size_t>(active));
  for (size_t i = 0; i < magnitudes.size(); ++i) magnitudes[i] = float(raw[sizeof(float) + i]) / 255.0f * largest;
  return magnitudes;
}

}  // namespace ss
