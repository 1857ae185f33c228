#pragma once

#include <random>
#include <vector>

#include "batch_norm.h"
#include "conv2d.h"
#include "erk_densities.h"
#include "image_dataset.h"
#include "masked_layer.h"
#include "masked_mlp.h"
#include "nesterov_sgd.h"
#include "residual_block.h"

namespace reference {

// He et al.'s CIFAR ResNet-20 on one-channel 28x28 images: 3x3 conv to 16 channels, batch norm, ReLU;
// three stages of three basic blocks at 16, 32 and 64 channels (the first block of stages 2 and 3 of
// stride 2 with a projection shortcut); global average pooling; a linear classifier with bias; softmax
// cross-entropy. Conv and linear weights are Kaiming-normal over their fan-in (std sqrt(2 / fan_in), the
// MLP reference's rule with a conv's fan-in C * k * k), the classifier's bias zero.
class ResNet20 {
 public:
  ResNet20(int imageSide, std::mt19937_64& rng);

  // One forward (batch statistics) and backward pass of a batch of images (one per row): fills every
  // gradient, returns the batch's loss and hits.
  BatchOutcome forwardBackward(const RowMatrix& images, const std::vector<int>& labels);
  // Evaluation mode: batch norm by its running statistics.
  double accuracy(const ImageSet& set);
  void optimizerStep(float learningRate, const SgdSettings& settings);

  // Every conv and the classifier, in forward order: the first conv, each block's two convs and its
  // projection, the classifier last.
  std::vector<MaskedLayer> layers;
  std::vector<LayerShape> layerShapes() const;
  std::vector<BatchNorm*> norms();
  long activeWeights() const;
  long totalWeights() const;
  long parameterCount();

 private:
  Eigen::MatrixXf logits(const RowMatrix& images, bool training);

  int imageSide_;
  Conv2d stem_;
  BatchNorm stemNorm_;
  std::vector<ResidualBlock> blocks_;
  RowMatrix stemOutput_;    // after the ReLU
  FeatureMaps lastMaps_;    // the last block's output, before pooling
  Eigen::MatrixXf pooled_;  // batch x 64
};

}  // namespace reference
