#include "resnet20.h"

#include <algorithm>
#include <cmath>

namespace reference {
namespace {

template <typename Scalar>
MaskedLayerOf<Scalar> kaimingLayer(int outputs, int fanIn, bool withBias, std::mt19937_64& rng) {
  using Layer = MaskedLayerOf<Scalar>;
  std::normal_distribution<Scalar> kaiming(Scalar(0), std::sqrt(Scalar(2) / Scalar(fanIn)));
  Layer layer;
  layer.weights = Layer::Matrix::NullaryExpr(outputs, fanIn, [&] { return kaiming(rng); });
  layer.mask = Layer::Matrix::Ones(outputs, fanIn);
  layer.weightMomentum = Layer::Matrix::Zero(outputs, fanIn);
  layer.weightGradient = Layer::Matrix::Zero(outputs, fanIn);
  if (withBias) {
    layer.bias = Layer::Vector::Zero(outputs);
    layer.biasMomentum = Layer::Vector::Zero(outputs);
    layer.biasGradient = Layer::Vector::Zero(outputs);
  }
  return layer;
}

template <typename Scalar>
MaskedLayerOf<Scalar> convLayer(const ConvShape& shape, std::mt19937_64& rng) {
  return kaimingLayer<Scalar>(shape.outChannels, shape.inChannels * shape.kernel * shape.kernel, false, rng);
}

constexpr int blocksPerStage = 3;
const int stageChannels[] = {16, 32, 64};
constexpr int classes = 10;

}  // namespace

template <typename Scalar>
ResNet20<Scalar>::ResNet20(int imageSide, std::mt19937_64& rng)
    : imageSide_(imageSide), stem_({1, 16, 3, 1, 1}), stemNorm_(16) {
  layers.push_back(convLayer<Scalar>(stem_.shape(), rng));
  int channels = 16;
  for (int stage = 0; stage < 3; ++stage)
    for (int b = 0; b < blocksPerStage; ++b) {
      const int stride = stage > 0 && b == 0 ? 2 : 1;
      blocks_.emplace_back(channels, stageChannels[stage], stride, int(layers.size()));
      for (const ConvShape& shape : blocks_.back().convShapes()) layers.push_back(convLayer<Scalar>(shape, rng));
      channels = stageChannels[stage];
    }
  layers.push_back(kaimingLayer<Scalar>(classes, channels, true, rng));
}

template <typename Scalar>
typename ResNet20<Scalar>::Matrix ResNet20<Scalar>::logits(const RowMatrixOf<Scalar>& images, bool training) {
  const int batch = int(images.rows());
  // One row per image -> one channel: the pixels of every image in turn.
  FeatureMaps<Scalar> maps{batch, imageSide_, imageSide_, images.template reshaped<Eigen::RowMajor>().transpose()};
  maps = stem_.forward(maps, layers[0]);
  stemNorm_.forward(maps, training);
  maps.values = maps.values.cwiseMax(Scalar(0));
  if (training) stemOutput_ = maps.values;
  for (ResidualBlock<Scalar>& block : blocks_) maps = block.forward(maps, layers, training);
  return head_.forward(maps, layers.back());
}

template <typename Scalar>
BatchOutcome ResNet20<Scalar>::forwardBackward(const RowMatrixOf<Scalar>& images, const std::vector<int>& labels) {
  Matrix delta = logits(images, true);
  BatchOutcome outcome = softmaxCrossEntropy(delta, labels);
  FeatureMaps<Scalar> gradient = head_.backward(delta, layers.back());
  for (auto block = blocks_.rbegin(); block != blocks_.rend(); ++block) gradient = block->backward(gradient, layers);
  gradient.values = (stemOutput_.array() > Scalar(0)).select(gradient.values, Scalar(0));
  stem_.backward(stemNorm_.backward(gradient), layers[0]);
  return outcome;
}

template <typename Scalar>
double ResNet20<Scalar>::accuracy(const ImageSet& set) {
  // Chunks no larger than a training batch, so that the convs' im2col buffers are reused, not grown.
  const Eigen::Index chunk = 128;
  long hits = 0;
  for (Eigen::Index start = 0; start < set.images.rows(); start += chunk) {
    const Eigen::Index rows = std::min(chunk, set.images.rows() - start);
    const Matrix out = logits(set.images.middleRows(start, rows).template cast<Scalar>(), false);
    for (Eigen::Index i = 0; i < rows; ++i) {
      Eigen::Index predicted;
      out.row(i).maxCoeff(&predicted);
      hits += predicted == set.labels[start + i];
    }
  }
  return double(hits) / double(set.images.rows());
}

template <typename Scalar>
std::vector<LayerShape> ResNet20<Scalar>::layerShapes() const {
  std::vector<LayerShape> shapes{{16, 1, 3, 3, true}};
  for (const ResidualBlock<Scalar>& block : blocks_)
    for (const ConvShape& shape : block.convShapes())
      shapes.push_back({shape.outChannels, shape.inChannels, shape.kernel, shape.kernel});
  shapes.push_back({classes, stageChannels[2]});
  return shapes;
}

template <typename Scalar>
std::vector<BatchNorm<Scalar>*> ResNet20<Scalar>::norms() {
  std::vector<BatchNorm<Scalar>*> result{&stemNorm_};
  for (ResidualBlock<Scalar>& block : blocks_)
    for (BatchNorm<Scalar>* norm : block.norms()) result.push_back(norm);
  return result;
}

template <typename Scalar>
long ResNet20<Scalar>::activeWeights() const {
  long active = 0;
  for (const Layer& layer : layers) active += layer.activeCount();
  return active;
}

template <typename Scalar>
long ResNet20<Scalar>::totalWeights() const {
  long total = 0;
  for (const Layer& layer : layers) total += long(layer.mask.size());
  return total;
}

template <typename Scalar>
long ResNet20<Scalar>::parameterCount() {
  long count = totalWeights() + long(layers.back().bias.size());
  for (BatchNorm<Scalar>* norm : norms()) count += long(norm->scale.size() + norm->shift.size());
  return count;
}

template class ResNet20<float>;
template class ResNet20<double>;

}  // namespace reference
