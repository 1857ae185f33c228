#include "nn/conv2d.h"

#include <algorithm>
#include <cmath>
#include <type_traits>

#include "nn/kaiming_init.h"
#include "sparse/panel_row_sums.h"

namespace ss {

Conv2d::Conv2d(const ConvGeometry& g, WeightAllocation allocation)
    : g_(g),
      weight_(g.outChannels, g.patchSize(), allocation),
      bias_(Vector::Zero(g.outChannels)),
      biasGrad_(Vector::Zero(g.outChannels)),
      tapOffsets_(paddedPlanes().tapOffsets()),
      planeColumns_(paddedPlanes().planeColumns()) {}

std::string Conv2d::describe() const {
  return "conv2d " + std::to_string(g_.inChannels) + " -> " + std::to_string(g_.outChannels) + ", " +
         std::to_string(g_.kernel) + "x" + std::to_string(g_.kernel) +
         (g_.stride > 1 ? " stride " + std::to_string(g_.stride) : std::string()) + " on " + std::to_string(g_.height) +
         "x" + std::to_string(g_.width) + (g_.bias ? "" : ", no bias");
}

void Conv2d::initKaiming(Rng& rng) {
  initKaimingDense(weight_, g_.patchSize(), rng);
  bias_.setZero();
}

void Conv2d::initKaimingSparse(const std::vector<int64_t>& positions, const SparseFormat& format, Rng& rng) {
  ss::initKaimingSparse(weight_, g_.patchSize(), positions, format, rng);
  bias_.setZero();
}

std::pair<int, int> Conv2d::insideColumns(int kj) const {
  const int ow = g_.outWidth(), offset = g_.padding - kj;  // q * stride >= offset and < width + offset
  const int first = offset <= 0 ? 0 : (offset + g_.stride - 1) / g_.stride;
  const int end = g_.width + offset <= 0 ? 0 : (g_.width + offset - 1) / g_.stride + 1;
  return {std::min(first, ow), std::clamp(end, std::min(first, ow), ow)};
}

void Conv2d::im2col(const float* image, float* cols, Eigen::Index stride) const {
  const int k = g_.kernel, oh = g_.outHeight(), ow = g_.outWidth();
  for (int c = 0; c < g_.inChannels; ++c) {
    const float* plane = image + c * g_.height * g_.width;
    for (int ki = 0; ki < k; ++ki) {
      for (int kj = 0; kj < k; ++kj) {
        float* out = cols + Eigen::Index((c * k + ki) * k + kj) * stride;
        // The padding's zeros at the two ends, the image in between: a copy where the stride is 1, instead of a
        // bounds test per element.
        const auto [first, end] = insideColumns(kj);
        const int shift = kj - g_.padding;
        for (int r = 0; r < oh; ++r) {
          const int ir = r * g_.stride - g_.padding + ki;
          float* outRow = out + r * ow;
          if (ir < 0 || ir >= g_.height) {
            std::fill(outRow, outRow + ow, 0.0f);
            continue;
          }
          const float* inRow = plane + ir * g_.width;
          std::fill(outRow, outRow + first, 0.0f);
          if (g_.stride == 1)
            std::copy(inRow + first + shift, inRow + end + shift, outRow + first);
          else
            for (int q = first; q < end; ++q) outRow[q] = inRow[q * g_.stride + shift];
          std::fill(outRow + end, outRow + ow, 0.0f);
        }
      }
    }
  }
}

void Conv2d::col2imAdd(const float* cols, Eigen::Index stride, float* image) const {
  const int k = g_.kernel, oh = g_.outHeight(), ow = g_.outWidth();
  for (int c = 0; c < g_.inChannels; ++c) {
    float* plane = image + c * g_.height * g_.width;
    for (int ki = 0; ki < k; ++ki) {
      for (int kj = 0; kj < k; ++kj) {
        const float* in = cols + Eigen::Index((c * k + ki) * k + kj) * stride;
        const auto [first, end] = insideColumns(kj);
        const int shift = kj - g_.padding;
        for (int r = 0; r < oh; ++r) {
          const int ir = r * g_.stride - g_.padding + ki;
          if (ir < 0 || ir >= g_.height) continue;
          float* outRow = plane + ir * g_.width;
          const float* inRow = in + r * ow;
          for (int q = first; q < end; ++q) outRow[q * g_.stride + shift] += inRow[q];
        }
      }
    }
  }
}

void Conv2d::batchIm2col(const Matrix& x, Matrix& cols) const {
  const Eigen::Index batch = x.rows();
  const int spatial = g_.outHeight() * g_.outWidth();
  cols.resize(g_.patchSize(), batch * spatial);
#pragma omp parallel for schedule(static)
  for (Eigen::Index s = 0; s < batch; ++s) im2col(x.row(s).data(), cols.data() + s * spatial, cols.cols());
}

bool Conv2d::convolvesDirectly() const {
  const SparseWeights* sparse = weight_.sparseWeights();
  return sparse && sparse->layout() != SparseLayout::Channels && !denseWeightGradientRequested();
}

int64_t Conv2d::im2colWorkingBytes(int batchSize) const {
  // The im2col panel (C*k*k x batch*positions) and the product panel (filters x batch*positions).
  const int64_t positions = int64_t(batchSize) * g_.outHeight() * g_.outWidth();
  return (int64_t(weight_.cols()) + weight_.rows()) * positions * int64_t(sizeof(float));
}

int64_t Conv2d::chunkWorkingBytes(int batchSize, int threads) const {
  const int64_t team = std::max(1, std::min(threads, batchSize));
  const int64_t examples = std::min<int64_t>(examplesPerChunk(), (batchSize + team - 1) / team);
  const int64_t columns = examples * g_.outHeight() * g_.outWidth();
  const int64_t panels = (int64_t(g_.patchSize()) + g_.outChannels) * columns;
  const int64_t partials = (team - 1) * (int64_t(g_.outChannels) * g_.patchSize() + g_.outChannels);
  return (team * panels + partials) * int64_t(sizeof(float));
}

int64_t Conv2d::workingBytes(int batchSize, int threads) const {
  const SparseWeights* sparse = weight_.sparseWeights();
  if (convolvesInChunks()) return chunkWorkingBytes(batchSize, threads);
  if (!convolvesDirectly()) {
    // Beside the shared im2col panels, the channel layout gathers the kept rows of dY.
    const int64_t kept = sparse && sparse->layout() == SparseLayout::Channels ? sparse->workingPanelRows() : 0;
    const int64_t positions = int64_t(batchSize) * g_.outHeight() * g_.outWidth();
    return kept * positions * int64_t(sizeof(float));
  }
  // Per thread: the padded planes, the extended output rows, the dY rows, and dX's runs or padded planes; every
  // thread but the first also sums its share's weight and bias gradients apart.
  const PaddedPlanes planes = paddedPlanes();
  const int64_t team = std::max(1, std::min(threads, batchSize));
  const int64_t dxFloats =
      sparse->hasTransposedIndex() ? int64_t(planes.planeCount()) * planes.insideRun() : planes.size();
  const int64_t perThread =
      planes.size() + int64_t(g_.outChannels) * (planes.extent() + planes.gradientRowStride()) + dxFloats;
  const int64_t partials = (team - 1) * (sparse->activeCount() + g_.outChannels);
  const int64_t taps = int64_t(tapOffsets_.size() + planeColumns_.start.size() + planeColumns_.columns.size());
  return (team * perThread + partials) * int64_t(sizeof(float)) + taps * int64_t(sizeof(int32_t));
}

Conv2d::ExampleBuffers& Conv2d::buffersOfThisThread(const PaddedPlanes& planes, bool backward) {
  const auto ensure = [](std::vector<float>& buffer, int64_t floats) {
    if (buffer.size() != size_t(floats)) buffer.assign(size_t(floats), 0.0f);
  };
  ExampleBuffers& b = buffers_[size_t(omp_get_thread_num())];
  ensure(b.padded, planes.size());
  if (!backward) {
    ensure(b.extended, int64_t(g_.outChannels) * planes.extent());
    return b;
  }
  ensure(b.dyRows, g_.outChannels * planes.gradientRowStride());
  if (weight_.sparseWeights()->hasTransposedIndex())
    ensure(b.dxRuns, int64_t(planes.planeCount()) * planes.insideRun());
  else
    ensure(b.dPadded, planes.size());
  return b;
}

// The calling thread's examples [first, second) of a batch, in contiguous shares like `omp for schedule(static)`.
static std::pair<Eigen::Index, Eigen::Index> examplesOfThisThread(Eigen::Index batch) {
  const Eigen::Index t = omp_get_thread_num(), threads = omp_get_num_threads();
  return {batch * t / threads, batch * (t + 1) / threads};
}

// Threads for a convolution of `batch` examples that shares out the batch itself (directly, or in chunks): one inside
// a parallel region (a model's split stretch).
static int directTeam(Eigen::Index batch) {
  return omp_in_parallel() ? 1 : int(std::min<Eigen::Index>(omp_get_max_threads(), std::max<Eigen::Index>(batch, 1)));
}

template <typename Share>
void Conv2d::sumGradientsOverTeam(int team, Eigen::Index batch, float* weightGradient, int64_t weightCount,
                                  Share&& share) {
  // Each thread sums its examples' gradients (the first into the layer's own), and after a barrier the threads
  // add the parts up (core/threads.h; with one thread computeTeamShare hands over the gradients themselves).
  const auto work = [&] {
    computeTeamShare(weightGradient, weightCount, weightPartials_, [&](float* weightGrad) {
      computeTeamShare(biasGrad_.data(), g_.outChannels, biasPartials_, [&](float* biasGrad) {
        std::fill(weightGrad, weightGrad + weightCount, 0.0f);
        std::fill(biasGrad, biasGrad + g_.outChannels, 0.0f);
        const auto examples = examplesOfThisThread(batch);
        share(weightGrad, biasGrad, examples.first, examples.second);
      });
    });
  };
  // A team of one too, so that the thread numbers and shares are this region's even when called from inside one.
  runOnTeam(team, work, [&] {
    completeTeamSum(weightPartials_);
    completeTeamSum(biasPartials_);
  });
}

void Conv2d::forwardDirect(const Matrix& x, Matrix& y) {
  const PaddedPlanes planes = paddedPlanes();
  const SparseWeights& w = *weight_.sparseWeights();
  const Eigen::Index batch = x.rows();
  const int filters = g_.outChannels, extent = planes.extent();
  y.resize(batch, Eigen::Index(filters) * g_.outHeight() * g_.outWidth());
  const int team = directTeam(batch);
  if (buffers_.size() < size_t(team)) buffers_.resize(size_t(team));
  runOnTeam(team, [&] {
    ExampleBuffers& b = buffersOfThisThread(planes, false);
    const auto share = examplesOfThisThread(batch);  // not a structured binding: clang 15 cannot capture one
    const Eigen::Index first = share.first, end = share.second;
    w.withRowEntries([&](const auto& index, const float* values, const TransposedIndex*) {
      for (Eigen::Index s = first; s < end; ++s) {
        planes.fill(x.row(s).data(), b.padded.data());
        convolveExample(index, values, filters, tapOffsets_.data(), b.padded.data(), extent, b.extended.data());
        planes.compact(b.extended.data(), filters, bias_.data(), y.row(s).data());
      }
    });
  });
}

void Conv2d::backwardDirect(const Matrix& x, const Matrix& dy, Matrix& dx, bool needInputGrad) {
  const PaddedPlanes planes = paddedPlanes();
  SparseWeights& w = *weight_.sparseWeights();
  const Eigen::Index batch = x.rows();
  const int filters = g_.outChannels, extent = planes.extent(), spatial = g_.outHeight() * g_.outWidth();
  if (needInputGrad) dx.resize(batch, x.cols());
  std::vector<float>& grads = w.grads();
  const int team = directTeam(batch);
  if (buffers_.size() < size_t(team)) buffers_.resize(size_t(team));
  sumGradientsOverTeam(
      team, batch, grads.data(), int64_t(grads.size()),
      [&](float* weightGrad, float* biasGrad, Eigen::Index first, Eigen::Index end) {
        ExampleBuffers& b = buffersOfThisThread(planes, true);
        w.withRowEntries([&](const auto& index, const float* values, const TransposedIndex* transposed) {
          const int64_t stride = planes.gradientRowStride();
          float* dyExtended = b.dyRows.data() + planes.margin();
          for (Eigen::Index s = first; s < end; ++s) {
            const float* dOut = dy.row(s).data();
            if (g_.bias)
              for (int f = 0; f < filters; ++f)
                biasGrad[f] += Eigen::Map<const Vector>(dOut + Eigen::Index(f) * spatial, spatial).sum();
            planes.fill(x.row(s).data(), b.padded.data());
            planes.extend(dOut, filters, stride, dyExtended);
            convolveExampleWeightGradient(index, filters, tapOffsets_.data(), dyExtended, stride, b.padded.data(),
                                          extent, weightGrad, true);
            if (!needInputGrad) continue;
            if (transposed) {
              transposed->rowOfEntry.withData([&](const auto* filterOf) {
                using Index = std::remove_cv_t<std::remove_pointer_t<decltype(filterOf)>>;
                gatherExampleInputGradient(CsrRows<Index>{transposed->colStart.data(), filterOf},
                                           transposed->entryOf.data(), values, planes, planeColumns_,
                                           tapOffsets_.data(), b.dyRows.data(), b.dxRuns.data());
              });
              planes.extractRuns(b.dxRuns.data(), dx.row(s).data());
              continue;
            }
            std::fill(b.dPadded.begin(), b.dPadded.end(), 0.0f);
            convolveExampleInputGradient(index, values, filters, tapOffsets_.data(), dyExtended, stride, extent,
                                         b.dPadded.data());
            planes.extractInside(b.dPadded.data(), dx.row(s).data());
          }
        });
      });
}

bool Conv2d::convolvesInChunks() const {
  return !weight_.sparse() && !denseWeightGradientRequested();
}

int Conv2d::examplesPerChunk() const {
  // Enough examples for a product of at least 1024 columns, while the patches stay within 1 MB (one example a chunk
  // when one example's patches alone are larger).
  constexpr int64_t kPanelBytes = int64_t(1) << 20, kColumns = 1024;
  const int64_t spatial = int64_t(g_.outHeight()) * g_.outWidth();
  const int64_t exampleBytes = int64_t(g_.patchSize()) * spatial * int64_t(sizeof(float));
  return int(std::max<int64_t>(1, std::min((kColumns + spatial - 1) / spatial, kPanelBytes / exampleBytes)));
}

void Conv2d::forwardInChunks(const Matrix& x, Matrix& y) {
  const Eigen::Index batch = x.rows();
  const int filters = g_.outChannels, spatial = g_.outHeight() * g_.outWidth(), chunk = examplesPerChunk();
  y.resize(batch, Eigen::Index(filters) * spatial);
  const Matrix& w = weight_.dense();  // masked-dense: zero at the inactive positions
  const int team = directTeam(batch);
  if (chunkBuffers_.size() < size_t(team)) chunkBuffers_.resize(size_t(team));
  runOnTeam(team, [&] {
    ChunkBuffers& b = chunkBuffers_[size_t(omp_get_thread_num())];
    const auto share = examplesOfThisThread(batch);
    for (Eigen::Index s = share.first; s < share.second; s += chunk) {
      const Eigen::Index n = std::min<Eigen::Index>(chunk, share.second - s), columns = n * spatial;
      b.cols.resize(g_.patchSize(), columns);
      for (Eigen::Index e = 0; e < n; ++e) im2col(x.row(s + e).data(), b.cols.data() + e * spatial, columns);
      b.out.noalias() = w * b.cols;  // inside the team's region Eigen runs it on this thread alone
      for (Eigen::Index e = 0; e < n; ++e) {
        MatrixMap dst(y.row(s + e).data(), filters, spatial);
        dst = b.out.middleCols(e * spatial, spatial);
        dst.colwise() += bias_;
      }
    }
  });
}

void Conv2d::backwardInChunks(const Matrix& x, const Matrix& dy, Matrix& dx, bool needInputGrad) {
  const Eigen::Index batch = x.rows();
  const int filters = g_.outChannels, spatial = g_.outHeight() * g_.outWidth(), chunk = examplesPerChunk();
  if (needInputGrad) dx.resize(batch, x.cols());
  const Matrix& w = weight_.dense();
  Matrix& gradient = weight_.denseGradient();
  const int team = directTeam(batch);
  if (chunkBuffers_.size() < size_t(team)) chunkBuffers_.resize(size_t(team));
  sumGradientsOverTeam(team, batch, gradient.data(), gradient.size(),
                       [&](float* weightGrad, float* biasGrad, Eigen::Index first, Eigen::Index end) {
                         MatrixMap gradW(weightGrad, filters, g_.patchSize());
                         ChunkBuffers& b = chunkBuffers_[size_t(omp_get_thread_num())];
                         for (Eigen::Index s = first; s < end; s += chunk) {
                           const Eigen::Index n = std::min<Eigen::Index>(chunk, end - s), columns = n * spatial;
                           b.cols.resize(g_.patchSize(), columns);
                           b.out.resize(filters, columns);
                           for (Eigen::Index e = 0; e < n; ++e) {
                             im2col(x.row(s + e).data(), b.cols.data() + e * spatial, columns);
                             b.out.middleCols(e * spatial, spatial) =
                                 ConstMatrixMap(dy.row(s + e).data(), filters, spatial);
                           }
                           gradW.noalias() += b.out * b.cols.transpose();
                           if (g_.bias) Eigen::Map<Vector>(biasGrad, filters) += b.out.rowwise().sum();
                           if (!needInputGrad) continue;
                           b.cols.noalias() = w.transpose() * b.out;
                           for (Eigen::Index e = 0; e < n; ++e) {
                             dx.row(s + e).setZero();
                             col2imAdd(b.cols.data() + e * spatial, columns, dx.row(s + e).data());
                           }
                         }
                       });
  weight_.maskDenseGradient();
}

void Conv2d::forward(const Matrix& x, Matrix& y, bool) {
  direct_ = convolvesDirectly();
  chunked_ = !direct_ && convolvesInChunks();
  if (direct_) {
    forwardDirect(x, y);
    return;
  }
  if (chunked_) {
    forwardInChunks(x, y);
    return;
  }
  // One im2col panel for the whole batch (patch entries x batch*positions) and a single large GEMM:
  // far better use of the cores than one small GEMM per example.
  const Eigen::Index batch = x.rows();
  const int spatial = g_.outHeight() * g_.outWidth();
  Im2colPanelPair& p = panels();
  batchIm2col(x, p.cols);
  forwardStamp_ = panels_->claimPatches(p, this);
  weight_.multiply(p.cols, Vector(), p.out);  // the bias is added in the copy below, which passes every value anyway
  y.resize(batch, Eigen::Index(g_.outChannels) * spatial);
#pragma omp parallel for schedule(static)
  for (Eigen::Index s = 0; s < batch; ++s) {
    MatrixMap dst(y.row(s).data(), g_.outChannels, spatial);
    dst = p.out.middleCols(s * spatial, spatial);
    dst.colwise() += bias_;
  }
}

Im2colPanelPair& Conv2d::panels() {
  if (!panels_ || panels_->thread != std::this_thread::get_id()) panels_ = im2colPanelsOfThisThread();
  return panels_->of(panelShape());
}

Im2colPanels::Shape Conv2d::panelShape() const {
  return {g_.patchSize(), g_.outChannels};
}

void Conv2d::backward(const Matrix& x, const Matrix&, const Matrix& dy, Matrix& dx, bool needInputGrad) {
  if (direct_ && convolvesDirectly()) {
    backwardDirect(x, dy, dx, needInputGrad);
    return;
  }
  if (chunked_ && convolvesInChunks()) {
    backwardInChunks(x, dy, dx, needInputGrad);
    return;
  }
  const Eigen::Index batch = x.rows();
  const int spatial = g_.outHeight() * g_.outWidth();
  Im2colPanelPair& p = panels();
  // The panel still holds this batch's patches when this conv's forward ran last; else they are made again.
  if (!p.holdsPatchesOf(this, forwardStamp_) || p.cols.cols() != batch * spatial) batchIm2col(x, p.cols);
  p.forgetPatches();  // the input gradient's product overwrites them below
  p.out.resize(g_.outChannels, batch * spatial);
#pragma omp parallel for schedule(static)
  for (Eigen::Index s = 0; s < batch; ++s)
    p.out.middleCols(s * spatial, spatial) = ConstMatrixMap(dy.row(s).data(), g_.outChannels, spatial);
  weight_.accumulateGradient(p.out, p.cols);
  if (denseWeightGradientRequested())  // before multiplyTransposed reuses the patches' panel
    deliverDenseWeightGradient(g_.outChannels, g_.patchSize(), [&](int first, int count) -> Matrix {
      return p.out.middleRows(first, count) * p.cols.transpose();
    });
  if (g_.bias) sumRowsOfPanel(p.out, biasGrad_.data());
  if (!needInputGrad) return;
  weight_.multiplyTransposed(p.out, p.cols);
  dx.setZero(batch, x.cols());
#pragma omp parallel for schedule(static)
  for (Eigen::Index s = 0; s < batch; ++s) col2imAdd(p.cols.data() + s * spatial, p.cols.cols(), dx.row(s).data());
}

std::vector<ParameterRef> Conv2d::parameters() {
  std::vector<ParameterRef> all = {weight_.parameter(name() + ".weight")};
  if (g_.bias)
    all.push_back(
        {name() + ".bias", {bias_.data(), size_t(bias_.size())}, {biasGrad_.data(), size_t(biasGrad_.size())}, false});
  return all;
}

}  // namespace ss
