#include "residual_block.h"

namespace reference {
namespace {

template <typename Scalar>
void relu(FeatureMaps<Scalar>& maps) {
  maps.values = maps.values.cwiseMax(Scalar(0));
}

// dL/dinput of a ReLU from its output: zero where the output was not positive.
template <typename Scalar>
void reluBackward(FeatureMaps<Scalar>& gradient, const RowMatrixOf<Scalar>& output) {
  gradient.values = (output.array() > Scalar(0)).select(gradient.values, Scalar(0));
}

}  // namespace

template <typename Scalar>
ResidualBlock<Scalar>::ResidualBlock(int inChannels, int outChannels, int stride, int nextLayer)
    : firstLayer_(nextLayer),
      first_({inChannels, outChannels, 3, stride, 1}),
      second_({outChannels, outChannels, 3, 1, 1}),
      firstNorm_(outChannels),
      secondNorm_(outChannels) {
  if (stride != 1 || inChannels != outChannels) {
    projection_.emplace(ConvShape{inChannels, outChannels, 1, stride, 0});
    projectionNorm_.emplace(outChannels);
  }
}

template <typename Scalar>
typename ResidualBlock<Scalar>::Maps ResidualBlock<Scalar>::forward(const Maps& input, const std::vector<Layer>& layers,
                                                                    bool training) {
  Maps hidden = first_.forward(input, layers[firstLayer_]);
  firstNorm_.forward(hidden, training);
  relu(hidden);
  Maps output = second_.forward(hidden, layers[firstLayer_ + 1]);
  secondNorm_.forward(output, training);
  if (projection_) {
    Maps shortcut = projection_->forward(input, layers[firstLayer_ + 2]);
    projectionNorm_->forward(shortcut, training);
    output.values += shortcut.values;
  } else {
    output.values += input.values;
  }
  relu(output);
  if (training) {
    hidden_ = hidden.values;
    output_ = output.values;
  }
  return output;
}

template <typename Scalar>
typename ResidualBlock<Scalar>::Maps ResidualBlock<Scalar>::backward(const Maps& outputGradient,
                                                                     std::vector<Layer>& layers) {
  Maps sum = outputGradient;
  reluBackward(sum, output_);
  Maps hidden = second_.backward(secondNorm_.backward(sum), layers[firstLayer_ + 1]);
  reluBackward(hidden, hidden_);
  Maps input = first_.backward(firstNorm_.backward(hidden), layers[firstLayer_]);
  if (projection_)
    input.values += projection_->backward(projectionNorm_->backward(sum), layers[firstLayer_ + 2]).values;
  else
    input.values += sum.values;
  return input;
}

template <typename Scalar>
std::vector<BatchNorm<Scalar>*> ResidualBlock<Scalar>::norms() {
  std::vector<BatchNorm<Scalar>*> result{&firstNorm_, &secondNorm_};
  if (projectionNorm_) result.push_back(&*projectionNorm_);
  return result;
}

template <typename Scalar>
std::vector<ConvShape> ResidualBlock<Scalar>::convShapes() const {
  std::vector<ConvShape> result{first_.shape(), second_.shape()};
  if (projection_) result.push_back(projection_->shape());
  return result;
}

template class ResidualBlock<float>;
template class ResidualBlock<double>;

}  // namespace reference
