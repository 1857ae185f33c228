#include "sparse/sparse_conv.h"

#include <algorithm>

#include "sparse/register_blocks.h"

namespace ss {

using namespace blocks;

PaddedPlanes::PaddedPlanes(int inChannels, int inHeightSize, int inWidthSize, int kernelSize, int paddingSize,
                           int strideSize)
    : channels(inChannels),
      inHeight(inHeightSize),
      inWidth(inWidthSize),
      kernel(kernelSize),
      padding(paddingSize),
      stride(strideSize),
      height((inHeightSize + 2 * paddingSize + strideSize - 1) / strideSize),
      width((inWidthSize + 2 * paddingSize + strideSize - 1) / strideSize) {}

namespace {
int wholeVectors(int floats) {
  return (floats + kLanes - 1) / kLanes * kLanes;
}
}  // namespace

int PaddedPlanes::extent() const {
  return wholeVectors(outHeight() * width);
}

int PaddedPlanes::tapOffset(int c, int ki, int kj) const {
  const int plane = (c * stride + ki % stride) * stride + kj % stride;
  return (plane * height + ki / stride) * width + kj / stride;
}

int64_t PaddedPlanes::size() const {
  const int64_t planes = int64_t(planeCount()) * height * width;
  int64_t lastTap = 0;
  for (int ki = 0; ki < kernel; ++ki)
    for (int kj = 0; kj < kernel; ++kj) lastTap = std::max<int64_t>(lastTap, tapOffset(channels - 1, ki, kj));
  return std::max(planes, lastTap + extent());
}

int PaddedPlanes::margin() const {
  return (kernel - 1) / stride * (width + 1);  // the largest shift of a tap within its plane
}

int PaddedPlanes::firstInsideRow(int a) const {
  return (std::max(padding - a, 0) + stride - 1) / stride;
}

int PaddedPlanes::insideRows(int a) const {
  const int lastPaddedRow = padding + inHeight - 1;
  return lastPaddedRow < a ? 0 : std::max(0, (lastPaddedRow - a) / stride - firstInsideRow(a) + 1);
}

int PaddedPlanes::insideRun() const {
  int rows = 0;
  for (int a = 0; a < stride; ++a) rows = std::max(rows, insideRows(a));
  return wholeVectors(rows * width);
}

int64_t PaddedPlanes::gradientRowStride() const {
  int64_t reach = extent();
  for (int a = 0; a < stride; ++a) reach = std::max(reach, int64_t(firstInsideRow(a)) * width + insideRun());
  return margin() + reach;
}

std::vector<int32_t> PaddedPlanes::tapOffsets() const {
  std::vector<int32_t> offsets;
  offsets.reserve(size_t(channels) * kernel * kernel);
  for (int c = 0; c < channels; ++c)
    for (int ki = 0; ki < kernel; ++ki)
      for (int kj = 0; kj < kernel; ++kj) offsets.push_back(tapOffset(c, ki, kj));
  return offsets;
}

PaddedPlanes::PlaneColumns PaddedPlanes::planeColumns() const {
  PlaneColumns out;
  out.start.push_back(0);
  for (int c = 0; c < channels; ++c)
    for (int a = 0; a < stride; ++a)
      for (int b = 0; b < stride; ++b) {
        for (int ki = a; ki < kernel; ki += stride)
          for (int kj = b; kj < kernel; kj += stride) out.columns.push_back((c * kernel + ki) * kernel + kj);
        out.start.push_back(int32_t(out.columns.size()));
      }
  return out;
}

int PaddedPlanes::firstInsideColumn(int b) const {
  return (std::max(padding - b, 0) + stride - 1) / stride;
}

void PaddedPlanes::fill(const float* image, float* padded) const {
  const int64_t plane = int64_t(height) * width;
  for (int c = 0; c < channels; ++c)
    for (int r = 0; r < inHeight; ++r) {
      const float* from = image + (int64_t(c) * inHeight + r) * inWidth;
      const int paddedRow = r + padding, a = paddedRow % stride;
      if (a >= kernel) continue;  // a phase no tap reads (a 1x1 kernel's with stride 2) stays zero
      float* phaseRow = padded + int64_t((c * stride + a) * stride) * plane + int64_t(paddedRow / stride) * width;
      if (stride == 1) {
        std::copy(from, from + inWidth, phaseRow + padding);
        continue;
      }
      // Phase b holds the image's columns x = s j + b - padding.
      for (int b = 0; b < std::min(stride, kernel); ++b, phaseRow += plane)
        for (int j = firstInsideColumn(b), x = stride * j + b - padding; x < inWidth; ++j, x += stride)
          phaseRow[j] = from[x];
    }
}

void PaddedPlanes::extractInside(const float* padded, float* image) const {
  copyInside(padded, int64_t(height) * width, false, image);
}

void PaddedPlanes::extractRuns(const float* runs, float* image) const {
  copyInside(runs, insideRun(), true, image);
}

void PaddedPlanes::copyInside(const float* planes, int64_t planeStride, bool fromFirstInsideRow, float* image) const {
  for (int c = 0; c < channels; ++c)
    for (int r = 0; r < inHeight; ++r) {
      const int paddedRow = r + padding, a = paddedRow % stride;
      const int row = paddedRow / stride - (fromFirstInsideRow ? firstInsideRow(a) : 0);
      const float* phaseRow = planes + (c * stride + a) * stride * planeStride + int64_t(row) * width;
      float* to = image + (int64_t(c) * inHeight + r) * inWidth;
      if (stride == 1) {
        std::copy(phaseRow + padding, phaseRow + padding + inWidth, to);
        continue;
      }
      // A phase no tap reads gets no gradient (those of a 1x1 kernel with stride 2 but the first).
      if (a >= kernel) {
        std::fill(to, to + inWidth, 0.0f);
        continue;
      }
      for (int b = 0; b < stride; ++b, phaseRow += planeStride) {
        const bool read = b < kernel;
        for (int j = firstInsideColumn(b), x = stride * j + b - padding; x < inWidth; ++j, x += stride)
          to[x] = read ? phaseRow[j] : 0.0f;
      }
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

// N vectors of one plane's run: the sum over its columns' entries, each column's dY rows read back by the tap's
// shift within the plane (its offset less the plane's start). Accumulated in registers across all the plane's
// columns, where the scatter read, added and stored the run once per weight.
template <int N, typename Index>
[[gnu::always_inline]] inline void gatherRunVectors(const CsrRows<Index>& byColumn, const int32_t* valueOf,
                                                    const float* values, const int32_t* firstColumn,
                                                    const int32_t* endColumn, const int32_t* tapOffset,
                                                    int64_t planeStart, const float* base, int64_t rowStride,
                                                    float* dst) {
  const PermutedOrder weight{values, valueOf};
  Vec a[N] = {};
  for (const int32_t* column = firstColumn; column != endColumn; ++column) {
    const int col = *column;
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
                                const PaddedPlanes& planes, const PaddedPlanes::PlaneColumns& planeColumns,
                                const int32_t* tapOffset, const float* dOut, float* runs) {
  const int run = planes.insideRun();
  const int64_t rowStride = planes.gradientRowStride(), plane = int64_t(planes.height) * planes.width;
  // Position j of plane p gathers dY at j - shift, where a tap's offset is p * plane + shift; the run starts at the
  // plane's first inside row, and dY's extended rows sit `margin` floats into theirs.
  for (int p = 0; p < planes.planeCount(); ++p) {
    const int phaseRow = p / planes.stride % planes.stride;
    const float* base = dOut + planes.margin() + int64_t(planes.firstInsideRow(phaseRow)) * planes.width;
    const int32_t* first = planeColumns.columns.data() + planeColumns.start[size_t(p)];
    const int32_t* end = planeColumns.columns.data() + planeColumns.start[size_t(p) + 1];
    if (first == end) continue;  // a phase no tap reads, whose run copyInside never reads
    for (int from = 0; from < run; from += kSlice)
      withVectorCount(std::min(kSlice, run - from) / kLanes, [&]<int N>() {
        gatherRunVectors<N>(byColumn, valueOf, values, first, end, tapOffset, p * plane, base + from, rowStride,
                            runs + int64_t(p) * run + from);
      });
  }
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
                                         const PaddedPlanes::PlaneColumns&, const int32_t*, const float*, float*);
template void gatherExampleInputGradient(const CsrRows<int32_t>&, const int32_t*, const float*, const PaddedPlanes&,
                                         const PaddedPlanes::PlaneColumns&, const int32_t*, const float*, float*);

}  // namespace ss
