#pragma once

#include <Eigen/Core>
#include <array>
#include <cstdint>
#include <span>

#include "core/tensor.h"

namespace ss {

// Pixels as an image file stores them, one example per row.
using ByteMatrix = Eigen::Matrix<uint8_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
// The float that each of the 256 byte values stands for.
using ByteValues = std::array<float, 256>;

// The feature values of a set's examples, one row per example, kept in the form they came in: float rows (CSV,
// synthetic sets) or byte rows (images) with a table of the float each byte value stands for. Byte rows take a
// quarter of the memory (Fashion-MNIST's 70,000 images: 55 MB instead of 219 MB); scaling and normalising them
// rewrites the table, not the bytes, and a row becomes floats only when it is copied out into a batch. Readers of
// the values cannot tell the two forms apart: both give the same floats through the same calls.
class FeatureRows {
 public:
  FeatureRows() = default;
  explicit FeatureRows(Matrix values);
  FeatureRows(ByteMatrix bytes, const ByteValues& values);

  int64_t rows() const { return holdsBytes_ ? int64_t(bytes_.rows()) : int64_t(floats_.rows()); }
  int64_t cols() const { return holdsBytes_ ? int64_t(bytes_.cols()) : int64_t(floats_.cols()); }
  bool holdsBytes() const { return holdsBytes_; }

  // Writes the listed rows, in the list's order, as the rows of out, which must be rows.size() x cols().
  // Callers check the row numbers; this is the copy at the heart of every batch.
  void copyRows(std::span<const int64_t> rows, Eigen::Ref<Matrix> out) const;
  // One value, for the odd look-up (a point of a 2-D set); loops over many rows use copyRows.
  float value(int64_t row, int64_t col) const;

  // A byte row's pixels and the table that turns them into floats, for copies that move pixels about (augmentation);
  // only for byte rows.
  const uint8_t* byteRow(int64_t row) const { return bytes_.row(Eigen::Index(row)).data(); }
  const ByteValues& byteValues() const { return byteValues_; }

  // Replaces every value v with f(v). Byte rows apply f to their table, which gives each stored byte the float f
  // gives its old value, exactly as if f had run over a float copy of the rows.
  template <class F>
  void transformValues(F f);

  // The listed rows, in the list's order, in the same form (a subset of byte rows is byte rows).
  FeatureRows subset(std::span<const int64_t> rows) const;

  // The memory the values take: the rows in their stored form, and the byte table.
  int64_t residentBytes() const;

 private:
  bool holdsBytes_ = false;
  Matrix floats_;
  ByteMatrix bytes_;
  ByteValues byteValues_{};
};

template <class F>
void FeatureRows::transformValues(F f) {
  if (holdsBytes_) {
    for (float& v : byteValues_) v = f(v);
  } else {
    float* values = floats_.data();
    for (Eigen::Index i = 0; i < floats_.size(); ++i) values[i] = f(values[i]);
  }
}

}  // namespace ss
