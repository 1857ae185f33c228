#include "sparse/weight_matrix.h"

#include <stdexcept>
#include <string>

#include "core/relu.h"

namespace ss {

WeightMatrix::WeightMatrix(int rows, int cols, WeightAllocation allocation) : rows_(rows), cols_(cols) {
  if (allocation == WeightAllocation::Dense) allocateDense();
}

void WeightMatrix::allocateDense() {
  if (sparse_ || dense_.size() != 0) return;
  dense_.setZero(rows_, cols_);
  denseGrad_.setZero(rows_, cols_);
}

void WeightMatrix::becomeDense() {
  if (dense_.size() == 0 || sparse_) {
    dense_ = sparse_ ? sparse_->toDense() : Matrix::Zero(rows_, cols_);
    sparse_.reset();
  }
  mask_.reset();
  denseGrad_.setZero(rows_, cols_);
  partialDenseGrads_ = {};
}

void WeightMatrix::bornSparse(const std::vector<int64_t>& positions, std::vector<float> values,
                              const SparseFormat& format) {
  format_ = format;
  sparse_ = SparseWeights::fromPositions(rows_, cols_, positions, std::move(values), format);
  mask_.reset();
  dense_.resize(0, 0);
  denseGrad_.resize(0, 0);
  partialDenseGrads_ = {};
}

void WeightMatrix::multiply(const Matrix& in, const Vector& bias, Matrix& out, Matrix* rectified) {
  if (!sparse_) {
    out.noalias() = dense_ * in;
    if (bias.size() != 0) out.colwise() += bias;
    if (rectified) rectify(out, *rectified);
    return;
  }
  sparse_->multiply(in, bias, out, rectified);
}

void WeightMatrix::accumulateGradient(const Matrix& dOut, const Matrix& in) {
  if (!sparse_) {
    const bool whole = computeTeamShare(denseGrad_.data(), denseGrad_.size(), partialDenseGrads_, [&](float* gradient) {
      MatrixMap(gradient, rows_, cols_).noalias() = dOut * in.transpose();
    });
    if (whole) maskDenseGradient();
    return;
  }
  sparse_->accumulateGradient(dOut, in);
}

void WeightMatrix::completeTeamGradient() {
  if (sparse_) return sparse_->completeTeamGradient();
  completeTeamSum(partialDenseGrads_, [&](int64_t begin, int64_t end) { maskDenseGradient(begin, end); });
}

void WeightMatrix::multiplyTransposed(const Matrix& dOut, Matrix& dIn, const Matrix* keepWherePositive) {
  if (keepWherePositive && (keepWherePositive->rows() != cols_ || keepWherePositive->cols() != dOut.cols()))
    throw std::logic_error("multiplyTransposed: the panel to keep dIn by is " +
                           std::to_string(keepWherePositive->rows()) + " x " +
                           std::to_string(keepWherePositive->cols()) + ", not " + std::to_string(cols_) + " x " +
                           std::to_string(dOut.cols()));
  if (!sparse_) {
    dIn.noalias() = dense_.transpose() * dOut;
    if (keepWherePositive) passWherePositive(*keepWherePositive, dIn);
    return;
  }
  sparse_->multiplyTransposed(dOut, dIn, keepWherePositive);
}

void WeightMatrix::multiplyToRows(const Matrix& in, const Vector& bias, Matrix& out) {
  sparse_->multiplyToRows(in, bias, out);
}

void WeightMatrix::multiplyTransposedToRows(const Matrix& dOut, Matrix& dIn) {
  sparse_->multiplyTransposedToRows(dOut, dIn);
}

void WeightMatrix::maskDenseGradient() {
  maskDenseGradient(0, denseGrad_.size());
}

void WeightMatrix::maskDenseGradient(int64_t begin, int64_t end) {
  // Inactive weights get no gradient, so they and their momentum stay exactly zero.
  if (!mask_) return;
  float* g = denseGrad_.data();
  const uint8_t* active = mask_->bits.data();
  for (int64_t i = begin; i < end; ++i)
    if (!active[i]) g[i] = 0.0f;
}

void WeightMatrix::applyMask(const Mask& mask, bool sparseExecution, const SparseFormat& format) {
  const Matrix values = toDense();
  format_ = format;
  if (sparseExecution) {
    sparse_ = SparseWeights::build(mask, values, format);
    mask_.reset();
    dense_.resize(0, 0);
    denseGrad_.resize(0, 0);
    partialDenseGrads_ = {};
    return;
  }
  sparse_.reset();
  mask_ = mask;
  dense_ = values;
  for (Eigen::Index i = 0; i < dense_.size(); ++i)
    if (!mask.bits[size_t(i)]) dense_.data()[i] = 0.0f;
  denseGrad_.setZero(rows_, cols_);
}

void WeightMatrix::checkMomentum(const std::vector<float>& momentum) const {
  if (!momentum.empty() && momentum.size() != size_t(storedValues()))
    throw std::invalid_argument("replaceMask: optimizer state has " + std::to_string(momentum.size()) +
                                " entries, the weights store " + std::to_string(storedValues()));
}

void WeightMatrix::replaceMask(const Mask& next, std::vector<float>& momentum) {
  if (next.rows != rows_ || next.cols != cols_ || next.bits.size() != size_t(next.size()))
    throw std::invalid_argument("replaceMask: mask is " + std::to_string(next.rows) + "x" + std::to_string(next.cols) +
                                ", weights are " + std::to_string(rows_) + "x" + std::to_string(cols_));
  checkMomentum(momentum);
  if (sparse_) return adoptLayout(SparseWeights::build(next, Matrix(), format_), momentum);
  const bool moveState = !momentum.empty();
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
}

void WeightMatrix::replaceActive(const std::vector<int64_t>& next, std::vector<float>& momentum) {
  if (!sparse_) return replaceMask(maskAt(rows_, cols_, next), momentum);
  checkMomentum(momentum);
  adoptLayout(SparseWeights::fromPositions(rows_, cols_, next, {}, format_), momentum);
}

void WeightMatrix::adoptLayout(SparseWeights rebuilt, std::vector<float>& momentum) {
  // Every layout stores its entries in ascending row-major position, so one merge walk over the old and
  // the new positions carries each surviving weight's value, gradient and state to its new place.
  const bool moveState = !momentum.empty();
  const std::vector<int64_t> before = sparse_->positions();
  const std::vector<int64_t> after = rebuilt.positions();
  const std::vector<float>& oldValues = sparse_->values();
  const std::vector<float>& oldGrads = sparse_->grads();
  std::vector<float>& values = rebuilt.values();
  std::vector<float>& grads = rebuilt.grads();
  std::vector<float> state;
  if (moveState) state.assign(after.size(), 0.0f);
  size_t e = 0;
  for (size_t k = 0; k < after.size(); ++k) {
    while (e < before.size() && before[e] < after[k]) ++e;
    if (e == before.size() || before[e] != after[k]) continue;
    values[k] = oldValues[e];
    grads[k] = oldGrads[e];
    if (moveState) state[k] = momentum[e];
  }
  sparse_ = std::move(rebuilt);
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

std::vector<float> WeightMatrix::activeValues() const {
  if (sparse_) return sparse_->values();
  std::vector<float> values;
  values.reserve(size_t(activeCount()));
  for (int r = 0; r < rows_; ++r)
    for (int c = 0; c < cols_; ++c)
      if (!mask_ || mask_->at(r, c)) values.push_back(dense_(r, c));
  return values;
}

std::vector<int64_t> WeightMatrix::activePositions() const {
  if (sparse_) return sparse_->positions();
  std::vector<int64_t> positions;
  positions.reserve(size_t(activeCount()));
  const int64_t size = int64_t(rows_) * cols_;
  for (int64_t i = 0; i < size; ++i)
    if (!mask_ || mask_->bits[size_t(i)]) positions.push_back(i);
  return positions;
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
  if (sparse_) return {name, sparse_->values(), sparse_->grads(), true};
  return {name, {dense_.data(), size_t(dense_.size())}, {denseGrad_.data(), size_t(denseGrad_.size())}, true};
}

}  // namespace ss
