#pragma once

#include <cstdint>

#include "core/rng.h"
#include "data/dataset.h"

namespace ss {

// Small 2-D sets for quick interactive play; deterministic for a given Rng state.
enum class SyntheticKind { Spirals, Blobs, Circles };

struct SyntheticOptions {
  SyntheticKind kind = SyntheticKind::Spirals;
  int64_t examples = 1000;  // total, spread evenly over the classes
  int classes = 2;          // circles always uses 2
  float noise = 0.1f;
};

Dataset makeSynthetic(const SyntheticOptions& options, Rng& rng);

}  // namespace ss
