#pragma once

#include "nn/layer.h"

namespace ss {

// The join of a residual block: y = x + shortcut(s), where x is the block's last layer's output and s the block's
// input, read from an earlier layer (Model::addJoin wires it). When the block keeps the shape, the shortcut is the
// identity; when it changes it and no projection conv made s the new shape, the shortcut is option A of He et al.'s
// CIFAR ResNets: s subsampled with the block's stride and its channels zero-padded evenly on both sides
// (PyTorch: F.pad(s[:, :, ::2, ::2], (0, 0, 0, 0, pad, pad))), a shortcut without parameters.
class ResidualAdd : public Layer {
 public:
  // `main` is x's shape (and y's), `skip` s's; s must fit the option-A shortcut into `main`.
  ResidualAdd(ExampleShape main, ExampleShape skip);

  std::string kind() const override { return "residualadd"; }
  std::string describe() const override;  // "add identity", "add zero-padded 16 -> 32, stride 2"
  ExampleShape inputShape() const override { return main_; }
  ExampleShape outputShape() const override { return main_; }
  ExampleShape skipShape() const { return skip_; }

  // A join needs its second input: the model calls the overloads below.
  void forward(const Matrix& x, Matrix& y, bool training) override;
  void backward(const Matrix& x, const Matrix& y, const Matrix& dy, Matrix& dx, bool needInputGrad) override;
  void forward(const Matrix& x, const Matrix& skip, Matrix& y);
  // dx = dy; dSkip = the shortcut's transpose applied to dy.
  void backward(const Matrix& dy, Matrix& dx, Matrix& dSkip);
  // The join and the block's ReLU after it as one pass: relu = max(x + shortcut(s), 0), the sum never written; the
  // same values as the two layers. Backward takes the ReLU's output and its gradient: dx = dRelu where relu > 0,
  // dSkip the shortcut's transpose of dx.
  void forwardThroughRelu(const Matrix& x, const Matrix& skip, Matrix& relu);
  void backwardThroughRelu(const Matrix& relu, const Matrix& dRelu, Matrix& dx, Matrix& dSkip);

  // Whether s goes straight through (same shape), else through the option-A shortcut.
  bool identity() const { return stride_ == 1 && skip_.channels == main_.channels; }
  // The option-A shortcut's subsampling stride: the one that takes s's height to x's.
  static int strideBetween(const ExampleShape& skip, const ExampleShape& main);

 private:
  // Calls pair(example, i, o) for every value of s that the option-A shortcut keeps: s's value i lands on y's value o.
  template <typename Pair>
  void forEachShortcutPair(Eigen::Index examples, Pair pair) const;
  void passToShortcut(const Matrix& dy, Matrix& dSkip) const;  // dSkip = the shortcut's transpose applied to dy

  ExampleShape main_, skip_;
  int stride_;
  int padFront_;  // zero channels before s's
};

}  // namespace ss
