#pragma once

#include <vector>

#include "core/rng.h"
#include "data/dataset.h"

namespace ss {

// What one channel's values are standardised with: v becomes (v - mean) / stddev.
struct Normalization {
  float mean = 0.0f;
  float stddev = 1.0f;
};

// Mean and standard deviation of each channel of the set's features, over every example: colour images get one pair
// per colour channel, as the usual CIFAR recipes normalise them; a grey image set or a flat one has a single
// channel and so a single pair over all its values.
std::vector<Normalization> measureNormalization(const Dataset& set);
// Standardises each channel with its own pair; throws std::invalid_argument unless there is one per channel (or the
// set has no examples, which it leaves as it is).
void applyNormalization(Dataset& set, const std::vector<Normalization>& perChannel);

// Moves a random fraction of train into validation (seeded; the chosen examples keep their indices).
void splitValidation(DataSplits& splits, double fraction, Rng& rng);

}  // namespace ss
