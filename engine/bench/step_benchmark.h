#pragma once

#include <functional>
#include <string>
#include <vector>

#include "project/project.h"

namespace ss {

// One line of `sparsescope bench`: a layer (or "model") at one scheme and density, timed dense and
// sparse in the same process, interleaved, medians over repeats. Times in milliseconds; the Eigen
// column is NaN where it does not apply (structured schemes, conv layers).
struct BenchRow {
  std::string layer, scheme;
  double density = 1, achievedDensity = 1;
  double denseForwardMs = 0, denseBackwardMs = 0, denseStepMs = 0;
  double sparseForwardMs = 0, sparseBackwardMs = 0, sparseStepMs = 0;
  double eigenSparseStepMs = 0;
  double memoryRatio = 1;  // training bytes (weights, indices, gradients, momentum), sparse / dense
  std::string layout;      // how the sparse weights were stored ("csr", "nm 1:8", "block 4x1", "channel")
  // The backward pass without the input gradient (dW and the bias's alone): backward - this is the dX pass.
  double denseWeightGradMs = 0, sparseWeightGradMs = 0;
  double stepSpeedup() const { return denseStepMs / sparseStepMs; }
};

struct BenchSettings {
  std::vector<double> densities = {1.0, 0.5, 0.2, 0.1, 0.05, 0.02};
  std::vector<std::string> schemes = {"unstructured"};  // "unstructured", "nm:1:8", "block:4x1", "channel", "pattern"
  int repeats = 7;
  bool transposedIndex = true;
  // false: every weight layer at each density. true: each density is the model's, spread over the layers as a run
  // of the project would (its sparsity.distribution, dense_layers and [conv_]sparse_execution_below).
  bool planned = false;
};

// Times forward, backward and a whole training step (with the SGD update) of every weight layer and
// of the whole model of the project, at the project's batch size: on random input for a published data set (no file
// read), else on the first batch of its data.
std::vector<BenchRow> runStepBenchmark(const Project& project, const BenchSettings& settings,
                                       const std::function<void(const std::string&)>& progress);

// "nm:2:4" -> {"nm", {"n":2,"m":4}}; "block:4x1" -> {"block", {"height":4,"width":1}}.
std::pair<std::string, std::string> parseSchemeArgument(const std::string& text);

}  // namespace ss
