#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "nn/layer.h"

namespace ss {

// A stack of layers. Keeps every intermediate activation of the last training forward for backward.
// A stretch of consecutive layers that all take panels (the transposed layout the sparse kernels work in)
// runs on panels when one of them prefers it: its input is transposed once on the way in, its output once on
// the way out, and the activations and gradients inside stay panels. For the MLP at density 0.1 that removes
// the transposes around every sparse layer (fc2's input, fc1's and fc2's outputs and their gradients).
// With more than one thread and a large enough batch, each thread runs a stretch on its own share of the batch
// from its first layer to its last, forward and backward, and the layers sum their gradients over the threads.
class Model {
 public:
  void add(std::unique_ptr<Layer> layer);

  // What forward hands each share of the batch's output rows to as soon as they are written: output (batch x
  // outputs, one example per row) and rows [first, first + count) of it. When the model ends in a stretch that
  // splits the batch between threads, each thread calls it for its own share inside that stretch, so that work on
  // the output (the loss and its gradient) runs on the thread that has the rows in its cache, and not on one
  // thread while the others wait; otherwise the calling thread calls it once, for the whole batch.
  using OutputRows = std::function<void(const Matrix& output, Eigen::Index first, Eigen::Index count)>;

  // x is read where it is, not copied (a batch of MNIST images is 400 KB, copied every step), so it
  // must stay alive and unchanged until backward has run.
  const Matrix& forward(const Matrix& x, bool training, const OutputRows& onOutputRows = {});
  // Backpropagates d(loss)/d(logits) of the last forward; fills every layer's parameter gradients.
  void backward(const Matrix& dLogits);

  std::vector<ParameterRef> parameters();
  std::vector<NamedBuffer> stateBuffers();  // every layer's state that no optimizer steps (batch norm's statistics)
  const std::vector<std::unique_ptr<Layer>>& layers() const { return layers_; }
  // The input of layer i in the last forward (i = layer count: the output), one example per row whatever
  // layout the layer ran in.
  const Matrix& activation(size_t i) const;
  int64_t parameterCount();       // the values held: a sparse layer's active weights only
  int64_t denseParameterCount();  // as if every weight matrix were dense
  // Per layer, whether it runs on panels as the model stands (a sparse linear layer puts its stretch on them;
  // there a batch is split between threads when batchIsSplit says so, RigL's dense-gradient steps aside): what
  // the memory model needs to know of the working buffers.
  std::vector<char> panelPlan() const;
  std::string summary() const;

 private:
  // One thread's share of the batch in a split stretch: its rows [first, first + count) of the batch, and its
  // panels (by layer: a stretch's input, transposed, and each layer's output; backward's dY and dX).
  struct BatchShare {
    Eigen::Index first = 0, count = 0;
    std::vector<Matrix> inputs, outputs;
    Matrix grad, gradIn;
  };

  void planPanels(const Matrix& x);
  static void releaseStretch(std::vector<Matrix>& inputs, std::vector<Matrix>& outputs, size_t begin, size_t end);
  size_t stretchEnd(size_t begin) const;  // the end of the stretch on panels that starts at layer `begin`
  size_t stretchBegin(size_t end) const;  // the start of the one that ends there
  void forwardStretch(size_t begin, size_t end, const Matrix& in, Matrix& out, bool training);
  void forwardSplitStretch(size_t begin, size_t end, const Matrix& in, Matrix& out, bool training,
                           const OutputRows* onOutputRows);
  void backwardStretch(size_t begin, size_t end);
  void backwardSplitStretch(size_t begin, size_t end);
  // Layer i's forward inside a stretch on panels, from its input x into outputs[i], and when it passes its output
  // through the ReLU after it (outputThroughRelu_), that ReLU's output into outputs[i + 1]. Returns the last layer it
  // computed: i, or the ReLU's index.
  size_t forwardInStretch(size_t i, const Matrix& x, std::vector<Matrix>& outputs, bool training);
  // Layer i's backward inside a stretch on panels, from the gradient of its output to gradIn: the gradient of the
  // previous layer's output, or, when layer i passes it on through the ReLU before it (throughRelu_), of that
  // ReLU's input. Returns the layer it reached: i, or the ReLU's index.
  size_t backwardInStretch(size_t i, const Matrix& x, const Matrix& y, const Matrix& grad, Matrix& gradIn);

  std::vector<std::unique_ptr<Layer>> layers_;
  const Matrix* input_ = nullptr;         // the x of the last forward
  std::vector<Matrix> outputs_;           // outputs_[i] is the output of layer i, a panel when onPanels_[i]
                                          // (empty for a layer of a split stretch: shares_ hold those)
  std::vector<char> onPanels_;            // per layer: runs on panels in the last forward
  std::vector<char> throughRelu_;         // per layer: its backward on panels passes dX through the ReLU before it
  std::vector<char> outputThroughRelu_;   // per layer: its forward on panels also writes the ReLU after it
  std::vector<Matrix> transposedInputs_;  // per layer where the layout changes: its input, transposed
  std::vector<const Matrix*> inputs_;     // per layer: what it read in the last forward (not in split stretches)
  Matrix logits_;                         // the output, when the last layer ran on panels
  mutable std::vector<Matrix> rowsOf_;    // activation(i) of a panel, transposed on request
  Matrix gradIn_, gradOut_, gradTransposed_;
  bool splitBatch_ = false;         // the last forward split the batch between threads in its stretches
  std::vector<BatchShare> shares_;  // one per thread, when it did
  int team_ = 1;                    // how many threads it split it between
};

}  // namespace ss
