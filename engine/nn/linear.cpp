#include "nn/linear.h"

#include <cmath>

#include "nn/kaiming_init.h"
#include "sparse/panel_row_sums.h"
#include "sparse/panel_transpose.h"

namespace ss {

Linear::Linear(int inputs, int outputs, WeightAllocation allocation)
    : inputs_(inputs),
      outputs_(outputs),
      weight_(outputs, inputs, allocation),
      bias_(Vector::Zero(outputs)),
      biasGrad_(Vector::Zero(outputs)) {}

std::string Linear::describe() const {
  return "linear " + std::to_string(inputs_) + " -> " + std::to_string(outputs_);
}

void Linear::initKaiming(Rng& rng) {
  initKaimingDense(weight_, inputs_, rng);
  bias_.setZero();
}

void Linear::initKaimingSparse(const std::vector<int64_t>& positions, const SparseFormat& format, Rng& rng) {
  ss::initKaimingSparse(weight_, inputs_, positions, format, rng);
  bias_.setZero();
}

void Linear::forward(const Matrix& x, Matrix& y, bool) {
  if (weight_.sparse()) {
    transposeInto(x, xT_);
    weight_.multiplyToRows(xT_, bias_, y);
    return;
  }
  y.noalias() = x * weight_.dense().transpose();
  y.rowwise() += bias_.transpose();
}

void Linear::backward(const Matrix& x, const Matrix&, const Matrix& dy, Matrix& dx, bool needInputGrad) {
  biasGrad_ = dy.colwise().sum().transpose();
  if (weight_.sparse()) {
    transposeInto(dy, dyT_);
    if (xT_.cols() != x.rows()) transposeInto(x, xT_);  // normally still there from forward
    weight_.accumulateGradient(dyT_, xT_);
    if (denseWeightGradientRequested())
      deliverDenseWeightGradient(outputs_, inputs_, [&](int first, int count) -> Matrix {
        return dyT_.middleRows(first, count) * xT_.transpose();
      });
    if (!needInputGrad) return;
    weight_.multiplyTransposedToRows(dyT_, dx);
    return;
  }
  weight_.denseGradient().noalias() = dy.transpose() * x;
  if (denseWeightGradientRequested())  // before masking: the inactive entries are what RigL asks for
    deliverDenseWeightGradient(outputs_, inputs_,
                               [&](int first, int count) { return weight_.denseGradient().middleRows(first, count); });
  weight_.maskDenseGradient();
  if (needInputGrad) dx.noalias() = dy * weight_.dense();
}

void Linear::forwardPanel(const Matrix& xT, Matrix& yT, bool) {
  weight_.multiply(xT, bias_, yT);
}

void Linear::forwardPanelThroughRelu(const Matrix& xT, Matrix& yT, Matrix& reluT, bool) {
  weight_.multiply(xT, bias_, yT, &reluT);
}

void Linear::backwardPanel(const Matrix& xT, const Matrix&, const Matrix& dyT, Matrix& dxT, bool needInputGrad) {
  backwardOnPanels(xT, dyT, needInputGrad ? &dxT : nullptr, nullptr);
}

void Linear::backwardPanelThroughRelu(const Matrix& xT, const Matrix&, const Matrix& dyT, Matrix& dxT) {
  backwardOnPanels(xT, dyT, &dxT, &xT);
}

void Linear::backwardOnPanels(const Matrix& xT, const Matrix& dyT, Matrix* dxT, const Matrix* keepWherePositive) {
  computeTeamShare(biasGrad_.data(), biasGrad_.size(), biasGradPartials_,
                   [&](float* sums) { sumRowsOfPanel(dyT, sums); });
  if (denseWeightGradientRequested())  // never in a split stretch: the model keeps the batch whole for it
    deliverDenseWeightGradient(outputs_, inputs_, [&](int first, int count) -> Matrix {
      return dyT.middleRows(first, count) * xT.transpose();
    });
  weight_.accumulateGradient(dyT, xT);
  if (dxT) weight_.multiplyTransposed(dyT, *dxT, keepWherePositive);
}

void Linear::completeTeamGradients() {
  completeTeamSum(biasGradPartials_);
  weight_.completeTeamGradient();
}

std::vector<ParameterRef> Linear::parameters() {
  return {
      weight_.parameter(name() + ".weight"),
      {name() + ".bias", {bias_.data(), size_t(bias_.size())}, {biasGrad_.data(), size_t(biasGrad_.size())}, false}};
}

}  // namespace ss
