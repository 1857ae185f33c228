#include "residual_block.h"

namespace reference {
namespace {

void relu(FeatureMaps& maps) {
  maps.values = maps.values.cwiseMax(0.0f);
}

// dL/dinput of a ReLU from its output: zero where the output was not positive.
void reluBackward(FeatureMaps& gradient, const RowMatrix& output) {
  gradient.values = (output.array() > 0.0f).select(gradient.values, 0.0f);
}

}  // namespace

ResidualBlock::ResidualBlock(int inChannels, int outChannels, int stride, int nextLayer)
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

FeatureMaps ResidualBlock::forward(const FeatureMaps& input, const std::vector<MaskedLayer>& layers, bool training) {
  FeatureMaps hidden = first_.forward(input, layers[firstLayer_]);
  firstNorm_.forward(hidden, training);
  relu(hidden);
  FeatureMaps output = second_.forward(hidden, layers[firstLayer_ + 1]);
  secondNorm_.forward(output, training);
  if (projection_) {
    FeatureMaps shortcut = projection_->forward(input, layers[firstLayer_ + 2]);
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

FeatureMaps ResidualBlock::backward(const FeatureMaps& outputGradient, std::vector<MaskedLayer>& layers) {
  FeatureMaps sum = outputGradient;
  reluBackward(sum, output_);
  FeatureMaps hidden = second_.backward(secondNorm_.backward(sum), layers[firstLayer_ + 1]);
  reluBackward(hidden, hidden_);
  FeatureMaps input = first_.backward(firstNorm_.backward(hidden), layers[firstLayer_]);
  if (projection_)
    input.values += projection_->backward(projectionNorm_->backward(sum), layers[firstLayer_ + 2]).values;
  else
    input.values += sum.values;
  return input;
}

std::vector<BatchNorm*> ResidualBlock::norms() {
  std::vector<BatchNorm*> result{&firstNorm_, &secondNorm_};
  if (projectionNorm_) result.push_back(&*projectionNorm_);
  return result;
}

std::vector<ConvShape> ResidualBlock::convShapes() const {
  std::vector<ConvShape> result{first_.shape(), second_.shape()};
  if (projection_) result.push_back(projection_->shape());
  return result;
}

}  // namespace reference
