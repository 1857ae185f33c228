#pragma once

#include <functional>
#include <vector>

#include "training_run.h"

namespace reference {

// ERK densities of ResNet-20's 21 conv and linear layers for a global sparsity, the first conv kept dense
// and counted in the budget (the example projects' `"dense_layers": ["first"]`).
std::vector<double> resnetErkDensities(double sparsity);

// ResNet-20 trained as the fashion-resnet20-*.json projects do: batches shuffled every epoch (the last
// partial one kept), each image randomly cropped (padding 2) and flipped afresh every epoch, cosine
// learning rate per step to zero over the run's steps, test accuracy (batch norm in evaluation mode) after
// every epoch. The rule sees every layer but the first conv, which stays dense.
RunResult trainReferenceResnet(const RunSettings& settings, const TrainTestSets& data,
                               const std::function<void(const EpochReport&)>& onEpoch);

}  // namespace reference
