#include "sparse/sparse_weights.h"

#include <stdexcept>
#include <string>
#include <type_traits>

#include "core/relu.h"
#include "sparse/panel_transpose.h"
#include "sparse/sparse_kernels.h"

namespace ss {

namespace {

// dX through the transposed index: a gather over columns that reads each weight where the layout keeps it.
template <typename Product>
void throughTransposedIndex(const TransposedIndex& t, Product&& product) {
  t.rowOfEntry.withData([&](const auto* row) {
    using Index = std::remove_cv_t<std::remove_pointer_t<decltype(row)>>;
    product(CsrRows<Index>{t.colStart.data(), row}, t.entryOf.data());
  });
}

template <typename Layout>
void scatterInto(const Layout& w, const Matrix& dOut, Matrix& dIn) {
  const int width = int(dOut.cols());
  dIn.setZero(w.cols, width);
  w.withRows(
      [&](const auto& index) { scatterProduct(index, w.values.data(), w.rows, dOut.data(), width, dIn.data()); });
}

}  // namespace

SparseWeights SparseWeights::build(const Mask& mask, const Matrix& dense, const SparseFormat& format) {
  SparseWeights s;
  switch (format.layout) {
    case SparseLayout::NmGroups:
      if (NmMatrix::fits(mask, format.n, format.m)) {
        s.layout_ = NmMatrix::fromMask(mask, dense, format.n, format.m, format.transposedIndex);
        return s;
      }
      break;
    case SparseLayout::Blocks:
      if (BlockMatrix::fits(mask, format.blockHeight, format.blockWidth)) {
        s.layout_ = BlockMatrix::fromMask(mask, dense, format.blockHeight, format.blockWidth, format.transposedIndex);
        return s;
      }
      break;
    case SparseLayout::Channels:
      if (ChannelMatrix::fits(mask)) {
        s.layout_ = ChannelMatrix::fromMask(mask, dense);
        return s;
      }
      break;
    case SparseLayout::Csr:
      break;
  }
  s.layout_ = CsrMatrix::fromMask(mask, dense, format.transposedIndex);
  return s;
}

SparseWeights SparseWeights::fromPositions(int rows, int cols, const std::vector<int64_t>& positions,
                                           std::vector<float> values, const SparseFormat& format) {
  if (format.layout == SparseLayout::Csr) {
    SparseWeights s;
    s.layout_ = CsrMatrix::fromPositions(rows, cols, positions, std::move(values), format.transposedIndex);
    return s;
  }
  SparseWeights s = build(maskAt(rows, cols, positions), Matrix(), format);
  if (!values.empty()) {
    if (values.size() != s.values().size())
      throw std::invalid_argument("SparseWeights::fromPositions: " + std::to_string(values.size()) + " values for " +
                                  std::to_string(s.values().size()) + " entries");
    s.values() = std::move(values);  // every layout keeps row-major order of the positions
  }
  return s;
}

int64_t SparseWeights::indexBytesFor(const SparseFormat& f, int rows, int cols, int64_t active) {
  const int64_t transposed = f.transposedIndex ? TransposedIndex::bytesFor(rows, cols, active) : 0;
  switch (f.layout) {
    case SparseLayout::NmGroups:
      return NmMatrix::indexBytesFor(rows, cols, active, f.transposedIndex);
    case SparseLayout::Blocks:
      return BlockMatrix::indexBytesFor(rows, cols, f.blockHeight, f.blockWidth, active, f.transposedIndex);
    case SparseLayout::Channels:
      return ChannelMatrix::indexBytesFor(cols, active);
    case SparseLayout::Csr:
      break;
  }
  return (int64_t(rows) + 1) * int64_t(sizeof(int32_t)) + active * IndexArray::bytesPerIndex(cols) + transposed;
}

SparseLayout SparseWeights::layout() const {
  constexpr SparseLayout kinds[] = {SparseLayout::Csr, SparseLayout::NmGroups, SparseLayout::Blocks,
                                    SparseLayout::Channels};
  return kinds[layout_.index()];
}

bool SparseWeights::hasTransposedIndex() const {
  return byLayout(
      layout_, [](const auto& w) { return w.transposed.has_value(); }, [](const ChannelMatrix&) { return false; });
}

std::vector<float>& SparseWeights::values() {
  return std::visit([](auto& w) -> std::vector<float>& { return w.values; }, layout_);
}

const std::vector<float>& SparseWeights::values() const {
  return std::visit([](const auto& w) -> const std::vector<float>& { return w.values; }, layout_);
}

std::vector<float>& SparseWeights::grads() {
  return std::visit([](auto& w) -> std::vector<float>& { return w.grads; }, layout_);
}

int64_t SparseWeights::activeCount() const {
  return std::visit([](const auto& w) { return w.activeCount(); }, layout_);
}

int64_t SparseWeights::indexBytes() const {
  return std::visit([](const auto& w) { return w.indexBytes(); }, layout_);
}

Matrix& SparseWeights::workingPanel() {
  // The threads of a model's split stretch run the same layer at once, each on its share of the batch: the
  // helpers each keep a panel of their own for every layer, resized as they go (a share of the batch wide, so
  // the memory model's one full-width panel per layer bounds it).
  thread_local Matrix helperPanel;
  return omp_in_parallel() && omp_get_thread_num() > 0 ? helperPanel : panel_;
}

int64_t SparseWeights::workingPanelRows() const {
  return byLayout(
      layout_, [](const auto& w) { return w.transposed ? int64_t(0) : int64_t(w.cols); },
      [](const ChannelMatrix& w) { return int64_t(w.kept()); });
}

Matrix SparseWeights::toDense() const {
  return byLayout(
      layout_, [](const auto& w) { return denseOf(w); }, [](const ChannelMatrix& w) { return w.toDense(); });
}

Mask SparseWeights::mask() const {
  return byLayout(
      layout_, [](const auto& w) { return maskOf(w); }, [](const ChannelMatrix& w) { return w.mask(); });
}

std::vector<int64_t> SparseWeights::positions() const {
  std::vector<int64_t> out;
  out.reserve(size_t(activeCount()));
  byLayout(
      layout_,
      [&](const auto& w) {
        const EntryPlaces p = entryPlaces(w);
        for (size_t e = 0; e < p.row.size(); ++e) out.push_back(int64_t(p.row[e]) * w.cols + p.column[e]);
      },
      [&](const ChannelMatrix& w) {
        for (int r : w.keptRows)
          for (int c = 0; c < w.cols; ++c) out.push_back(int64_t(r) * w.cols + c);
      });
  return out;
}

void SparseWeights::multiply(const Matrix& in, const Vector& bias, Matrix& out, Matrix* rectified) {
  byLayout(
      layout_,
      [&](const auto& w) {
        const int width = int(in.cols());
        out.resize(w.rows, width);
        if (rectified) rectified->resize(w.rows, width);
        w.withRows([&](const auto& index) {
          gatherProduct(index, w.values.data(), nullptr, w.rows, in.data(), width,
                        bias.size() != 0 ? bias.data() : nullptr, out.data(), nullptr,
                        rectified ? rectified->data() : nullptr);
        });
      },
      [&](const ChannelMatrix& w) {
        w.multiply(in, out);
        if (bias.size() != 0) out.colwise() += bias;
        if (rectified) rectify(out, *rectified);
      });
}

void SparseWeights::multiplyToRows(const Matrix& in, const Vector& bias, Matrix& outT) {
  byLayout(
      layout_,
      [&](const auto& w) {
        const int width = int(in.cols());
        outT.resize(width, w.rows);
        w.withRows([&](const auto& index) {
          gatherProductTransposed(index, w.values.data(), nullptr, w.rows, in.data(), width, bias.data(), outT.data());
        });
      },
      [&](const ChannelMatrix& w) { w.multiplyToRows(in, bias, outT); });
}

void SparseWeights::accumulateGradient(const Matrix& dOut, const Matrix& in) {
  std::vector<float>& grads = this->grads();
  computeTeamShare(grads.data(), int64_t(grads.size()), partialGrads_, [&](float* gradient) {
    byLayout(
        layout_,
        [&](const auto& w) {
          w.withRows([&](const auto& index) {
            sampledProduct(index, w.rows, dOut.data(), in.data(), int(in.cols()), gradient);
          });
        },
        [&](const ChannelMatrix& w) { w.gradientInto(dOut, in, workingPanel(), gradient); });
  });
}

void SparseWeights::completeTeamGradient() {
  completeTeamSum(partialGrads_);
}

void SparseWeights::multiplyTransposed(const Matrix& dOut, Matrix& dIn, const Matrix* keepWherePositive) {
  const bool gathered = byLayout(
      layout_,
      [&](const auto& w) {
        if (!w.transposed) {
          scatterInto(w, dOut, dIn);
          return false;
        }
        const int width = int(dOut.cols());
        dIn.resize(w.cols, width);
        throughTransposedIndex(*w.transposed, [&](const auto& index, const int32_t* valueOf) {
          gatherProduct(index, w.values.data(), valueOf, w.cols, dOut.data(), width, nullptr, dIn.data(),
                        keepWherePositive ? keepWherePositive->data() : nullptr);
        });
        return true;
      },
      [&](const ChannelMatrix& w) {
        w.multiplyTransposed(dOut, dIn, workingPanel());
        return false;
      });
  // The gather keeps dIn where the panel is positive as it stores it; the scatter and the channel product leave
  // that to a pass of its own.
  if (keepWherePositive && !gathered) passWherePositive(*keepWherePositive, dIn);
}

void SparseWeights::multiplyTransposedToRows(const Matrix& dOut, Matrix& dInT) {
  byLayout(
      layout_,
      [&](const auto& w) {
        if (!w.transposed) {
          scatterInto(w, dOut, workingPanel());
          transposeInto(workingPanel(), dInT);
          return;
        }
        const int width = int(dOut.cols());
        dInT.resize(width, w.cols);
        throughTransposedIndex(*w.transposed, [&](const auto& index, const int32_t* valueOf) {
          gatherProductTransposed(index, w.values.data(), valueOf, w.cols, dOut.data(), width, nullptr, dInT.data());
        });
      },
      [&](const ChannelMatrix& w) { w.multiplyTransposedToRows(dOut, dInT, workingPanel()); });
}

}  // namespace ss
