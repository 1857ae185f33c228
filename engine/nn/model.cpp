#include "nn/model.h"

#include <sstream>
#include <stdexcept>

#include "core/threads.h"
#include "sparse/panel_transpose.h"
#include "sparse/weight_matrix.h"

namespace ss {

void Model::add(std::unique_ptr<Layer> layer) {
  add(std::move(layer), lastIndex());
}

void Model::add(std::unique_ptr<Layer> layer, int from) {
  if (from < kModelInput || from > lastIndex())
    throw std::logic_error(layer->name() + " reads layer " + std::to_string(from) + ", which is not before it");
  if (from >= 0) ++readers_[size_t(from)];
  layers_.push_back(std::move(layer));
  from_.push_back(from);
  skipFrom_.push_back(kModelInput);
  joins_.push_back(nullptr);
  readers_.push_back(0);
  outputs_.resize(layers_.size());
}

void Model::addJoin(std::unique_ptr<ResidualAdd> join, int from, int skipFrom) {
  if (skipFrom < kModelInput || skipFrom > lastIndex())
    throw std::logic_error(join->name() + " reads layer " + std::to_string(skipFrom) + ", which is not before it");
  ResidualAdd* raw = join.get();
  add(std::move(join), from);
  joins_.back() = raw;
  skipFrom_.back() = skipFrom;
  if (skipFrom >= 0) ++readers_[size_t(skipFrom)];
}

bool Model::readByNextAlone(size_t j) const {
  return j + 1 < layers_.size() && readers_[j] == 1 && from_[j + 1] == int(j) && !joins_[j + 1];
}

bool Model::inChain(size_t i) const {
  const bool readsPrevious = i == 0 ? from_[0] == kModelInput : readByNextAlone(i - 1);
  return readsPrevious && !joins_[i] && (i + 1 == layers_.size() || readByNextAlone(i));
}

std::vector<char> Model::panelPlan() const {
  const size_t n = layers_.size();
  std::vector<char> plan(n, 0);
  const auto takesPanels = [&](size_t i) { return layers_[i]->takesPanels() && inChain(i); };
  for (size_t begin = 0; begin < n;) {
    size_t end = begin;
    bool preferred = false;
    while (end < n && takesPanels(end)) preferred |= layers_[end++]->prefersPanels();
    for (size_t i = begin; i < end; ++i) plan[i] = preferred;
    begin = end == begin ? begin + 1 : end;
  }
  return plan;
}

void Model::planPanels(const Matrix& x) {
  // Asked at every forward: whether a linear layer prefers panels changes when an algorithm makes it sparse.
  onPanels_ = panelPlan();
  bool denseGradientAsked = false;
  for (size_t i = 0; i < layers_.size(); ++i)
    denseGradientAsked |= onPanels_[i] && layers_[i]->denseWeightGradientRequested();
  // RigL's dense gradient is one matrix for the whole batch: at the steps that ask for it the batch stays whole.
  splitBatch_ = batchIsSplit(x.rows(), omp_get_max_threads()) && !omp_in_parallel() && !denseGradientAsked;
  // A ReLU on panels right before a layer that can pass its dX on through it: consecutive layers on panels are in
  // one stretch, and a ReLU from layer 1 on needs its input gradient.
  const auto reluOnPanels = [&](size_t j) { return onPanels_[j] && layers_[j]->kind() == "relu"; };
  throughRelu_.assign(layers_.size(), 0);
  for (size_t i = 2; i < layers_.size(); ++i)
    throughRelu_[i] = onPanels_[i] && reluOnPanels(i - 1) && layers_[i]->passesInputGradientThroughRelu();
  // The same on the way forward: a layer on panels right before a ReLU on panels (so in its stretch) that can write
  // the ReLU's output along with its own.
  outputThroughRelu_.assign(layers_.size(), 0);
  for (size_t i = 0; i + 1 < layers_.size(); ++i)
    outputThroughRelu_[i] = onPanels_[i] && reluOnPanels(i + 1) && layers_[i]->passesOutputThroughRelu();
  rowsThroughRelu_ = reluFusionPlan(onPanels_);
}

std::vector<char> Model::reluFusionPlan() const {
  return reluFusionPlan(panelPlan());
}

std::vector<char> Model::reluFusionPlan(const std::vector<char>& onPanels) const {
  std::vector<char> fused(layers_.size(), 0);
  for (size_t i = 0; i + 1 < layers_.size(); ++i)
    fused[i] = !onPanels[i] && !onPanels[i + 1] && layers_[i + 1]->kind() == "relu" && readByNextAlone(i) &&
               (joins_[i] || layers_[i]->passesRowsThroughRelu());
  return fused;
}

void Model::releaseStretch(std::vector<Matrix>& inputs, std::vector<Matrix>& outputs, size_t begin, size_t end) {
  // A stretch runs split at most steps and whole at some (RigL's dense-gradient steps): the buffers of the way
  // it did not run are freed, so its activations are not held twice.
  if (begin < inputs.size()) inputs[begin] = Matrix();
  for (size_t i = begin; i < end && i < outputs.size(); ++i) outputs[i] = Matrix();
}

size_t Model::stretchEnd(size_t begin) const {
  size_t end = begin;
  while (end < onPanels_.size() && onPanels_[end]) ++end;
  return end;
}

size_t Model::stretchBegin(size_t end) const {
  size_t begin = end;
  while (begin > 0 && onPanels_[begin - 1]) --begin;
  return begin;
}

const Matrix& Model::outputRows(int j) const {
  if (j == kModelInput) return *input_;
  if (!onPanels_[size_t(j)]) return outputs_[size_t(j)];
  return size_t(j) + 1 == layers_.size() ? logits_ : transposedInputs_[size_t(j) + 1];
}

const Matrix& Model::forward(const Matrix& x, bool training, const OutputRows& onOutputRows) {
  planPanels(x);
  input_ = &x;
  const size_t n = layers_.size();
  transposedInputs_.resize(n);
  inputs_.assign(n, nullptr);
  bool outputRowsHandedOn = false;
  for (size_t begin = 0; begin < n;) {
    const Matrix& in = outputRows(from_[begin]);
    if (!onPanels_[begin]) {
      inputs_[begin] = &in;
      if (rowsThroughRelu_[begin]) {
        outputs_[begin] = Matrix();  // not kept: the ReLU alone reads it
        if (joins_[begin])
          joins_[begin]->forwardThroughRelu(in, outputRows(skipFrom_[begin]), outputs_[begin + 1]);
        else
          layers_[begin]->forwardThroughRelu(in, outputs_[begin + 1], training);
        ++begin;
      } else if (joins_[begin]) {
        joins_[begin]->forward(in, outputRows(skipFrom_[begin]), outputs_[begin]);
      } else {
        layers_[begin]->forward(in, outputs_[begin], training);
      }
      ++begin;
      continue;
    }
    // A stretch on panels: its output goes back to batch rows, as the next layer's input or as the logits.
    const size_t end = stretchEnd(begin);
    Matrix& out = end == n ? logits_ : transposedInputs_[end];
    if (splitBatch_) {
      const bool last = end == n && onOutputRows;
      forwardSplitStretch(begin, end, in, out, training, last ? &onOutputRows : nullptr);
      outputRowsHandedOn = last;
    } else {
      forwardStretch(begin, end, in, out, training);
    }
    begin = end;
  }
  const Matrix& output = outputRows(int(n) - 1);
  if (onOutputRows && !outputRowsHandedOn) onOutputRows(output, 0, output.rows());
  return output;
}

void Model::forwardStretch(size_t begin, size_t end, const Matrix& in, Matrix& out, bool training) {
  for (BatchShare& share : shares_) releaseStretch(share.inputs, share.outputs, begin, end);
  transposeInto(in, transposedInputs_[begin]);
  const Matrix* x = &transposedInputs_[begin];
  for (size_t i = begin; i < end; ++i) {
    inputs_[i] = x;
    const size_t last = forwardInStretch(i, *x, outputs_, training);
    if (last > i) inputs_[last] = &outputs_[i];
    i = last;
    x = &outputs_[i];
  }
  transposeInto(*x, out);
}

void Model::forwardSplitStretch(size_t begin, size_t end, const Matrix& in, Matrix& out, bool training,
                                const OutputRows* onOutputRows) {
  // Each thread runs the whole stretch on its own share of the batch, in panels of its own: on the 2-core test
  // machine a cache line takes 230 ns to pass between the cores, and layers that split each product between
  // the threads (by rows, or by columns of one shared panel) moved activations between them at every layer,
  // so that two threads ran the sparse MLP step slower than one. What crosses now: the weights, read by all,
  // the gradients' partial sums (computeTeamShare), and the stretch's input and output in batch rows.
  const Eigen::Index batch = in.rows();
  releaseStretch(transposedInputs_, outputs_, begin, end);
  out.resize(batch, layers_[end - 1]->outputShape().size());
  shares_.resize(size_t(omp_get_max_threads()));
  for (BatchShare& share : shares_) {
    share.inputs.resize(layers_.size());
    share.outputs.resize(layers_.size());
    share.count = 0;
  }
  team_ = int(shares_.size());
  runOnTeam(team_, [&] {
    const int t = omp_get_thread_num();
    if (t == 0) team_ = omp_get_num_threads();  // fewer only if the OpenMP runtime had fewer to give
    BatchShare& share = shares_[size_t(t)];
    const auto [first, last] = lineShare(batch, t, omp_get_num_threads());
    share.first = first;
    share.count = last - first;
    transposeRowsInto(in, share.first, share.count, share.inputs[begin]);
    const Matrix* x = &share.inputs[begin];
    for (size_t i = begin; i < end; ++i) {
      i = forwardInStretch(i, *x, share.outputs, training);
      x = &share.outputs[i];
    }
    transposeIntoRows(*x, out, share.first);
    if (onOutputRows) (*onOutputRows)(out, share.first, share.count);
  });
}

void Model::backward(const Matrix& dLogits) {
  gradOut_ = dLogits;
  pending_.resize(layers_.size());
  for (size_t end = layers_.size(); end > 0;) {
    const size_t i = end - 1;
    // gradOut_ holds the gradient of layer i's output when the next layer alone reads it; else its readers summed it.
    if (i + 1 < layers_.size() && !readByNextAlone(i)) {
      std::swap(gradOut_, pending_[i]);
      pending_[i] = Matrix();
    }
    if (i > 0 && rowsThroughRelu_[i - 1]) {  // layer i is the ReLU the layer before it computed
      const size_t fused = i - 1;
      const int from = from_[fused];
      if (joins_[fused]) {
        joins_[fused]->backwardThroughRelu(outputs_[i], gradOut_, gradIn_, skipGrad_);
        if (skipFrom_[fused] != kModelInput) passGradient(fused, skipFrom_[fused], skipGrad_);
      } else {
        layers_[fused]->backwardThroughRelu(*inputs_[fused], outputs_[i], gradOut_, gradIn_, from != kModelInput);
      }
      if (from != kModelInput) passGradient(fused, from, gradIn_);
      end = fused;
      continue;
    }
    if (!onPanels_[i]) {
      const int from = from_[i];
      if (joins_[i]) {
        joins_[i]->backward(gradOut_, gradIn_, skipGrad_);
        if (skipFrom_[i] != kModelInput) passGradient(i, skipFrom_[i], skipGrad_);
      } else {
        layers_[i]->backward(*inputs_[i], outputs_[i], gradOut_, gradIn_, from != kModelInput);
      }
      if (from != kModelInput) passGradient(i, from, gradIn_);
      end = i;
      continue;
    }
    const size_t begin = stretchBegin(end);
    if (splitBatch_)
      backwardSplitStretch(begin, end);
    else
      backwardStretch(begin, end);
    end = begin;
  }
}

void Model::passGradient(size_t i, int from, Matrix& grad) {
  if (from == int(i) - 1 && readByNextAlone(size_t(from)) && &grad == &gradIn_) {
    std::swap(gradIn_, gradOut_);  // a chain: the gradient of the previous layer's output, next to be used
    return;
  }
  Matrix& sum = pending_[size_t(from)];
  if (sum.size() == 0)
    std::swap(sum, grad);
  else
    sum += grad;
}

void Model::backwardStretch(size_t begin, size_t end) {
  transposeInto(gradOut_, gradTransposed_);
  std::swap(gradOut_, gradTransposed_);
  for (size_t i = end; i-- > begin;) {
    i = backwardInStretch(i, *inputs_[i], outputs_[i], gradOut_, gradIn_);
    if (i > 0) std::swap(gradIn_, gradOut_);
  }
  if (begin == 0) return;
  transposeInto(gradOut_, gradTransposed_);
  std::swap(gradOut_, gradTransposed_);
}

void Model::backwardSplitStretch(size_t begin, size_t end) {
  if (begin > 0) gradIn_.resize(gradOut_.rows(), layers_[begin]->inputShape().size());
  // The same team as the forward, each thread with the same share of the batch.
  runOnTeam(
      team_,
      [&] {
        if (omp_get_num_threads() != team_)
          throw std::logic_error("the OpenMP team changed between forward and backward");
        BatchShare& share = shares_[size_t(omp_get_thread_num())];
        transposeRowsInto(gradOut_, share.first, share.count, share.grad);
        for (size_t i = end; i-- > begin;) {
          const Matrix& x = i == begin ? share.inputs[begin] : share.outputs[i - 1];
          i = backwardInStretch(i, x, share.outputs[i], share.grad, share.gradIn);
          if (i > 0) std::swap(share.gradIn, share.grad);
        }
        if (begin > 0) transposeIntoRows(share.grad, gradIn_, share.first);
      },
      [&] {
        for (size_t i = begin; i < end; ++i) layers_[i]->completeTeamGradients();
      });
  if (begin > 0) std::swap(gradIn_, gradOut_);
}

size_t Model::forwardInStretch(size_t i, const Matrix& x, std::vector<Matrix>& outputs, bool training) {
  if (!outputThroughRelu_[i]) {
    layers_[i]->forwardPanel(x, outputs[i], training);
    return i;
  }
  layers_[i]->forwardPanelThroughRelu(x, outputs[i], outputs[i + 1], training);
  return i + 1;
}

size_t Model::backwardInStretch(size_t i, const Matrix& x, const Matrix& y, const Matrix& grad, Matrix& gradIn) {
  if (!throughRelu_[i]) {
    layers_[i]->backwardPanel(x, y, grad, gradIn, i > 0);
    return i;
  }
  layers_[i]->backwardPanelThroughRelu(x, y, grad, gradIn);
  return i - 1;
}

const Matrix& Model::activation(size_t i) const {
  if (i == 0) return *input_;
  if (i == layers_.size()) return outputRows(int(i) - 1);
  if (i - 1 >= onPanels_.size() || !onPanels_[i - 1]) return outputs_[i - 1];
  rowsOf_.resize(layers_.size());
  Matrix& rows = rowsOf_[i - 1];
  if (!splitBatch_) {
    transposeInto(outputs_[i - 1], rows);
    return rows;
  }
  rows.resize(input_->rows(), layers_[i - 1]->outputShape().size());
  for (const BatchShare& share : shares_)
    if (share.count > 0) transposeIntoRows(share.outputs[i - 1], rows, share.first);
  return rows;
}

std::vector<ParameterRef> Model::parameters() {
  std::vector<ParameterRef> all;
  for (auto& layer : layers_)
    for (auto& p : layer->parameters()) all.push_back(p);
  return all;
}

std::vector<NamedBuffer> Model::stateBuffers() {
  std::vector<NamedBuffer> all;
  for (auto& layer : layers_)
    for (auto& b : layer->stateBuffers()) all.push_back(b);
  return all;
}

int64_t Model::parameterCount() {
  int64_t n = 0;
  for (auto& p : parameters()) n += int64_t(p.values.size());
  return n;
}

int64_t Model::denseParameterCount() {
  int64_t n = 0;
  for (auto& layer : layers_) {
    const WeightMatrix* w = layer->weightMatrix();
    for (auto& p : layer->parameters())
      n += w && layer->weightMatrix()->holds(p) ? int64_t(w->rows()) * w->cols() : int64_t(p.values.size());
  }
  return n;
}

std::string Model::summary() const {
  std::ostringstream out;
  for (const auto& layer : layers_) out << "  " << layer->name() << ": " << layer->describe() << "\n";
  return out.str();
}

}  // namespace ss
