#pragma once

#include <functional>
#include <vector>

#include "image_dataset.h"
#include "training_loop.h"

namespace reference {

// ERK densities of LeNet-300-100's three layers (every one a sparse layer) for a global sparsity.
std::vector<double> mlpErkDensities(double sparsity);

// LeNet-300-100 trained by trainModel (training_loop.h), every layer sparse, no augmentation.
RunResult trainReferenceMlp(const RunSettings& settings, const TrainTestSets& data,
                            const std::function<void(const EpochReport&)>& onEpoch);

}  // namespace reference
