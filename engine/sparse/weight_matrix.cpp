#include "sparse/weight_matrix.h"

#include <stdexcept>
#include <string>

#include "sparse/panel_transpose.h"
#include "sparse/sparse_kernels.h"

namespace ss {

WeightMatrix::WeightMatrix(int rows, int cols)
    : rows_(rows), cols_(cols), dense_(Matrix::Zero(rows, cols)), denseGrad_(Matrix::Zero(rows, cols)) {}

void WeightMatrix::multiply(const Matrix& in, Matrix& out) const {
  if (!sparse_) {
    out.noalias() = dense_ * in;
    return;
  }
  const CsrMatrix& w = *sparse_;
  const int width = int(in.cols());
  out.resize(rows_, width);
  w.column.withData([&](const auto* column) {
    gatherProduct(w.rowStart.data(), column, w.values.data(), nullptr, rows_, in.data(), width, out.data());
  });
}

void WeightMatrix::accumulateGradient(const Matrix& dOut, const Matrix& in) {
  if (!sparse_) {
    denseGrad_.noalias() = dOut * in.transpose();
    maskDenseGradient();
    return;
  }
  CsrMatrix& w = *sparse_;
  w.column.withData([&](const auto* column) {
    sampledProduct(w.rowStart.data(), column, rows_, dOut.data(), in.data(), int(in.cols()), w.grads.data());
  });
}

void WeightMatrix::multiplyTransposed(const Matrix& dOut, Matrix& dIn) {
  if (!sparse_) {
    dIn.noalias() = dense_.transpose() * dOut;
    return;
  }
  const CsrMatrix& w = *sparse_;
  const int width = int(dOut.cols());
  if (w.hasTransposedIndex) {
    dIn.resize(cols_, width);
    w.rowOfEntryT.withData([&](const auto* row) {
      gatherProduct(w.colStart.data(), row, w.values.data(), w.entryOfT.data(), cols_, dOut.data(), width, dIn.data());
    });
  } else {
    dIn.setZero(cols_, width);
    w.column.withData([&](const auto* column) {
      scatterProduct(w.rowStart.data(), column, w.values.data(), rows_, dOut.data(), width, dIn.data());
    });
  }
}

void WeightMatrix::multiplyToRows(const Matrix& in, const Vector& bias, Matrix& out) const {
  const CsrMatrix& w = *sparse_;
  const int width = int(in.cols());
  out.resize(width, rows_);
  w.column.withData([&](const auto* column) {
    gatherProductTransposed(w.rowStart.data(), column, w.values.data(), nullptr, rows_, in.data(), width, bias.data(),
                            out.data());
  });
}

void WeightMatrix::multiplyTransposedToRows(const Matrix& dOut, Matrix& dIn) {
  const CsrMatrix& w = *sparse_;
  const int width = int(dOut.cols());
  if (!w.hasTransposedIndex) {
    multiplyTransposed(dOut, scatterPanel_);
    transposeInto(scatterPanel_, dIn);
    return;
  }
  dIn.resize(width, cols_);
  w.rowOfEntryT.withData([&](const auto* row) {
    gatherProductTransposed(w.colStart.data(), row, w.values.data(), w.entryOfT.data(), cols_, dOut.data(), width,
                            nullptr, dIn.data());
  });
}

void WeightMatrix::maskDenseGradient() {
  // Inactive weights get no gradient, so they and their momentum stay exactly zero.
  if (!mask_) return;
  float* g = denseGrad_.data();
  const uint8_t* active = mask_->bits.data();
  for (Eigen::Index i = 0; i < denseGrad_.size(); ++i)
    if (!active[i]) g[i] = 0.0f;
}

void WeightMatrix::applyMask(const Mask& mask, bool sparseExecution, bool transposedIndex) {
  const Matrix values = toDense();
  if (sparseExecution) {
    sparse_ = CsrMatrix::fromMask(mask, values, transposedIndex);
    mask_.reset();
    dense_.resize(0, 0);
    denseGrad_.resize(0, 0);
    return;
  }
  sparse_.reset();
  mask_ = mask;
  dense_ = values;
  for (Eigen::Index i = 0; i < dense_.size(); ++i)
    if (!mask.bits[size_t(i)]) dense_.data()[i] = 0.0f;
  denseGrad_.setZero(rows_, cols_);
}

void WeightMatrix::replaceMask(const Mask& next, std::vector<float>& momentum) {
  if (next.rows != rows_ || next.cols != cols_ || next.bits.size() != size_t(next.size()))
    throw std::invalid_argument("replaceMask: mask is " + std::to_string(next.rows) + "x" + std::to_string(next.cols) +
                                ", weights are " + std::to_string(rows_) + "x" + std::to_string(cols_));
  const bool moveState = !momentum.empty();
  if (moveState && momentum.size() != size_t(storedValues()))
    throw std::invalid_argument("replaceMask: optimizer state has " + std::to_string(momentum.size()) +
                                " entries, the weights store " + std::to_string(storedValues()));
  if (!sparse_) {
    float* w = dense_.data();
    float* g = denseGrad_.data();
    for (size_t i = 0; i < next.bits.size(); ++i) {
      const bool wasActive = !mask_ || mask_->bits[i];
      if (next.bits[i] && wasActive) continue;
      w[i] = 0.0f;
      g[i] = 0.0f;
      if (moveState) momentum[i] = 0.0f;
    }
    mask_ = next;
    return;
  }
  const CsrMatrix& old = *sparse_;
  CsrMatrix m;
  m.rows = rows_;
  m.cols = cols_;
  m.rowStart.assign(size_t(rows_) + 1, 0);
  m.column = IndexArray(cols_);
  const size_t nnz = size_t(next.activeCount());
  m.column.reserve(nnz);
  m.values.reserve(nnz);
  m.grads.reserve(nnz);
  std::vector<float> state;
  if (moveState) state.reserve(nnz);
  for (int r = 0; r < rows_; ++r) {
    int32_t e = old.rowStart[size_t(r)];
    const int32_t end = old.rowStart[size_t(r) + 1];
    for (int c = 0; c < cols_; ++c) {
      if (!next.at(r, c)) continue;
      while (e < end && old.column[size_t(e)] < c) ++e;
      const bool survives = e < end && old.column[size_t(e)] == c;
      m.column.push_back(c);
      m.values.push_back(survives ? old.values[size_t(e)] : 0.0f);
      m.grads.push_back(survives ? old.grads[size_t(e)] : 0.0f);
      if (moveState) state.push_back(survives ? momentum[size_t(e)] : 0.0f);
    }
    m.rowStart[size_t(r) + 1] = int32_t(m.column.size());
  }
  if (old.hasTransposedIndex) m.buildTransposedIndex();
  sparse_ = std::move(m);
  if (moveState) momentum = std::move(state);
}

Matrix WeightMatrix::toDense() const {
  return sparse_ ? sparse_->toDense() : dense_;
}

Mask WeightMatrix::mask() const {
  if (sparse_) return sparse_->mask();
  if (mask_) return *mask_;
  return Mask(rows_, cols_, 1);
}

int64_t WeightMatrix::activeCount() const {
  if (sparse_) return sparse_->activeCount();
  if (mask_) return mask_->activeCount();
  return int64_t(rows_) * cols_;
}

int64_t WeightMatrix::storedValues() const {
  return sparse_ ? sparse_->activeCount() : int64_t(rows_) * cols_;
}

int64_t WeightMatrix::indexBytes() const {
  if (sparse_) return sparse_->indexBytes();
  return mask_ ? int64_t(mask_->bits.size()) : 0;  // masked-dense keeps one byte per weight
}

ParameterRef WeightMatrix::parameter(const std::string& name) {
  if (sparse_) return {name, sparse_->values, sparse_->grads, true};
  return {name, {dense_.data(), size_t(dense_.size())}, {denseGrad_.data(), size_t(denseGrad_.size())}, true};
}

}  // namespace ss
