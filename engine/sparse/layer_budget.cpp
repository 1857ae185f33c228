#include "sparse/layer_budget.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <sstream>

#include "core/error.h"

namespace ss {

namespace {

std::string number(double v) {
  std::ostringstream out;
  out.precision(6);
  out << v;
  return out.str();
}

void checkLayer(const BudgetLayer& l) {
  const std::string where = "layer " + l.name + ": ";
  if (l.rows < 1 || l.cols < 1)
    throw InputError(where + "a " + std::to_string(l.rows) + "x" + std::to_string(l.cols) +
                     " weight matrix has no weights to budget");
  if (l.kernelH < 1 || l.kernelW < 1)
    throw InputError(where + "kernel " + std::to_string(l.kernelH) + "x" + std::to_string(l.kernelW) +
                     " is not a kernel size");
  if (l.cols % (l.kernelH * l.kernelW) != 0)
    throw InputError(where + std::to_string(l.cols) + " inputs are not whole " + std::to_string(l.kernelH) + "x" +
                     std::to_string(l.kernelW) + " kernels");
}

// The density a layer would get before scaling; RigL sums the weight tensor's shape over its product.
double rawDensity(const BudgetLayer& l, const std::string& distribution) {
  if (distribution == "uniform") return 1.0;
  const double area = double(l.kernelH) * l.kernelW;
  const double nIn = l.cols / area, nOut = l.rows;
  if (distribution == "er" || area == 1.0) return (nIn + nOut) / (nIn * nOut);
  return (nIn + nOut + l.kernelH + l.kernelW) / (nIn * nOut * area);
}

// RigL's procedure: scale raw densities by eps to meet the budget; while the largest would exceed 1,
// make only the layers of that largest raw density dense and solve again over the rest.
std::vector<double> solveDensities(const std::vector<int64_t>& sizes, const std::vector<double>& raw,
                                   std::vector<bool>& dense, double budget) {
  const size_t n = sizes.size();
  std::vector<double> density(n, 1.0);
  for (;;) {
    double left = budget, scaled = 0.0, largest = 0.0;
    for (size_t l = 0; l < n; ++l) {
      if (dense[l]) {
        left -= double(sizes[l]);
      } else {
        scaled += raw[l] * double(sizes[l]);
        largest = std::max(largest, raw[l]);
      }
    }
    if (scaled == 0.0) return density;
    const double eps = left / scaled;
    if (eps * largest <= 1.0) {
      for (size_t l = 0; l < n; ++l)
        if (!dense[l]) density[l] = std::clamp(eps * raw[l], 0.0, 1.0);
      return density;
    }
    for (size_t l = 0; l < n; ++l)
      if (!dense[l] && raw[l] == largest) dense[l] = true;
  }
}

// Floors every real count, then hands out the remainder one weight each by largest fraction (ties: the
// earlier layer), so the total is exact and each layer stays within one weight of its real count.
std::vector<int64_t> wholeCounts(const std::vector<int64_t>& sizes, const std::vector<double>& density,
                                 const std::vector<bool>& dense, int64_t target) {
  const size_t n = sizes.size();
  std::vector<int64_t> active(n);
  std::vector<double> fraction(n, 0.0);
  int64_t remainder = target;
  for (size_t l = 0; l < n; ++l) {
    const double real = density[l] * double(sizes[l]);
    active[l] = dense[l] ? sizes[l] : std::clamp<int64_t>(int64_t(std::floor(real)), 0, sizes[l]);
    fraction[l] = real - std::floor(real);
    remainder -= active[l];
  }
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t(0));
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return fraction[a] > fraction[b]; });
  for (bool changed = true; remainder > 0 && changed;) {
    changed = false;
    for (size_t l : order) {
      if (remainder == 0) break;
      if (dense[l] || active[l] == sizes[l]) continue;
      ++active[l];
      --remainder;
      changed = true;
    }
  }
  for (bool changed = true; remainder < 0 && changed;) {
    changed = false;
    for (auto it = order.rbegin(); it != order.rend() && remainder < 0; ++it) {
      if (dense[*it] || active[*it] == 0) continue;
      --active[*it];
      ++remainder;
      changed = true;
    }
  }
  return active;
}

}  // namespace

std::vector<LayerDensity> distributeDensity(const std::vector<BudgetLayer>& layers, const std::string& distribution,
                                            double globalDensity) {
  if (distribution != "uniform" && distribution != "er" && distribution != "erk")
    throw InputError("sparsity.distribution: '" + distribution + "' is not one of: uniform, er, erk");
  if (!(globalDensity >= 0.0 && globalDensity <= 1.0))
    throw InputError("sparsity.target: the global density " + number(globalDensity) + " is outside [0, 1]");

  const size_t n = layers.size();
  std::vector<int64_t> sizes(n);
  std::vector<double> raw(n);
  std::vector<bool> dense(n);
  int64_t total = 0, denseWeights = 0;
  std::string denseNames;
  for (size_t l = 0; l < n; ++l) {
    checkLayer(layers[l]);
    sizes[l] = int64_t(layers[l].rows) * layers[l].cols;
    raw[l] = rawDensity(layers[l], distribution);
    dense[l] = !layers[l].sparse;
    total += sizes[l];
    if (dense[l]) {
      denseWeights += sizes[l];
      denseNames += (denseNames.empty() ? "" : ", ") + layers[l].name;
    }
  }

  const int64_t target = std::llround(globalDensity * double(total));
  if (denseWeights > target) {
    const double smallest = double(denseWeights) / double(total);
    throw InputError("sparsity.target: a global density of " + number(globalDensity) + " (sparsity " +
                     number(1.0 - globalDensity) + ") cannot be reached: the layers kept dense (" + denseNames +
                     ") hold " + std::to_string(denseWeights) + " of " + std::to_string(total) +
                     " weights, so the smallest feasible density is " + number(smallest) + " (sparsity at most " +
                     number(1.0 - smallest) + ")");
  }

  const std::vector<double> density = solveDensities(sizes, raw, dense, globalDensity * double(total));
  const std::vector<int64_t> active = wholeCounts(sizes, density, dense, target);
  std::vector<LayerDensity> out(n);
  for (size_t l = 0; l < n; ++l) out[l] = {layers[l].name, sizes[l], density[l], active[l]};
  return out;
}

std::string formatDensityTable(const std::vector<LayerDensity>& densities) {
  size_t nameWidth = 5;
  int64_t size = 0, active = 0;
  for (const auto& d : densities) {
    nameWidth = std::max(nameWidth, d.name.size());
    size += d.size;
    active += d.active;
  }
  std::string out;
  auto pad = [](const std::string& text, size_t width, bool left) {
    const std::string fill(width > text.size() ? width - text.size() : 0, ' ');
    return left ? text + fill : fill + text;
  };
  auto row = [&](const std::string& name, const std::string& sizeText, const std::string& densityText,
                 const std::string& activeText) {
    out += pad(name, nameWidth, true) + "  " + pad(sizeText, 12, false) + "  " + pad(densityText, 9, false) + "  " +
           pad(activeText, 12, false) + "\n";
  };
  auto fixed = [](double v) {
    char text[32];
    std::snprintf(text, sizeof text, "%.6f", v);
    return std::string(text);
  };
  row("layer", "size", "density", "active");
  for (const auto& d : densities) row(d.name, std::to_string(d.size), fixed(d.density), std::to_string(d.active));
  row("total", std::to_string(size), fixed(size ? double(active) / double(size) : 0.0), std::to_string(active));
  return out;
}

}  // namespace ss
