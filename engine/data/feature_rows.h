#pragma once

#include <Eigen/Core>
#include <array>
#include <cstdint>
#include <span>
#include <vector>

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
//
// A row is `channels` equal runs of columns, one per channel (an image's colour planes in CHW order; a grey image or
// a flat row is one channel). Byte rows keep a table per channel, so each channel can be scaled on its own: colour
// images are standardised with each channel's own mean and deviation, and the bytes stay as they are.
class FeatureRows {
 public:
  FeatureRows() = default;
  // Throws std::invalid_argument unless the columns split into `channels` equal runs.
  explicit FeatureRows(Matrix values, int channels = 1);
  // Every channel starts with the same table.
  FeatureRows(ByteMatrix bytes, const ByteValues& values, int channels = 1);

  int64_t rows() const { return holdsBytes_ ? int64_t(bytes_.rows()) : int64_t(floats_.rows()); }
  int64_t cols() const { return holdsBytes_ ? int64_t(bytes_.cols()) : int64_t(floats_.cols()); }
  bool holdsBytes() const { return holdsBytes_; }
  int channels() const { return channels_; }
  int64_t channelWidth() const { return cols() / channels_; }  // columns of each channel

  // Writes the listed rows, in the list's order, as the rows of out, which must be rows.size() x cols().
  // Callers check the row numbers; this is the copy at the heart of every batch.
  void copyRows(std::span<const int64_t> rows, Eigen::Ref<Matrix> out) const;
  // One value, for the odd look-up (a point of a 2-D set); loops over many rows use copyRows.
  float value(int64_t row, int64_t col) const;

  // A byte row's pixels and the tables that turn them into floats, one per channel, for copies that move pixels
  // about (augmentation); only for byte rows.
  const uint8_t* byteRow(int64_t row) const { return bytes_.row(Eigen::Index(row)).data(); }
  const std::vector<ByteValues>& byteValues() const { return byteValues_; }

  // Replaces every value v of the channel's columns with f(v). Byte rows apply f to the channel's table, which gives
  // each stored byte the float f gives its old value, exactly as if f had run over a float copy of the rows.
  template <class F>
  void transformChannel(int channel, F f);

  // The listed rows, in the list's order, in the same form (a subset of byte rows is byte rows).
  FeatureRows subset(std::span<const int64_t> rows) const;

  // The memory the values take: the rows in their stored form, and the byte table.
  int64_t residentBytes() const;

 private:
  void checkChannel(int channel) const;

  bool holdsBytes_ = false;
  int channels_ = 1;
  Matrix floats_;
  ByteMatrix bytes_;
  std::vector<ByteValues> byteValues_;  // one per channel; byte rows only
};

template <class F>
void FeatureRows::transformChannel(int channel, F f) {
  checkChannel(channel);
  if (holdsBytes_) {
    for (float& v : byteValues_[size_t(channel)]) v = f(v);
    return;
  }
  const int64_t width = channelWidth();
  for (Eigen::Index r = 0; r < floats_.rows(); ++r) {
    float* values = floats_.row(r).data() + channel * width;
    for (int64_t i = 0; i < width; ++i) values[i] = f(values[i]);
  }
}

}  // namespace ss
