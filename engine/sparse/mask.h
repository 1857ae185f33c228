#pragma once

#include <cstdint>
#include <vector>

namespace ss {

// Which weights of a layer are active: rows = outputs (filters), cols = inputs (C*k*k for a conv,
// with the k*k entries of one input channel's kernel consecutive), one byte per weight: for validating a
// scheme's shape, GMP's projection of a dense layer and masked-dense execution. Drawing and mutation work on
// ascending positions instead (sparse/unit_layout.h); the N:M, block and channel storage layouts are still built
// from a Mask (SparseWeights::fromPositions).
struct Mask {
  int rows = 0, cols = 0;
  std::vector<uint8_t> bits;  // row-major, 0 or 1

  Mask() = default;
  Mask(int r, int c, uint8_t value = 0) : rows(r), cols(c), bits(size_t(r) * size_t(c), value) {}
  bool at(int r, int c) const { return bits[size_t(r) * size_t(cols) + size_t(c)] != 0; }
  void set(int r, int c, bool on) { bits[size_t(r) * size_t(cols) + size_t(c)] = on ? 1 : 0; }
  int64_t size() const { return int64_t(rows) * cols; }
  int64_t activeCount() const;
  double density() const { return size() ? double(activeCount()) / double(size()) : 0.0; }
};

// A rows x cols mask with the given flat row-major positions active.
inline Mask maskAt(int rows, int cols, const std::vector<int64_t>& positions) {
  Mask mask(rows, cols);
  for (int64_t p : positions) mask.bits[size_t(p)] = 1;
  return mask;
}

// The flat row-major positions a mask keeps, ascending.
inline std::vector<int64_t> positionsOf(const Mask& mask) {
  std::vector<int64_t> positions;
  for (size_t i = 0; i < mask.bits.size(); ++i)
    if (mask.bits[i]) positions.push_back(int64_t(i));
  return positions;
}

inline int64_t Mask::activeCount() const {
  int64_t n = 0;
  for (uint8_t b : bits) n += b;
  return n;
}

}  // namespace ss
