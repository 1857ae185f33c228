#include "data/feature_rows.h"

#include <stdexcept>
#include <string>
#include <utility>

namespace ss {

namespace {

void checkChannelSplit(int64_t cols, int channels) {
  if (channels < 1 || cols % channels != 0)
    throw std::invalid_argument("FeatureRows: " + std::to_string(cols) + " values per row do not split into " +
                                std::to_string(channels) + " equal channels");
}

}  // namespace

FeatureRows::FeatureRows(Matrix values, int channels) : channels_(channels), floats_(std::move(values)) {
  checkChannelSplit(floats_.cols(), channels);
}

FeatureRows::FeatureRows(ByteMatrix bytes, const ByteValues& values, int channels)
    : holdsBytes_(true), channels_(channels), bytes_(std::move(bytes)) {
  checkChannelSplit(bytes_.cols(), channels);
  byteValues_.assign(size_t(channels), values);
}

void FeatureRows::checkChannel(int channel) const {
  if (channel < 0 || channel >= channels_)
    throw std::out_of_range("FeatureRows: channel " + std::to_string(channel) + " of " + std::to_string(channels_));
}

void FeatureRows::copyRows(std::span<const int64_t> rows, Eigen::Ref<Matrix> out) const {
  if (out.rows() != Eigen::Index(rows.size()) || out.cols() != cols()) {
    throw std::invalid_argument("FeatureRows::copyRows: " + std::to_string(rows.size()) + " rows of " +
                                std::to_string(cols()) + " values do not fit a " + std::to_string(out.rows()) + "x" +
                                std::to_string(out.cols()) + " matrix");
  }
  const int64_t width = channelWidth();
  for (size_t i = 0; i < rows.size(); ++i) {
    if (holdsBytes_) {
      const uint8_t* in = bytes_.row(Eigen::Index(rows[i])).data();
      float* to = out.row(Eigen::Index(i)).data();
      for (const ByteValues& values : byteValues_) {
        for (int64_t c = 0; c < width; ++c) to[c] = values[in[c]];
        in += width;
        to += width;
      }
    } else {
      out.row(Eigen::Index(i)) = floats_.row(Eigen::Index(rows[i]));
    }
  }
}

float FeatureRows::value(int64_t row, int64_t col) const {
  return holdsBytes_ ? byteValues_[size_t(col / channelWidth())][bytes_(Eigen::Index(row), Eigen::Index(col))]
                     : floats_(Eigen::Index(row), Eigen::Index(col));
}

FeatureRows FeatureRows::subset(std::span<const int64_t> rows) const {
  FeatureRows out;
  out.holdsBytes_ = holdsBytes_;
  out.channels_ = channels_;
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
  return holdsBytes_ ? int64_t(bytes_.size()) + int64_t(byteValues_.size() * sizeof(ByteValues))
                     : int64_t(floats_.size()) * int64_t(sizeof(float));
}

}  // namespace ss
