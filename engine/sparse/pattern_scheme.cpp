#include "sparse/pattern_scheme.h"

#include "sparse/position_units.h"

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

// A row's kernels, each keyed by its best pattern's norm and choosing that pattern.
class KernelScorer : public UnitScorer {
 public:
  KernelScorer(int channels, UnitSink& sink) : channels_(channels), sink_(sink) {}
  void addRow(int row, std::span<const int> columns, std::span<const float> values) override {
    int kernel = -1;
    std::array<float, kKernelArea> scores{};
    kernels_.clear();
    const auto flush = [&] {
      if (kernel < 0) return;
      const PatternChoice best = bestPattern([&](int e) { return scores[size_t(e)]; });
      kernels_.push_back({best.norm, int64_t(row) * channels_ + kernel, best.index});
    };
    forEachEntry(columns, values, [&](int c, float v) {
      if (c / kKernelArea != kernel) {
        flush();
        kernel = c / kKernelArea;
        scores.fill(0.0f);
      }
      scores[size_t(c % kKernelArea)] = v;
    });
    flush();
    sink_.take(kernels_);
  }

 private:
  int channels_;
  UnitSink& sink_;
  std::vector<ScoredUnit> kernels_;
};

std::string entryList(int bits) {
  std::string out;
  for (int e = 0; e < kKernelArea; ++e)
    if (bits & (1 << e)) out += (out.empty() ? "" : ",") + std::to_string(e);
  return "{" + out + "}";
}
}  // namespace

// The 3x3 kernels of a convolution as units, each active with one library pattern; each filter's kernels form a
// balanced set, of which project() keeps the same number in every filter.
class PatternScheme::KernelUnits : public UnitLayout {
 public:
  KernelUnits(const LayerGeometry& g, const PatternScheme& scheme)
      : g_(g), channels_(g.cols / kKernelArea), scheme_(scheme) {}

  int64_t unitOf(int64_t position) const override { return position / kKernelArea; }
  void appendPositions(UnitChoice unit, std::vector<int64_t>& out) const override {
    for (int entry : library()[size_t(unit.choice)]) out.push_back(unit.unit * kKernelArea + entry);
  }
  int randomChoice(int64_t, Rng& rng) const override {
    std::array<float, kKernelArea> scores;
    for (float& s : scores) s = rng.uniform(0.0f, 1.0f);
    return bestPattern([&](int e) { return scores[size_t(e)]; }).index;
  }
  std::unique_ptr<UnitScorer> scorer(UnitSink& sink) const override {
    return std::make_unique<KernelScorer>(channels_, sink);
  }

  int64_t setCount() const override { return g_.rows; }
  int64_t setOf(int64_t unit) const override { return unit / channels_; }
  int64_t setSize(int64_t) const override { return channels_; }
  int64_t unitInSet(int64_t set, int64_t rank) const override { return set * channels_ + rank; }
  int64_t rankInSet(int64_t unit) const override { return unit % channels_; }
  bool balanced() const override { return true; }
  int64_t keptInClass(int64_t, double density) const override { return scheme_.keptKernels(g_, density); }

 private:
  LayerGeometry g_;
  int channels_;
  PatternScheme scheme_;
};

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
  return Scheme::project(scores, g, density);
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

std::unique_ptr<UnitLayout> PatternScheme::unitLayout(const LayerGeometry& g) const {
  if (!shapesKernels(g)) return std::make_unique<PositionUnits>(g, false);
  requireWholeKernels(g, 0.0);
  return std::make_unique<KernelUnits>(g, *this);
}

}  // namespace ss
