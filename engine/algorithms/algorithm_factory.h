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

// Everything about the project's algorithm that can be checked without a model or data: it agrees with the
// sparsity target (dense trains every weight, the others need a target), and its options and the scheme's options
// read. Throws InputError naming the project and the key, so a sweep refuses a bad combination before it starts.
void checkAlgorithmSettings(const Project& project);

// The training hook of the project's algorithm; null for "dense" and "static", whose masks never change. Every
// algorithm but gmp needs a model that sparsifyModel has already masked; gmp needs the dense model (it prunes it
// itself, and refuses a sparse layer). Reads and checks the algorithm's options: errors read
// "<project name>: algorithm.<key>: <reason>". emit receives one MaskChangeEvent per layer per mutation.
// Total steps are stepsPerEpoch * train.epochs. The hook keeps references to model and optimizer (both must
// outlive it) and draws from its own fork of rng.
std::unique_ptr<TrainingHook> makeAlgorithmHook(const Project& project, Model& model, Sgd& optimizer, Rng& rng,
                                                int64_t stepsPerEpoch,
                                                std::function<void(const MaskChangeEvent&)> emit);

// Bytes the algorithm holds for a while on top of the model's budget, for the memory model: RigL's dense
// gradient of its largest sparse layer (rows * cols * 4, one layer at a time, at update steps); MEST+EM&S's
// extra weights of the soft memory bound (values, indices, gradients and momentum of the weights grown
// beyond the target, at the widest phase); 0 for the others. Call after the initial masks are applied.
int64_t algorithmTransientBytes(const Project& project, Model& model);

}  // namespace ss
