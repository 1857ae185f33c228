#include "sparse/pattern_scheme.h"

namespace ss {

namespace {
constexpr int kKernelArea = 9;

struct PatternChoice {
  int index = 0;
  double norm = 0.0;
};

// The library pattern with the largest L2 norm over one kernel's nine scores (ties: the earlier pattern).
template <typename ScoreAt>
PatternChoice bestPattern(ScoreAt scoreAt) {
  PatternChoice best{0, -2.0};
  const auto& library = PatternScheme::library();
  for (int p = 0; p < int(library.size()); ++p) {
    double energy = 0.0;
    for (int entry : library[size_t(p)]) energy += double(scoreAt(entry)) * double(scoreAt(entry));
    const double norm = rankKey(std::sqrt(energy));
    if (norm > best.norm) best = {p, norm};
  }
  return best;
}

std::string entryList(int bits) {
  std::string out;
  for (int e = 0; e < kKernelArea; ++e)
    if (bits & (1 << e)) out += (out.empty() ? "" : ",") + std::to_string(e);
  return "{" + out + "}";
}
}  // namespace

const std::array<PatternScheme::Pattern, 8>& PatternScheme::library() {
  static const std::array<Pattern, 8> patterns = {
      {{1, 3, 4, 5}, {3, 4, 5, 7}, {1, 3, 4, 7}, {1, 4, 5, 7}, {0, 1, 3, 4}, {1, 2, 4, 5}, {3, 4, 6, 7}, {4, 5, 7, 8}}};
  return patterns;
}

void PatternScheme::requireWholeKernels(const LayerGeometry& g, double density) const {
  checkDensityRequest(*this, g, density);
  if (g.cols % kKernelArea != 0)
    throw InputError(layerPrefix(g) + "sparsity scheme pattern: " + std::to_string(g.cols) +
                     " inputs are not whole 3x3 kernels");
}

int PatternScheme::keptKernels(const LayerGeometry& g, double density) const {
  const int channels = g.cols / kKernelArea;
  const double exact = density * double(kKernelArea) * channels / double(library()[0].size());
  return int(std::min<int64_t>(channels, std::llround(exact)));
}

double PatternScheme::achievableDensity(const LayerGeometry& g, double density) const {
  if (!shapesKernels(g)) return otherLayers_.achievableDensity(g, density);
  requireWholeKernels(g, density);
  return double(library()[0].size()) * keptKernels(g, density) / double(g.cols);
}

Mask PatternScheme::project(const Matrix& scores, const LayerGeometry& g, double density) const {
  if (!shapesKernels(g)) return otherLayers_.project(scores, g, density);
  requireWholeKernels(g, density);
  checkProjectRequest(*this, scores, g, density);
  const int channels = g.cols / kKernelArea;
  const int kept = keptKernels(g, density);
  Mask mask(g.rows, g.cols);
  std::vector<PatternChoice> choices(static_cast<size_t>(channels));
  std::vector<double> norms(static_cast<size_t>(channels));
  std::vector<int64_t> order;
  for (int r = 0; r < g.rows; ++r) {
    for (int c = 0; c < channels; ++c) {
      choices[size_t(c)] = bestPattern([&](int e) { return scores(r, c * kKernelArea + e); });
      norms[size_t(c)] = choices[size_t(c)].norm;
    }
    selectTopK(norms.data(), channels, kept, order);
    for (int i = 0; i < kept; ++i) {
      const int c = int(order[size_t(i)]);
      for (int entry : library()[size_t(choices[size_t(c)].index)]) mask.set(r, c * kKernelArea + entry, true);
    }
  }
  return mask;
}

std::string PatternScheme::validate(const Mask& mask, const LayerGeometry& g) const {
  if (!shapesKernels(g)) return otherLayers_.validate(mask, g);
  requireWholeKernels(g, 0.0);
  if (auto mismatch = maskShapeMismatch(mask, g); !mismatch.empty()) return mismatch;
  std::array<bool, 1 << kKernelArea> isPattern{};
  for (const auto& pattern : library()) {
    int bits = 0;
    for (int entry : pattern) bits |= 1 << entry;
    isPattern[size_t(bits)] = true;
  }
  const int channels = g.cols / kKernelArea;
  int firstRowKept = 0;
  for (int r = 0; r < g.rows; ++r) {
    int kept = 0;
    for (int c = 0; c < channels; ++c) {
      int bits = 0;
      for (int e = 0; e < kKernelArea; ++e) bits |= mask.at(r, c * kKernelArea + e) ? 1 << e : 0;
      if (bits == 0) continue;
      if (!isPattern[size_t(bits)])
        return "row " + std::to_string(r) + ", kernel " + std::to_string(c) + ": entries " + entryList(bits) +
               " are not one of the library's patterns";
      ++kept;
    }
    if (r == 0) firstRowKept = kept;
    if (kept != firstRowKept)
      return "row " + std::to_string(r) + " keeps " + std::to_string(kept) + " kernels, row 0 keeps " +
             std::to_string(firstRowKept) + "; every filter must keep the same number";
  }
  return {};
}

std::vector<std::vector<int64_t>> PatternScheme::groups(const LayerGeometry& g) const {
  if (!shapesKernels(g)) return otherLayers_.groups(g);
  requireWholeKernels(g, 0.0);
  std::vector<std::vector<int64_t>> out(size_t(g.rows) * size_t(g.cols / kKernelArea));
  for (size_t k = 0; k < out.size(); ++k)
    for (int e = 0; e < kKernelArea; ++e) out[k].push_back(int64_t(k) * kKernelArea + e);
  return out;
}

std::vector<std::vector<int64_t>> PatternScheme::balancedSets(const LayerGeometry& g) const {
  if (!shapesKernels(g)) return otherLayers_.balancedSets(g);
  requireWholeKernels(g, 0.0);
  const int channels = g.cols / kKernelArea;
  std::vector<std::vector<int64_t>> out(size_t(g.rows));
  for (int r = 0; r < g.rows; ++r)
    for (int c = 0; c < channels; ++c) out[size_t(r)].push_back(int64_t(r) * channels + c);
  return out;
}

double PatternScheme::groupScore(const Matrix& scores, const std::vector<int64_t>& group) const {
  if (group.size() != size_t(kKernelArea)) return otherLayers_.groupScore(scores, group);
  return bestPattern([&](int e) { return scores.data()[group[size_t(e)]]; }).norm;
}

void PatternScheme::activateGroup(Mask& mask, const Matrix& scores, const std::vector<int64_t>& group) const {
  if (group.size() != size_t(kKernelArea)) return otherLayers_.activateGroup(mask, scores, group);
  const PatternChoice best = bestPattern([&](int e) { return scores.data()[group[size_t(e)]]; });
  for (int64_t p : group) mask.bits[size_t(p)] = 0;
  for (int entry : library()[size_t(best.index)]) mask.bits[size_t(group[size_t(entry)])] = 1;
}

}  // namespace ss
