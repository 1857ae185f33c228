#include "erk_densities.h"

namespace reference {

std::vector<double> erkDensities(const std::vector<LayerShape>& layers, double density) {
  const std::size_t n = layers.size();
  std::vector<double> sizes(n), raw(n);
  double totalSize = 0;
  for (std::size_t l = 0; l < n; ++l) {
    const LayerShape& shape = layers[l];
    const bool conv = shape.kernelHeight > 0;
    sizes[l] = double(shape.outputs) * shape.inputs * (conv ? double(shape.kernelHeight) * shape.kernelWidth : 1.0);
    raw[l] = double(shape.outputs + shape.inputs + (conv ? shape.kernelHeight + shape.kernelWidth : 0)) / sizes[l];
    totalSize += sizes[l];
  }
  std::vector<bool> dense(n, false);
  for (std::size_t l = 0; l < n; ++l) dense[l] = layers[l].keptDense;
  std::vector<double> result(n, 1.0);
  for (;;) {
    double budget = density * totalSize, rawWeighted = 0;
    for (std::size_t l = 0; l < n; ++l) {
      if (dense[l])
        budget -= sizes[l];
      else
        rawWeighted += raw[l] * sizes[l];
    }
    if (rawWeighted == 0) return result;
    const double eps = budget / rawWeighted;
    // RigL's procedure: each round only the layer(s) with the largest raw density become dense, counted
    // as dense in the budget, and eps is solved again over the rest.
    double largestRaw = 0;
    for (std::size_t l = 0; l < n; ++l)
      if (!dense[l] && raw[l] > largestRaw) largestRaw = raw[l];
    if (eps * largestRaw <= 1.0) {
      for (std::size_t l = 0; l < n; ++l)
        if (!dense[l]) result[l] = eps * raw[l];
      return result;
    }
    for (std::size_t l = 0; l < n; ++l)
      if (!dense[l] && raw[l] == largestRaw) dense[l] = true;
  }
}

}  // namespace reference
