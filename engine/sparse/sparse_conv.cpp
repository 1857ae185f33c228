#include "sparse/sparse_conv.h"

#include <algorithm>

#include "sparse/register_blocks.h"

namespace ss {

using namespace blocks;

PaddedPlanes::PaddedPlanes(int inChannels, int inHeight, int inWidth, int kernelSize, int paddingSize)
    : channels(inChannels),
      height(inHeight + 2 * paddingSize),
      width(inWidth + 2 * paddingSize),
      kernel(kernelSize),
      padding(paddingSize) {}

namespace {
int wholeVectors(int floats) {
  return (floats + kLanes - 1) / kLanes * kLanes;
}
}  // namespace

int PaddedPlanes::extent() const {
  return wholeVectors(outHeight() * width);
}

int64_t PaddedPlanes::size() const {
  const int64_t planes = int64_t(channels) * height * width;
  const int64_t lastTap = int64_t(channels - 1) * height * width + (kernel - 1) * width + (kernel - 1);
  return std::max(planes, lastTap + extent());
}

int PaddedPlanes::insideRun() const {
  return wholeVectors((height - 2 * padding) * width);
}

int64_t PaddedPlanes::gradientRowStride() const {
  return margin() + std::max(int64_t(extent()), int64_t(padding) * width + insideRun());
}

std::vector<int32_t> PaddedPlanes::tapOffsets() const {
  std::vector<int32_t> offsets;
  offsets.reserve(size_t(channels) * kernel * kernel);
  for (int c = 0; c < channels; ++c)
    for (int ki = 0; ki < kernel; ++ki)
      for (int kj = 0; kj < kernel; ++kj) offsets.push_back((c * height + ki) * width + kj);
  return offsets;
}

void PaddedPlanes::fill(const float* image, float* padded) const {
  const int h = height - 2 * padding, w = width - 2 * padding;
  for (int c = 0; c < channels; ++c)
    for (int r = 0; r < h; ++r) {
      const float* from = image + (int64_t(c) * h + r) * w;
      std::copy(from, from + w, padded + (int64_t(c) * height + r + padding) * width + padding);
    }
}

void PaddedPlanes::extractInside(const float* padded, float* image) const {
  copyInsideRows(padded + int64_t(padding) * width, int64_t(height) * width, image);
}

void PaddedPlanes::extractRuns(const float* runs, float* image) const {
  copyInsideRows(runs, insideRun(), image);
}

void PaddedPlanes::copyInsideRows(const float* firstInsideRow, int64_t planeStride, float* image) const {
  const int h = height - 2 * padding, w = width - 2 * padding;
  for (int c = 0; c < channels; ++c)
    for (int r = 0; r < h; ++r) {
      const float* from = firstInsideRow + c * planeStride + r * width + padding;
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

void PaddedPlanes::extend(const float* dOut, int filters, int64_t rowStride, float* extended) const {
  const int oh = outHeight(), ow = outWidth(), step = extent();
  for (int f = 0; f < filters; ++f) {
    float* first = extended + f * rowStride;
    float* row = first;
    for (int r = 0; r < oh; ++r, row += width) {
      const float* from = dOut + (int64_t(f) * oh + r) * ow;
      std::copy(from, from + ow, row);
      std::fill(row + ow, row + width, 0.0f);
    }
    std::fill(row, first + step, 0.0f);
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
  const StoredOrder weight{values};
  for (int f = 0; f < filters; ++f) {
    const auto row = index.row(f);
    for (int from = 0; from < extent; from += kSlice)
      accumulatePiece(row, weight, tapSource(row, tapOffset, padded + from), std::min(kSlice, extent - from), 0.0f,
                      out + int64_t(f) * extent + from);
  }
}

template <typename Rows>
void convolveExampleWeightGradient(const Rows& index, int filters, const int32_t* tapOffset, const float* dOut,
                                   int64_t dOutStride, const float* padded, int extent, float* grads, bool add) {
  for (int f = 0; f < filters; ++f) {
    const auto row = index.row(f);
    dotRange(row, dOut + f * dOutStride, tapSource(row, tapOffset, padded), 0, extent, grads, add);
  }
}

template <typename Rows>
void convolveExampleInputGradient(const Rows& index, const float* values, int filters, const int32_t* tapOffset,
                                  const float* dOut, int64_t dOutStride, int extent, float* dPadded) {
  for (int f = 0; f < filters; ++f) {
    const float* src = dOut + f * dOutStride;
    const auto row = index.row(f);
    for (int32_t e = row.begin; e < row.end; ++e) {
      const float v = values[e];
      float* dst = dPadded + tapOffset[row.column(e)];
#pragma omp simd
      for (int k = 0; k < extent; ++k) dst[k] += v * src[k];
    }
  }
}

namespace {

// N vectors of one channel's run: the sum over its columns' entries, each column's dY rows read back by the tap's
// shift within the channel's plane (its offset less the plane's start). Accumulated in registers across all k*k
// columns, where the scatter read, added and stored the run once per weight.
template <int N, typename Index>
[[gnu::always_inline]] inline void gatherRunVectors(const CsrRows<Index>& byColumn, const int32_t* valueOf,
                                                    const float* values, int firstColumn, int columns,
                                                    const int32_t* tapOffset, int64_t planeStart, const float* base,
                                                    int64_t rowStride, float* dst) {
  const PermutedOrder weight{values, valueOf};
  Vec a[N] = {};
  for (int col = firstColumn; col < firstColumn + columns; ++col) {
    const auto entries = byColumn.row(col);
    const float* shifted = base - (tapOffset[col] - planeStart);
    for (int32_t e = entries.begin; e < entries.end; ++e) {
      const float v = weight(e);
      const Vec* src = reinterpret_cast<const Vec*>(shifted + entries.column(e) * rowStride);
      for (int k = 0; k < N; ++k) a[k] += v * src[k];
    }
  }
  Vec* out = reinterpret_cast<Vec*>(dst);
  for (int k = 0; k < N; ++k) out[k] = a[k];
}

}  // namespace

template <typename Index>
void gatherExampleInputGradient(const CsrRows<Index>& byColumn, const int32_t* valueOf, const float* values,
                                const PaddedPlanes& planes, const int32_t* tapOffset, const float* dOut, float* runs) {
  const int taps = planes.kernel * planes.kernel, run = planes.insideRun();
  const int64_t rowStride = planes.gradientRowStride(), plane = int64_t(planes.height) * planes.width;
  // Padded position j of channel c gathers dY at j - shift, where the tap's offset is c * plane + shift; the run
  // starts at the first inside row, and dY's extended rows sit `margin` floats into theirs.
  const float* base = dOut + planes.margin() + int64_t(planes.padding) * planes.width;
  for (int c = 0; c < planes.channels; ++c)
    for (int from = 0; from < run; from += kSlice)
      withVectorCount(std::min(kSlice, run - from) / kLanes, [&]<int N>() {
        gatherRunVectors<N>(byColumn, valueOf, values, c * taps, taps, tapOffset, c * plane, base + from, rowStride,
                            runs + int64_t(c) * run + from);
      });
}

#define SS_SPARSE_CONV_FOR(...)                                                                                    \
  template void convolveExample(const __VA_ARGS__&, const float*, int, const int32_t*, const float*, int, float*); \
  template void convolveExampleWeightGradient(const __VA_ARGS__&, int, const int32_t*, const float*, int64_t,      \
                                              const float*, int, float*, bool);                                    \
  template void convolveExampleInputGradient(const __VA_ARGS__&, const float*, int, const int32_t*, const float*,  \
                                             int64_t, int, float*);

SS_SPARSE_CONV_FOR(CsrRows<uint16_t>)
SS_SPARSE_CONV_FOR(CsrRows<int32_t>)
SS_SPARSE_CONV_FOR(NmRows<true>)
SS_SPARSE_CONV_FOR(NmRows<false>)
SS_SPARSE_CONV_FOR(BlockRows<uint16_t, true>)
SS_SPARSE_CONV_FOR(BlockRows<uint16_t, false>)
SS_SPARSE_CONV_FOR(BlockRows<int32_t, true>)
SS_SPARSE_CONV_FOR(BlockRows<int32_t, false>)

template void gatherExampleInputGradient(const CsrRows<uint16_t>&, const int32_t*, const float*, const PaddedPlanes&,
                                         const int32_t*, const float*, float*);
template void gatherExampleInputGradient(const CsrRows<int32_t>&, const int32_t*, const float*, const PaddedPlanes&,
                                         const int32_t*, const float*, float*);

}  // namespace ss
