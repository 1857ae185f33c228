#pragma once

#include <random>
#include <vector>

#include "batch_norm.h"
#include "conv2d.h"
#include "erk_densities.h"
#include "image_dataset.h"
#include "masked_layer.h"
#include "pooled_classifier.h"
#include "residual_block.h"
#include "softmax_cross_entropy.h"

namespace reference {

// He et al.'s CIFAR ResNet-20 on one-channel 28x28 images: 3x3 conv to 16 channels, batch norm, ReLU;
// three stages of three basic blocks at 16, 32 and 64 channels (the first block of stages 2 and 3 of
// stride 2 with a projection shortcut); global average pooling; a linear classifier with bias; softmax
// cross-entropy. Conv and linear weights are Kaiming-normal over their fan-in (std sqrt(2 / fan_in), the
// MLP reference's rule with a conv's fan-in C * k * k), the classifier's bias zero. Training uses
// ResNet20<float>; the gradient check ResNet20<double>.
template <typename Scalar>
class ResNet20 {
 public:
  using Layer = MaskedLayerOf<Scalar>;

  ResNet20(int imageSide, std::mt19937_64& rng);

  // One forward (batch statistics) and backward pass of a batch of images (one per row): fills every
  // gradient, returns the batch's loss and hits.
  BatchOutcome forwardBackward(const RowMatrixOf<Scalar>& images, const std::vector<int>& labels);
  // Evaluation mode: batch norm by its running statistics.
  double accuracy(const ImageSet& set);

  // Every conv and the classifier, in forward order: the first conv, each block's two convs and its
  // projection, the classifier last.
  std::vector<Layer> layers;
  std::vector<LayerShape> layerShapes() const;
  std::vector<BatchNorm<Scalar>*> norms();
  long activeWeights() const;
  long totalWeights() const;
  long parameterCount();

 private:
  using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
  Matrix logits(const RowMatrixOf<Scalar>& images, bool training);

  int imageSide_;
  Conv2d<Scalar> stem_;
  BatchNorm<Scalar> stemNorm_;
  std::vector<ResidualBlock<Scalar>> blocks_;
  PooledClassifier<Scalar> head_;
  RowMatrixOf<Scalar> stemOutput_;  // after the ReLU
};

}  // namespace reference
