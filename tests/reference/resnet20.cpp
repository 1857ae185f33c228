#include "resnet20.h"

#include <cmath>

namespace reference {
namespace {

MaskedLayer kaimingLayer(int outputs, int fanIn, bool withBias, std::mt19937_64& rng) {
  std::normal_distribution<float> kaiming(0.0f, std::sqrt(2.0f / float(fanIn)));
  MaskedLayer layer;
  layer.weights = Eigen::MatrixXf::NullaryExpr(outputs, fanIn, [&] { return kaiming(rng); });
  layer.mask = Eigen::MatrixXf::Ones(outputs, fanIn);
  layer.weightMomentum = Eigen::MatrixXf::Zero(outputs, fanIn);
  layer.weightGradient = Eigen::MatrixXf::Zero(outputs, fanIn);
  if (withBias) {
    layer.bias = Eigen::VectorXf::Zero(outputs);
    layer.biasMomentum = Eigen::VectorXf::Zero(outputs);
    layer.biasGradient = Eigen::VectorXf::Zero(outputs);
  }
  return layer;
}

MaskedLayer convLayer(const ConvShape& shape, std::mt19937_64& rng) {
  return kaimingLayer(shape.outChannels, shape.inChannels * shape.kernel * shape.kernel, false, rng);
}

constexpr int blocksPerStage = 3;
const int stageChannels[] = {16, 32, 64};
constexpr int classes = 10;

}  // namespace

ResNet20::ResNet20(int imageSide, std::mt19937_64& rng)
    : imageSide_(imageSide), stem_({1, 16, 3, 1, 1}), stemNorm_(16) {
  layers.push_back(convLayer(stem_.shape(), rng));
  int channels = 16;
  for (int stage = 0; stage < 3; ++stage)
    for (int b = 0; b < blocksPerStage; ++b) {
      const int stride = stage > 0 && b == 0 ? 2 : 1;
      blocks_.emplace_back(channels, stageChannels[stage], stride, int(layers.size()));
      for (const ConvShape& shape : blocks_.back().convShapes()) layers.push_back(convLayer(shape, rng));
      channels = stageChannels[stage];
    }
  layers.push_back(kaimingLayer(classes, channels, true, rng));
}

Eigen::MatrixXf ResNet20::logits(const RowMatrix& images, bool training) {
  const int batch = int(images.rows());
  // One row per image -> one channel: the pixels of every image in turn.
  FeatureMaps maps{batch, imageSide_, imageSide_, images.reshaped<Eigen::RowMajor>().transpose()};
  maps = stem_.forward(maps, layers[0]);
  stemNorm_.forward(maps, training);
  maps.values = maps.values.cwiseMax(0.0f);
  if (training) stemOutput_ = maps.values;
  for (ResidualBlock& block : blocks_) maps = block.forward(maps, layers, training);
  const int plane = maps.height * maps.width;
  Eigen::MatrixXf pooled(batch, maps.channels());
  for (int n = 0; n < batch; ++n)
    pooled.row(n) = maps.values.middleCols(Eigen::Index(n) * plane, plane).rowwise().mean().transpose();
  const MaskedLayer& classifier = layers.back();
  Eigen::MatrixXf out = pooled * classifier.weights.transpose();
  out.rowwise() += classifier.bias.transpose();
  if (training) {
    lastMaps_ = std::move(maps);
    pooled_ = std::move(pooled);
  }
  return out;
}

BatchOutcome ResNet20::forwardBackward(const RowMatrix& images, const std::vector<int>& labels) {
  Eigen::MatrixXf delta = logits(images, true);
  BatchOutcome outcome = softmaxCrossEntropy(delta, labels);
  MaskedLayer& classifier = layers.back();
  classifier.weightGradient.noalias() = delta.transpose() * pooled_;
  classifier.biasGradient = delta.colwise().sum().transpose();
  const Eigen::MatrixXf pooledGradient = delta * classifier.weights;  // batch x channels
  const int plane = lastMaps_.height * lastMaps_.width;
  FeatureMaps gradient{lastMaps_.batch, lastMaps_.height, lastMaps_.width,
                       RowMatrix(lastMaps_.channels(), lastMaps_.values.cols())};
  for (int n = 0; n < lastMaps_.batch; ++n)
    gradient.values.middleCols(Eigen::Index(n) * plane, plane).colwise() =
        pooledGradient.row(n).transpose() / float(plane);
  for (auto block = blocks_.rbegin(); block != blocks_.rend(); ++block) gradient = block->backward(gradient, layers);
  gradient.values = (stemOutput_.array() > 0.0f).select(gradient.values, 0.0f);
  stem_.backward(stemNorm_.backward(gradient), layers[0]);
  return outcome;
}

double ResNet20::accuracy(const ImageSet& set) {
  // Chunks no larger than a training batch, so that the convs' im2col buffers are reused, not grown.
  const Eigen::Index chunk = 128;
  long hits = 0;
  for (Eigen::Index start = 0; start < set.images.rows(); start += chunk) {
    const Eigen::Index rows = std::min(chunk, set.images.rows() - start);
    const Eigen::MatrixXf out = logits(set.images.middleRows(start, rows), false);
    for (Eigen::Index i = 0; i < rows; ++i) {
      Eigen::Index predicted;
      out.row(i).maxCoeff(&predicted);
      hits += predicted == set.labels[start + i];
    }
  }
  return double(hits) / double(set.images.rows());
}

void ResNet20::optimizerStep(float learningRate, const SgdSettings& settings) {
  for (MaskedLayer& layer : layers) nesterovStep(layer, learningRate, settings);
  for (BatchNorm* norm : norms()) {
    nesterovStepUndecayed(norm->scale, norm->scaleMomentum, norm->scaleGradient, learningRate, settings);
    nesterovStepUndecayed(norm->shift, norm->shiftMomentum, norm->shiftGradient, learningRate, settings);
  }
}

std::vector<LayerShape> ResNet20::layerShapes() const {
  std::vector<LayerShape> shapes{{16, 1, 3, 3, true}};
  for (const ResidualBlock& block : blocks_)
    for (const ConvShape& shape : block.convShapes())
      shapes.push_back({shape.outChannels, shape.inChannels, shape.kernel, shape.kernel});
  shapes.push_back({classes, stageChannels[2]});
  return shapes;
}

std::vector<BatchNorm*> ResNet20::norms() {
  std::vector<BatchNorm*> result{&stemNorm_};
  for (ResidualBlock& block : blocks_)
    for (BatchNorm* norm : block.norms()) result.push_back(norm);
  return result;
}

long ResNet20::activeWeights() const {
  long active = 0;
  for (const MaskedLayer& layer : layers) active += layer.activeCount();
  return active;
}

long ResNet20::totalWeights() const {
  long total = 0;
  for (const MaskedLayer& layer : layers) total += long(layer.mask.size());
  return total;
}

long ResNet20::parameterCount() {
  long count = totalWeights() + long(layers.back().bias.size());
  for (BatchNorm* norm : norms()) count += long(norm->scale.size() + norm->shift.size());
  return count;
}

}  // namespace reference
