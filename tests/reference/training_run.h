#pragma once

#include <functional>
#include <string>
#include <vector>

#include "image_dataset.h"
#include "nesterov_sgd.h"
#include "sparsity_rule.h"

namespace reference {

struct RunSettings {
  RuleSettings rule;
  double sparsity = 0.0;
  unsigned long seed = 1;
  int epochs = 15;
  int batchSize = 128;
  float learningRate = 0.05f;
  SgdSettings sgd;
  double removeFraction = 0.0;  // data efficiency off at 0
  int removalEpoch = 5;         // removal after this many epochs
};

struct EpochReport {
  int epoch;  // from 1
  double trainLoss;
  double trainAccuracy;
  double testAccuracy;
  double lastLearningRate;
  double density;
  int examplesInUse;
  double seconds;
};

struct RunResult {
  double testAccuracy;
  double density;
};

// ERK densities of LeNet-300-100's three layers (every one a sparse layer) for a global sparsity.
std::vector<double> mlpErkDensities(double sparsity);

// LeNet-300-100 trained as SparseScope's example projects do: batches shuffled every epoch (the last
// partial one kept), cosine learning rate per step to zero over all the run's steps, test accuracy after
// every epoch. With data efficiency the run's step count already counts the smaller epochs after the
// removal, so the cosine still ends at zero.
RunResult trainReferenceMlp(const RunSettings& settings, const TrainTestSets& data,
                            const std::function<void(const EpochReport&)>& onEpoch);

}  // namespace reference
