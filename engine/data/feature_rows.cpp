#include "data/feature_rows.h"

#include <stdexcept>
#include <string>
#include <utility>

namespace ss {

FeatureRows::FeatureRows(Matrix values) : floats_(std::move(values)) {}

FeatureRows::FeatureRows(ByteMatrix bytes, const ByteValues& values)
    : holdsBytes_(true), bytes_(std::move(bytes)), byteValues_(values) {}

void FeatureRows::copyRows(std::span<const int64_t> rows, Eigen::Ref<Matrix> out) const {
  if (out.rows() != Eigen::Index(rows.size()) || out.cols() != cols()) {
    throw std::invalid_argument("FeatureRows::copyRows: " + std::to_string(rows.size()) + " rows of " +
                                std::to_string(cols()) + " values do not fit a " + std::to_string(out.rows()) + "x" +
                                std::to_string(out.cols()) + " matrix");
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    if (holdsBytes_) {
      const uint8_t* in = bytes_.row(Eigen::Index(rows[i])).data();
      float* to = out.row(Eigen::Index(i)).data();
      for (Eigen::Index c = 0; c < bytes_.cols(); ++c) to[c] = byteValues_[in[c]];
    } else {
      out.row(Eigen::Index(i)) = floats_.row(Eigen::Index(rows[i]));
    }
  }
}

float FeatureRows::value(int64_t row, int64_t col) const {
  return holdsBytes_ ? byteValues_[bytes_(Eigen::Index(row), Eigen::Index(col))]
                     : floats_(Eigen::Index(row), Eigen::Index(col));
}

FeatureRows FeatureRows::subset(std::span<const int64_t> rows) const {
  FeatureRows out;
  out.holdsBytes_ = holdsBytes_;
  out.byteValues_ = byteValues_;
  if (holdsBytes_) {
    out.bytes_.resize(Eigen::Index(rows.size()), bytes_.cols());
    for (size_t i = 0; i < rows.size(); ++i) out.bytes_.row(Eigen::Index(i)) = bytes_.row(Eigen::Index(rows[i]));
  } else {
    out.floats_.resize(Eigen::Index(rows.size()), floats_.cols());
    copyRows(rows, out.floats_);
  }
  return out;
}

int64_t FeatureRows::residentBytes() const {
  return holdsBytes_ ? int64_t(bytes_.size()) + int64_t(sizeof(ByteValues))
                     : int64_t(floats_.size()) * int64_t(sizeof(float));
}

}  // namespace ss
