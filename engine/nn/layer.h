#pragma once

#include <algorithm>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "data/dataset.h"
#include "nn/parameter.h"

namespace ss {

class WeightMatrix;

// A layer maps a batch (one example per row, features in CHW order) to a batch. The model keeps
// every layer's input and output alive between forward and backward, and hands both back to
// backward, so layers need not copy them.
class Layer {
 public:
  virtual ~Layer() = default;

  virtual std::string kind() const = 0;
  virtual std::string describe() const = 0;  // "linear 784 -> 300"
  virtual ExampleShape inputShape() const = 0;
  virtual ExampleShape outputShape() const = 0;

  virtual void forward(const Matrix& x, Matrix& y, bool training) = 0;
  // Accumulates nothing: parameter gradients are overwritten with this batch's gradients.
  // dx is only computed when needInputGrad (the first layer does not need it).
  virtual void backward(const Matrix& x, const Matrix& y, const Matrix& dy, Matrix& dx, bool needInputGrad) = 0;

  // The same maps on panels: the transposed layout, one feature per row and the batch along it, which the
  // sparse kernels work in. The model runs a stretch of consecutive layers that take panels on them when one of
  // them prefers it (a sparse linear layer), so that the activations inside the stretch are never transposed.
  // Only layers whose takesPanels() is true are asked. The model may split the batch between threads: every
  // thread of a parallel region then calls these at once with panels of its own share of the batch; the layer
  // computes on the calling thread, and backwardPanel leaves each thread's part of the parameter gradients
  // (computeTeamShare, core/threads.h) for completeTeamGradients, which every thread calls after a barrier.
  virtual bool takesPanels() const { return false; }
  virtual bool prefersPanels() const { return false; }
  virtual void forwardPanel(const Matrix& /*xT*/, Matrix& /*yT*/, bool /*training*/) {
    throw std::logic_error(kind() + " takes no panels");
  }
  virtual void backwardPanel(const Matrix& /*xT*/, const Matrix& /*yT*/, const Matrix& /*dyT*/, Matrix& /*dxT*/,
                             bool /*needInputGrad*/) {
    throw std::logic_error(kind() + " takes no panels");
  }

  // When the layer after this one is a ReLU in the same stretch, the model asks, if this is true, for
  // forwardPanelThroughRelu instead of forwardPanel, and skips the ReLU's forward: the layer writes the ReLU's output
  // from its sums while they are still in registers, without a pass of its own over the panel.
  virtual bool passesOutputThroughRelu() const { return false; }
  // forwardPanel, and reluT = max(yT, 0) as ReLU::forward computes it.
  virtual void forwardPanelThroughRelu(const Matrix& /*xT*/, Matrix& /*yT*/, Matrix& /*reluT*/, bool /*training*/) {
    throw std::logic_error(kind() + " does not pass its output through a ReLU");
  }

  // When the layer before this one is a ReLU in the same stretch, the model asks, if this is true, for
  // backwardPanelThroughRelu instead of backwardPanel, and skips the ReLU's backward: dX leaves this layer already
  // passed back through the ReLU, without a pass of its own over the panel (the MLP's ReLU backward after fc1 took
  // 2.3 us of a 80 us sparse step).
  virtual bool passesInputGradientThroughRelu() const { return false; }
  // backwardPanel with needInputGrad, where xT is the output of a ReLU: dxT is the gradient with respect to that
  // ReLU's input, kept where xT is positive and zero elsewhere, as ReLU::backward would pass it on.
  virtual void backwardPanelThroughRelu(const Matrix& /*xT*/, const Matrix& /*yT*/, const Matrix& /*dyT*/,
                                        Matrix& /*dxT*/) {
    throw std::logic_error(kind() + " does not pass its input gradient through a ReLU");
  }

  // The same on batch rows, where a layer's forward and backward each pass over the batch once more than they need
  // when a ReLU follows (ResNet's batch norms): when the layer after this one is a ReLU that alone reads this layer's
  // output, the model asks, if this is true, for forwardThroughRelu and backwardThroughRelu instead of the two
  // layers' own, and this layer's output, which nothing else reads, is not kept.
  virtual bool passesRowsThroughRelu() const { return false; }
  // relu = max(y, 0) for the y forward would compute, with rectify's formula (core/relu.h).
  virtual void forwardThroughRelu(const Matrix& /*x*/, Matrix& /*relu*/, bool /*training*/) {
    throw std::logic_error(kind() + " does not pass its rows through a ReLU");
  }
  // backward, given the ReLU's output and the gradient of it: dY is dRelu where relu is positive, else 0, with
  // passWherePositive's formula.
  virtual void backwardThroughRelu(const Matrix& /*x*/, const Matrix& /*relu*/, const Matrix& /*dRelu*/, Matrix& /*dx*/,
                                   bool /*needInputGrad*/) {
    throw std::logic_error(kind() + " does not pass its rows through a ReLU");
  }

  virtual void completeTeamGradients() {}

  virtual std::vector<ParameterRef> parameters() { return {}; }
  // State besides the parameters that training changes and later steps or evaluation read (batch norm's running
  // statistics): a checkpoint must save and restore these too for a resumed run to stay exact. Empty for most.
  virtual std::vector<NamedBuffer> stateBuffers() { return {}; }
  // The layer's weight matrix when it has one that can be made sparse (linear, conv), else null.
  virtual WeightMatrix* weightMatrix() { return nullptr; }
  // k*k for a conv (each input channel's kernel is k*k consecutive columns), 1 otherwise.
  virtual int kernelArea() const { return 1; }
  // Bytes per example a layer keeps from its training forward for backward besides its output (dropout's scale),
  // for the memory model.
  virtual int64_t keptBytesPerExample() const { return 0; }
  // The state of a layer's own random stream (dropout's), for checkpoints; empty for layers without one.
  virtual std::string randomState() const { return {}; }
  virtual bool setRandomState(const std::string& /*state*/) { return true; }
  const std::string& name() const { return name_; }
  void setName(std::string n) { name_ = std::move(n); }

  // RigL's dense gradient: the next backward computes d(loss)/dW at every position of weightMatrix(), active or
  // not, and hands it to `use` from inside backward in chunks of consecutive rows (first row, the rows), each chunk
  // freed before the next is made: at most kDenseGradientChunkValues of it exist at a time, whatever the layer's
  // size. `use` must not change the layer. An empty function cancels the request; layers without a weight matrix
  // never call it.
  using DenseGradientRows = std::function<void(int firstRow, const Eigen::Ref<const Matrix>& rows)>;
  static constexpr int64_t kDenseGradientChunkValues = int64_t(1) << 20;
  // Rows in a chunk of a rows x cols gradient.
  static int denseGradientChunkRows(int rows, int cols) {
    return int(std::clamp<int64_t>(kDenseGradientChunkValues / std::max(cols, 1), 1, std::max(rows, 1)));
  }
  void requestDenseWeightGradient(DenseGradientRows use) { denseGradientUse_ = std::move(use); }

  bool denseWeightGradientRequested() const { return bool(denseGradientUse_); }

 protected:
  // For backward: hands the gradient of a rows-row weight matrix to the pending request, which it clears, chunk by
  // chunk; rowsOf(first, count) gives rows [first, first + count) as a matrix or a view of one.
  template <typename RowsOf>
  void deliverDenseWeightGradient(int rows, int cols, RowsOf&& rowsOf) {
    const DenseGradientRows use = std::move(denseGradientUse_);
    denseGradientUse_ = nullptr;
    const int chunk = denseGradientChunkRows(rows, cols);
    for (int first = 0; first < rows; first += chunk) use(first, rowsOf(first, std::min(chunk, rows - first)));
  }

 private:
  std::string name_;
  DenseGradientRows denseGradientUse_;
};

}  // namespace ss
