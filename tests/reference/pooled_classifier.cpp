#include "pooled_classifier.h"

namespace reference {

template <typename Scalar>
typename PooledClassifier<Scalar>::Matrix PooledClassifier<Scalar>::forward(const FeatureMaps<Scalar>& maps,
                                                                            const MaskedLayerOf<Scalar>& layer) {
  const int plane = maps.height * maps.width;
  height_ = maps.height;
  width_ = maps.width;
  pooled_.resize(maps.batch, maps.channels());
  for (int n = 0; n < maps.batch; ++n)
    pooled_.row(n) = maps.values.middleCols(Eigen::Index(n) * plane, plane).rowwise().mean().transpose();
  Matrix logits = pooled_ * layer.weights.transpose();
  logits.rowwise() += layer.bias.transpose();
  return logits;
}

template <typename Scalar>
FeatureMaps<Scalar> PooledClassifier<Scalar>::backward(const Matrix& logitGradient,
                                                       MaskedLayerOf<Scalar>& layer) const {
  layer.weightGradient.noalias() = logitGradient.transpose() * pooled_;
  layer.biasGradient = logitGradient.colwise().sum().transpose();
  const Matrix pooledGradient = logitGradient * layer.weights;  // batch x channels
  const int batch = int(pooled_.rows()), plane = height_ * width_;
  // Every pixel of a channel had weight 1 / plane in its mean.
  FeatureMaps<Scalar> result{batch, height_, width_, RowMatrixOf<Scalar>(pooled_.cols(), Eigen::Index(batch) * plane)};
  for (int n = 0; n < batch; ++n)
    result.values.middleCols(Eigen::Index(n) * plane, plane).colwise() =
        pooledGradient.row(n).transpose() / Scalar(plane);
  return result;
}

template class PooledClassifier<float>;
template class PooledClassifier<double>;

}  // namespace reference
