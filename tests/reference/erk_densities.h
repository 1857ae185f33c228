#pragma once

#include <vector>

namespace reference {

// A fully connected layer (kernel 0 x 0) or a convolution (outputs = filters, inputs = input channels).
struct LayerShape {
  int outputs;
  int inputs;
  int kernelHeight = 0;
  int kernelWidth = 0;
  bool keptDense = false;  // not sparse, but counted in the budget, as RigL counts its dense layers
};

// Erdos-Renyi-Kernel densities for a global `density` over every layer's weights: d_l proportional to
// (n_in + n_out) / (n_in * n_out) for a fully connected layer, (k_h + k_w + n_in + n_out) / (k_h * k_w *
// n_in * n_out) for a convolution (RigL's sum over the kernel's shape by its product), with RigL's rule
// for layers that would pass 1. A layer kept dense gets 1.
std::vector<double> erkDensities(const std::vector<LayerShape>& layers, double density);

}  // namespace reference
