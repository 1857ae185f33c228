#pragma once

#include <functional>
#include <memory>
#include <random>
#include <vector>

#include "image_dataset.h"
#include "nesterov_sgd.h"
#include "sparsity_rule.h"
#include "trainable_model.h"

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

// Builds the network from the run's weight stream.
using ModelFactory = std::function<std::unique_ptr<TrainableModel>(std::mt19937_64& weightRng)>;

// Training as SparseScope's example projects do it: batches shuffled every epoch (the last partial one
// kept), each batch augmented by the model (if it does), cosine learning rate per step to zero over all the
// run's steps, test accuracy after every epoch. `sparseDensities` are the rule's target densities of the
// model's sparse layers. With data efficiency the run's step count already counts the smaller epochs after
// the removal, so the cosine still ends at zero.
RunResult trainModel(const RunSettings& settings, const TrainTestSets& data, const std::vector<double>& sparseDensities,
                     const ModelFactory& makeModel, const std::function<void(const EpochReport&)>& onEpoch);

// The lines both reference programs print: one per epoch, and the run's JSON line at the end, whose fields start
// with `leadingFields` (such as "\"model\": \"resnet20\", ", or nothing).
void printEpochLine(const EpochReport& report);
void printResultLine(const char* leadingFields, const RunSettings& run, const RunResult& result, double seconds);

}  // namespace reference
