#pragma once

#include <vector>

namespace reference {

struct LayerShape {
  int outputs;
  int inputs;
};

// Erdos-Renyi-Kernel densities of fully connected layers for a global `density`: d_l proportional to
// (n_in + n_out) / (n_in * n_out), with RigL's rule for layers that would pass 1.
std::vector<double> erkDensities(const std::vector<LayerShape>& layers, double density);

}  // namespace reference
