#pragma once

#include <Eigen/Core>
#include <random>
#include <vector>

#include "masked_layer.h"

namespace reference {

// Positions are linear indices into a layer's (column-major) weight matrix.
using Positions = std::vector<Eigen::Index>;

Positions activePositions(const MaskedLayer& layer);
Positions inactivePositions(const MaskedLayer& layer);
// Every position of a layer of `size` weights that `positions` does not hold.
Positions positionsOutside(const Positions& positions, Eigen::Index size);

// The `count` candidates with the largest score (ties: the lower position first).
Positions largestByScore(Positions candidates, const Eigen::MatrixXf& score, std::size_t count);
// `count` candidates drawn uniformly without replacement.
Positions randomPick(Positions candidates, std::size_t count, std::mt19937_64& rng);

// Makes exactly `positions` active; every other weight is dropped (value and momentum to zero). A
// position that stays active keeps its value and momentum; one that was inactive starts at zero.
void keepOnly(MaskedLayer& layer, const Positions& positions);
// Activates inactive positions at value zero with zero momentum.
void growAtZero(MaskedLayer& layer, const Positions& positions);

// Active count for a density: rounded to the nearest weight.
long countForDensity(double density, Eigen::Index size);

}  // namespace reference
