#include "nn/linear.h"

#include <cmath>

#include "sparse/sparse_kernels.h"

namespace ss {

Linear::Linear(int inputs, int outputs)
    : inputs_(inputs), outputs_(outputs),
      weight_(Matrix::Zero(outputs, inputs)), weightGrad_(Matrix::Zero(outputs, inputs)),
      bias_(Vector::Zero(outputs)), biasGrad_(Vector::Zero(outputs)) {}

std::string Linear::describe() const {
  return "linear " + std::to_string(inputs_) + " -> " + std::to_string(outputs_);
}

void Linear::initKaiming(Rng& rng) {
  // He et al. 2015 for ReLU networks: N(0, 2 / fan_in).
  const float stddev = std::sqrt(2.0f / static_cast<float>(inputs_));
  for (Eigen::Index i = 0; i < weight_.size(); ++i) weight_.data()[i] = rng.normal(0.0f, stddev);
  bias_.setZero();
}

void Linear::forward(const Matrix& x, Matrix& y, bool) {
  if (sparse_) return sparseForward(x, y);
  y.noalias() = x * weight_.transpose();
  y.rowwise() += bias_.transpose();
}

void Linear::backward(const Matrix& x, const Matrix&, const Matrix& dy, Matrix& dx, bool needInputGrad) {
  biasGrad_ = dy.colwise().sum().transpose();
  if (sparse_) return sparseBackward(x, dy, dx, needInputGrad);
  weightGrad_.noalias() = dy.transpose() * x;
  // Inactive weights get no gradient, so they (and their momentum) stay exactly zero.
  if (denseMask_) {
    float* g = weightGrad_.data();
    const uint8_t* active = denseMask_->bits.data();
    for (Eigen::Index i = 0; i < weightGrad_.size(); ++i)
      if (!active[i]) g[i] = 0.0f;
  }
  if (needInputGrad) dx.noalias() = dy * weight_;
}

void Linear::sparseForward(const Matrix& x, Matrix& y) {
  const CsrMatrix& w = *sparse_;
  const int batch = int(x.rows());
  xT_ = x.transpose();
  yT_.resize(outputs_, batch);
  gatherProduct(w.rowStart.data(), w.column.data(), w.values.data(), outputs_, xT_.data(), batch, yT_.data());
  y = yT_.transpose();
  y.rowwise() += bias_.transpose();
}

void Linear::sparseBackward(const Matrix& x, const Matrix& dy, Matrix& dx, bool needInputGrad) {
  CsrMatrix& w = *sparse_;
  const int batch = int(x.rows());
  dyT_ = dy.transpose();
  // xT_ still holds this batch's input from forward.
  if (xT_.cols() != batch) xT_ = x.transpose();
  sampledProduct(w.rowStart.data(), w.column.data(), outputs_, dyT_.data(), xT_.data(), batch, w.grads.data());
  if (!needInputGrad) return;
  if (w.hasTransposedIndex) {
    valuesT_.resize(w.values.size());
    for (size_t q = 0; q < valuesT_.size(); ++q) valuesT_[q] = w.values[size_t(w.entryOfT[q])];
    dxT_.resize(inputs_, batch);
    gatherProduct(w.colStart.data(), w.rowOfEntryT.data(), valuesT_.data(), inputs_, dyT_.data(), batch, dxT_.data());
  } else {
    dxT_.setZero(inputs_, batch);
    scatterProduct(w.rowStart.data(), w.column.data(), w.values.data(), outputs_, dyT_.data(), batch, dxT_.data());
  }
  dx = dxT_.transpose();
}

void Linear::applyMask(const Mask& mask, bool sparseExecution, bool transposedIndex) {
  const Matrix dense = denseWeight();
  if (sparseExecution) {
    sparse_ = CsrMatrix::fromMask(mask, dense, transposedIndex);
    denseMask_.reset();
    weight_.resize(0, 0);
    weightGrad_.resize(0, 0);
  } else {
    sparse_.reset();
    denseMask_ = mask;
    weight_ = dense;
    for (Eigen::Index i = 0; i < weight_.size(); ++i)
      if (!mask.bits[size_t(i)]) weight_.data()[i] = 0.0f;
    weightGrad_.setZero(outputs_, inputs_);
  }
}

Matrix Linear::denseWeight() const { return sparse_ ? sparse_->toDense() : weight_; }

Mask Linear::mask() const {
  if (sparse_) return sparse_->mask();
  if (denseMask_) return *denseMask_;
  return Mask(outputs_, inputs_, 1);
}

std::vector<ParameterRef> Linear::parameters() {
  ParameterRef weight{name() + ".weight", {weight_.data(), size_t(weight_.size())},
                      {weightGrad_.data(), size_t(weightGrad_.size())}, true};
  if (sparse_) weight = {name() + ".weight", sparse_->values, sparse_->grads, true};
  return {weight, {name() + ".bias", {bias_.data(), size_t(bias_.size())}, {biasGrad_.data(), size_t(biasGrad_.size())}, false}};
}

}  // namespace ss
