#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ss {

// One weight layer as the budget sees it. conv: rows = filters, cols = C*kh*kw, so n_in = C, n_out = filters.
struct BudgetLayer {
  std::string name;
  int rows = 0, cols = 0, kernelH = 1, kernelW = 1;
  bool sparse = true;        // false: kept dense, and counted in the global budget
  bool convolution = false;  // a conv (1x1 ones too), not a linear layer
};

struct LayerDensity {
  std::string name;
  int64_t size = 0;
  double density = 0.0;  // the distribution's real-valued density (1 for dense layers)
  int64_t active = 0;    // the whole number of weights the layer keeps; pass active / size to a scheme
};

// Spreads a global density (1 - target sparsity) over the layers: "uniform", "er" or "erk".
// The global density is over all listed layers, dense ones included (as in RigL): sparse layers share
// what the dense layers leave. uniform gives every sparse layer that same share (exactly the global
// density when no layer is kept dense); ER and ERK scale each sparse layer's raw density
//   ER:  (n_in + n_out) / (n_in * n_out)      ERK: (n_in + n_out + kh + kw) / (n_in * n_out * kh * kw)
// by the eps that meets the budget, making the layer(s) of largest raw density dense whenever eps * raw
// exceeds 1 and solving again over the rest (RigL's procedure). A 1x1 kernel counts as a linear layer,
// whose shape has no kernel terms. Active counts are the real ones rounded so that each is within one
// weight of density * size and they add up to exactly round(globalDensity * total).
// Throws InputError naming the smallest feasible density when the dense layers alone exceed the budget.
std::vector<LayerDensity> distributeDensity(const std::vector<BudgetLayer>& layers, const std::string& distribution,
                                            double globalDensity);

// A table for the CLI: one line per layer (name, size, density, active) and a total line.
std::string formatDensityTable(const std::vector<LayerDensity>& densities);

}  // namespace ss
