#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "nn/layer.h"
#include "nn/residual_add.h"

namespace ss {

// A stack of layers. Keeps every intermediate activation of the last training forward for backward.
// A stretch of consecutive layers that all take panels (the transposed layout the sparse kernels work in)
// runs on panels when one of them prefers it: its input is transposed once on the way in, its output once on
// the way out, and the activations and gradients inside stay panels. For the MLP at density 0.1 that removes
// the transposes around every sparse layer (fc2's input, fc1's and fc2's outputs and their gradients).
// With more than one thread and a large enough batch, each thread runs a stretch on its own share of the batch
// from its first layer to its last, forward and backward, and the layers sum their gradients over the threads.
//
// The layers are a list in the order they run, and each reads the output of an earlier one: the one before it
// unless added otherwise, so a residual network stays a flat list (every weight layer is still found, named and
// checkpointed by walking it) whose blocks' shortcuts read back. A layer whose output more than one layer reads
// gets the sum of their gradients. Only chains (each layer reading the one before, its output read by the next
// alone) run on panels.
class Model {
 public:
  static constexpr int kModelInput = -1;  // as a layer's source: the model's input

  void add(std::unique_ptr<Layer> layer);  // reads the previous layer's output
  // Reads layer `from`'s output (kModelInput: the model's input), such as a projection shortcut its block's input.
  void add(std::unique_ptr<Layer> layer, int from);
  // x from layer `from`, the shortcut's s from layer `skipFrom`.
  void addJoin(std::unique_ptr<ResidualAdd> join, int from, int skipFrom);
  int lastIndex() const { return int(layers_.size()) - 1; }

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
  // The output of layer i - 1 in the last forward (0: the model's input; the layer count: the logits; empty for a
  // layer that passed its output straight through a ReLU, reluFusionPlan), one example
  // per row whatever layout the layer ran in: in a chain, the input of layer i.
  const Matrix& activation(size_t i) const;
  // The layer whose output layer i reads (kModelInput: the model's input).
  int sourceOf(size_t i) const { return from_[i]; }
  int skipSourceOf(size_t i) const { return skipFrom_[i]; }  // a join's shortcut input (else kModelInput)
  int64_t parameterCount();                                  // the values held: a sparse layer's active weights only
  int64_t denseParameterCount();                             // as if every weight matrix were dense
  // Per layer, whether it runs on panels as the model stands (a sparse linear layer puts its stretch on them;
  // there a batch is split between threads when batchIsSplit says so, RigL's dense-gradient steps aside): what
  // the memory model needs to know of the working buffers.
  std::vector<char> panelPlan() const;
  // Per layer, whether it passes its output straight through the ReLU after it (Layer::passesRowsThroughRelu, and
  // every residual join) as the model stands: its own output is then not kept, and activation() of it is empty.
  std::vector<char> reluFusionPlan() const;
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
  std::vector<char> reluFusionPlan(const std::vector<char>& onPanels) const;
  bool readByNextAlone(size_t j) const;  // the output of layer j: only layer j + 1 reads it, as its x
  bool inChain(size_t i) const;  // reads the previous layer's output alone, and the next layer alone reads its own
  // Layer j's output in batch rows (j = kModelInput: the model's input) after forward: a layer on panels that
  // another layer reads is the last of its stretch, whose output goes back to rows.
  const Matrix& outputRows(int j) const;
  // Hands the gradient of layer `from`'s output that layer i's backward left in `grad` to where it is summed.
  void passGradient(size_t i, int from, Matrix& grad);
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
  std::vector<int> from_;                 // per layer: the layer whose output it reads
  std::vector<int> skipFrom_;             // per layer: a join's shortcut source (else kModelInput)
  std::vector<ResidualAdd*> joins_;       // per layer: the join it is, else null
  std::vector<int> readers_;              // per layer: how many layers read its output (as x or as a shortcut)
  std::vector<Matrix> pending_;           // per layer read by more than the next one: its output's gradient, summed
  const Matrix* input_ = nullptr;         // the x of the last forward
  std::vector<Matrix> outputs_;           // outputs_[i] is the output of layer i, a panel when onPanels_[i]
                                          // (empty for a layer of a split stretch: shares_ hold those)
  std::vector<char> onPanels_;            // per layer: runs on panels in the last forward
  std::vector<char> throughRelu_;         // per layer: its backward on panels passes dX through the ReLU before it
  std::vector<char> outputThroughRelu_;   // per layer: its forward on panels also writes the ReLU after it
  std::vector<char> rowsThroughRelu_;     // per layer: on rows, it and the ReLU after it run as one (reluFusionPlan)
  std::vector<Matrix> transposedInputs_;  // per layer where the layout changes: its input, transposed
  std::vector<const Matrix*> inputs_;     // per layer: what it read in the last forward (not in split stretches)
  Matrix logits_;                         // the output, when the last layer ran on panels
  mutable std::vector<Matrix> rowsOf_;    // activation(i) of a panel, transposed on request
  Matrix gradIn_, gradOut_, gradTransposed_, skipGrad_;
  bool splitBatch_ = false;         // the last forward split the batch between threads in its stretches
  std::vector<BatchShare> shares_;  // one per thread, when it did
  int team_ = 1;                    // how many threads it split it between
};

}  // namespace ss
