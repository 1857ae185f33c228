#pragma once

#include <cstdint>
#include <vector>

#include "sparse/row_entries.h"

namespace ss {

// A convolution of one example computed straight from its zero-padded input planes, with no im2col. With stride 1,
// output position (r, q) of a filter reads input (c, r + ki, q + kj) through the weight at column (c, ki, kj), which
// in padded planes laid out row after row is the position r * width + q plus a fixed offset per column, the tap's.
// So each active weight adds a contiguous run of the padded input into the filter's output, which is computed over
// the padded width ("extended" rows: the last width - outWidth floats of each row are not outputs) so that the
// run is one vectorised stretch. One example's planes (32 channels of 16 x 16 for the Fashion convnet's second conv:
// 32 KB) stay in the core's cache while every filter reads them, where the im2col panel of a batch (29 MB) went
// through memory twice.
// A stride s > 1 becomes stride 1 by splitting each padded plane into its s x s phases (phase (a, b) holds the padded
// rows a, a + s, ... and columns b, b + s, ...): output (r, q) reads padded (s r + ki, s q + kj), which is position
// (r + ki / s, q + kj / s) of phase (ki % s, kj % s), again r * width + q plus the tap's offset, now in the phase
// planes. So the same kernels run strided and 1x1 convolutions, computing only the outputs that exist.
struct PaddedPlanes {
  int channels = 1, inHeight = 1, inWidth = 1;  // the example's planes
  int kernel = 1, padding = 0, stride = 1;
  // Each stored plane (a channel's padded plane, or one of its phases): height x width floats.
  int height = 1, width = 1;

  PaddedPlanes(int inChannels, int inHeight, int inWidth, int kernelSize, int padding, int stride = 1);
  int planeCount() const { return channels * stride * stride; }  // plane (c, a, b) is number (c * s + a) * s + b
  int outHeight() const { return (inHeight + 2 * padding - kernel) / stride + 1; }
  int outWidth() const { return (inWidth + 2 * padding - kernel) / stride + 1; }
  // Floats of one filter's extended output: outHeight rows of the plane width, rounded up to whole vectors.
  int extent() const;
  // Floats of the padded planes and of the slack after them that the last taps' extended runs read (zeros).
  int64_t size() const;
  // Per column (c, ki, kj) of the filters x (C*k*k) weight matrix: where its run starts in the padded planes.
  std::vector<int32_t> tapOffsets() const;
  // The columns whose taps read each plane (those of plane p are [start[p], start[p + 1]) of `columns`), for dX by
  // gather. With stride 1, plane c's are its channel's k*k columns; a phase that no tap reads has none.
  struct PlaneColumns {
    std::vector<int32_t> start, columns;
  };
  PlaneColumns planeColumns() const;

  // Backward keeps each filter's extended dY row between zero margins, `margin()` floats before it, so that dX can
  // be gathered: position j of a plane sums dY at j - (the tap's shift in the plane) over the taps, reaching back up
  // to the margin. dX is gathered over the inside rows of each plane, one run of insideRun() floats from its first.
  int margin() const;
  int insideRun() const;
  // The first row of a plane of phase row a (0 with stride 1) that holds part of the image, and how many do.
  int firstInsideRow(int a) const;
  int insideRows(int a) const;
  int64_t gradientRowStride() const;  // floats between two filters' rows of that layout

  // Copies one example's planes (channels x inHeight x inWidth) inside the border (into their phases, but for those
  // no tap reads); the border and the slack are left as they are (zero once, they stay zero).
  void fill(const float* image, float* padded) const;
  // The inverse for a gradient: the inside of the padded planes, copied into the example's planes.
  void extractInside(const float* padded, float* image) const;
  // The same from gathered runs (planeCount() x insideRun(), each from its plane's first inside row).
  void extractRuns(const float* runs, float* image) const;
  // out (filters x outHeight x outWidth) from extended rows, plus a bias per filter; and the inverse for dY, into
  // rows `rowStride` apart, with zeros where the extended rows hold no output (they then add nothing).
  void compact(const float* extended, int filters, const float* bias, float* out) const;
  void extend(const float* dOut, int filters, int64_t rowStride, float* extended) const;

 private:
  int tapOffset(int c, int ki, int kj) const;
  int firstInsideColumn(int b) const;  // of a plane of phase column b, as firstInsideRow
  // The inside of each plane into the example's planes: plane p starts at planes + p * planeStride, its rows `width`
  // apart, from its first inside row when `fromFirstInsideRow` (gathered runs), else from its first row.
  void copyInside(const float* planes, int64_t planeStride, bool fromFirstInsideRow, float* image) const;
};

// Single-threaded kernels on one example, for every row layout of row_entries.h; `filters` rows, `extent` floats
// of extended output per filter, dOut's rows `dOutStride` apart.
// out[f] = sum over entries e of row f: values[e] * padded[tapOffset[column(e)] + (0 .. extent)]
template <typename Rows>
void convolveExample(const Rows& index, const float* values, int filters, const int32_t* tapOffset, const float* padded,
                     int extent, float* out);
// grads[e] (= or +=) dot(dOut[f], padded[tapOffset[column(e)] + (0 .. extent)]): dW at active positions
template <typename Rows>
void convolveExampleWeightGradient(const Rows& index, int filters, const int32_t* tapOffset, const float* dOut,
                                   int64_t dOutStride, const float* padded, int extent, float* grads, bool add);
// dPadded[tapOffset[column(e)] + (0 .. extent)] += values[e] * dOut[f]: dX by scatter, into zeroed padded planes
template <typename Rows>
void convolveExampleInputGradient(const Rows& index, const float* values, int filters, const int32_t* tapOffset,
                                  const float* dOut, int64_t dOutStride, int extent, float* dPadded);
// dX by gather through a transposed index (columns -> the filters holding an entry there, and where its value
// is; `byColumn` as row_entries.h's CsrRows over columns): each plane's run (planes.insideRun() floats from its
// first inside row) sums, over the entries of the columns that read it, values[valueOf[e]] * dY of the entry's
// filter read back by the tap's shift. dOut holds the rows of PaddedPlanes's gradient layout, from the first one's
// margin.
template <typename Index>
void gatherExampleInputGradient(const CsrRows<Index>& byColumn, const int32_t* valueOf, const float* values,
                                const PaddedPlanes& planes, const PaddedPlanes::PlaneColumns& planeColumns,
                                const int32_t* tapOffset, const float* dOut, float* runs);

}  // namespace ss
