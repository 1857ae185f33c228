#pragma once

#include <functional>
#include <vector>

#include "image_dataset.h"
#include "training_loop.h"

namespace reference {

// ERK densities of ResNet-20's 21 conv and linear layers for a global sparsity, the first conv kept dense
// and counted in the budget (the example projects' `"dense_layers": ["first"]`).
std::vector<double> resnetErkDensities(double sparsity);

// ResNet-20 trained by trainModel (training_loop.h) as the fashion-resnet20-*.json projects do: each image
// randomly cropped (padding 2) and flipped afresh every epoch; test accuracy with batch norm in evaluation
// mode. The rule sees every layer but the first conv, which stays dense.
RunResult trainReferenceResnet(const RunSettings& settings, const TrainTestSets& data,
                               const std::function<void(const EpochReport&)>& onEpoch);

}  // namespace reference
