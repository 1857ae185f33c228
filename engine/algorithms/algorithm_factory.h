#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "core/rng.h"
#include "nn/model.h"
#include "project/project.h"
#include "train/observer.h"
#include "train/sgd.h"
#include "train/training_hook.h"

namespace ss {

// The training hook of the project's algorithm, for a model that sparsifyModel has already masked; null for
// "dense" and "static", whose masks never change. Reads and checks the algorithm's options: errors read
// "<project name>: algorithm.<key>: <reason>". emit receives one MaskChangeEvent per layer per mutation.
// The hook keeps references to model and optimizer and draws from its own fork of rng.
std::unique_ptr<TrainingHook> makeAlgorithmHook(const Project& project, Model& model, Sgd& optimizer, Rng& rng,
                                                int64_t stepsPerEpoch,
                                                std::function<void(const MaskChangeEvent&)> emit);

}  // namespace ss
