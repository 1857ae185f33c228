#pragma once

#include "core/rng.h"
#include "data/dataset.h"

namespace ss {

struct Normalization {
  float mean = 0.0f;
  float stddev = 1.0f;
};

// Mean and standard deviation over all features of a set (a single pair, as is usual for grey images).
Normalization measureNormalization(const Dataset& set);
void applyNormalization(Dataset& set, const Normalization& n);

// Moves a random fraction of train into validation (seeded; the chosen examples keep their indices).
void splitValidation(DataSplits& splits, double fraction, Rng& rng);

}  // namespace ss
