#include "sparse/sparse_conv.h"

#include <algorithm>

#include "sparse/register_blocks.h"

namespace ss {

using namespace blocks;

PaddedPlanes::PaddedPlanes(int inChannels, int inHeight, int inWidth, int kernelSize, int padding)
    : channels(inChannels), height(inHeight + 2 * padding), width(inWidth + 2 * padding), kernel(kernelSize) {}

int PaddedPlanes::extent() const {
  const int floats = outHeight() * width;
  return (floats + kLanes - 1) / kLanes * kLanes;
}

int64_t PaddedPlanes::size() const {
  const int64_t planes = int64_t(channels) * height * width;
  const int64_t lastTap = int64_t(channels - 1) * height * width + (kernel - 1) * width + (kernel - 1);
  return std::max(planes, lastTap + extent());
}

std::vector<int32_t> PaddedPlanes::tapOffsets() const {
  std::vector<int32_t> offsets;
  offsets.reserve(size_t(channels) * kernel * kernel);
  for (int c = 0; c < channels; ++c)
    for (int ki = 0; ki < kernel; ++ki)
      for (int kj = 0; kj < kernel; ++kj) offsets.push_back((c * height + ki) * width + kj);
  return offsets;
}

void PaddedPlanes::fill(const float* image, int padding, float* padded) const {
  const int h = height - 2 * padding, w = width - 2 * padding;
  for (int c = 0; c < channels; ++c)
    for (int r = 0; r < h; ++r) {
      const float* from = image + (int64_t(c) * h + r) * w;
      std::copy(from, from + w, padded + (int64_t(c) * height + r + padding) * width + padding);
    }
}

void PaddedPlanes::extractInside(const float* padded, int padding, float* image) const {
  const int h = height - 2 * padding, w = width - 2 * padding;
  for (int c = 0; c < channels; ++c)
    for (int r = 0; r < h; ++r) {
      const float* from = padded + (int64_t(c) * height + r + padding) * width + padding;
      std::copy(from, from + w, image + (int64_t(c) * h + r) * w);
    }
}

void PaddedPlanes::compact(const float* extended, int filters, const float* bias, float* out) const {
  const int oh = outHeight(), ow = outWidth(), step = extent();
  for (int f = 0; f < filters; ++f) {
    const float b = bias ? bias[f] : 0.0f;
    for (int r = 0; r < oh; ++r) {
      const float* from = extended + int64_t(f) * step + r * width;
      float* to = out + (int64_t(f) * oh + r) * ow;
      for (int q = 0; q < ow; ++q) to[q] = from[q] + b;
    }
  }
}

void PaddedPlanes::extend(const float* dOut, int filters, float* extended) const {
  const int oh = outHeight(), ow = outWidth(), step = extent();
  for (int f = 0; f < filters; ++f) {
    float* row = extended + int64_t(f) * step;
    for (int r = 0; r < oh; ++r, row += width) {
      const float* from = dOut + (int64_t(f) * oh + r) * ow;
      std::copy(from, from + ow, row);
      std::fill(row + ow, row + width, 0.0f);
    }
    std::fill(row, extended + int64_t(f + 1) * step, 0.0f);
  }
}

namespace {

// Where entry e's run starts: its tap's offset in the padded planes, from `first` on.
template <typename Row>
[[gnu::always_inline]] inline auto tapSource(Row row, const int32_t* tapOffset, const float* first) {
  return [row, tapOffset, first](int32_t e) { return first + tapOffset[row.column(e)]; };
}

}  // namespace

template <typename Rows>
void convolveExample(const Rows& index, const float* values, int filters, const int32_t* tapOffset, const float* padded,
                     int extent, float* out) {
  const auto weight = [values](int32_t e) { return values[e]; };
  for (int f = 0; f < filters; ++f) {
    const auto row = index.row(f);
    for (int from = 0; from < extent; from += kSlice)
      accumulatePiece(row, weight, tapSource(row, tapOffset, padded + from), std::min(kSlice, extent - from), 0.0f,
                      out + int64_t(f) * extent + from);
  }
}

template <typename Rows>
void convolveExampleWeightGradient(const Rows& index, int filters, const int32_t* tapOffset, const float* dOut,
                                   const float* padded, int extent, float* grads, bool add) {
  for (int f = 0; f < filters; ++f) {
    const auto row = index.row(f);
    dotRange(row, dOut + int64_t(f) * extent, tapSource(row, tapOffset, padded), 0, extent, grads, add);
  }
}

template <typename Rows>
void convolveExampleInputGradient(const Rows& index, const float* values, int filters, const int32_t* tapOffset,
                                  const float* dOut, int extent, float* dPadded) {
  for (int f = 0; f < filters; ++f) {
    const float* src = dOut + int64_t(f) * extent;
    const auto row = index.row(f);
    for (int32_t e = row.begin; e < row.end; ++e) {
      const float v = values[e];
      float* dst = dPadded + tapOffset[row.column(e)];
#pragma omp simd
      for (int k = 0; k < extent; ++k) dst[k] += v * src[k];
    }
  }
}

#define SS_SPARSE_CONV_FOR(...)                                                                                        \
  template void convolveExample(const __VA_ARGS__&, const float*, int, const int32_t*, const float*, int, float*);     \
  template void convolveExampleWeightGradient(const __VA_ARGS__&, int, const int32_t*, const float*, const float*,     \
                                              int, float*, bool);                                                      \
  template void convolveExampleInputGradient(const __VA_ARGS__&, const float*, int, const int32_t*, const float*, int, \
                                             float*);

SS_SPARSE_CONV_FOR(CsrRows<uint16_t>)
SS_SPARSE_CONV_FOR(CsrRows<int32_t>)
SS_SPARSE_CONV_FOR(NmRows<true>)
SS_SPARSE_CONV_FOR(NmRows<false>)
SS_SPARSE_CONV_FOR(BlockRows<uint16_t, true>)
SS_SPARSE_CONV_FOR(BlockRows<uint16_t, false>)
SS_SPARSE_CONV_FOR(BlockRows<int32_t, true>)
SS_SPARSE_CONV_FOR(BlockRows<int32_t, false>)

}  // namespace ss
