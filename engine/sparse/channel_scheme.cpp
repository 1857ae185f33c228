#include "sparse/channel_scheme.h"

namespace ss {

namespace {
int keptRows(const LayerGeometry& g, double density) {
  return int(std::llround(density * g.rows));
}

// A row's key: the L2 norm of its scores, summed in column order.
class RowScorer : public UnitScorer {
 public:
  explicit RowScorer(UnitSink& sink) : sink_(sink) {}
  void addRow(int row, std::span<const int> columns, std::span<const float> values) override {
    if (values.empty()) return;
    double energy = 0.0;
    forEachEntry(columns, values, [&](int, float v) { energy += double(v) * double(v); });
    const ScoredUnit scored{rankKey(std::sqrt(energy)), row, 0};
    sink_.take({&scored, 1});
  }

 private:
  UnitSink& sink_;
};

// Whole rows as units, one set.
class RowUnits : public UnitLayout {
 public:
  explicit RowUnits(const LayerGeometry& g) : g_(g) {}

  int64_t unitOf(int64_t position) const override { return position / g_.cols; }
  void appendPositions(UnitChoice unit, std::vector<int64_t>& out) const override {
    for (int c = 0; c < g_.cols; ++c) out.push_back(unit.unit * g_.cols + c);
  }
  int randomChoice(int64_t, Rng& rng) const override {
    for (int c = 0; c < g_.cols; ++c) rng.uniform(0.0f, 1.0f);
    return 0;
  }
  std::unique_ptr<UnitScorer> scorer(UnitSink& sink) const override { return std::make_unique<RowScorer>(sink); }

  int64_t setCount() const override { return 1; }
  int64_t setOf(int64_t) const override { return 0; }
  int64_t setSize(int64_t) const override { return g_.rows; }
  int64_t unitInSet(int64_t, int64_t rank) const override { return rank; }
  int64_t rankInSet(int64_t unit) const override { return unit; }
  bool balanced() const override { return false; }
  int64_t keptInClass(int64_t, double density) const override { return keptRows(g_, density); }

 private:
  LayerGeometry g_;
};
}  // namespace

double ChannelScheme::achievableDensity(const LayerGeometry& g, double density) const {
  checkDensityRequest(*this, g, density);
  return double(keptRows(g, density)) / g.rows;
}

std::string ChannelScheme::validate(const Mask& mask, const LayerGeometry& g) const {
  if (auto mismatch = maskShapeMismatch(mask, g); !mismatch.empty()) return mismatch;
  for (int r = 0; r < g.rows; ++r) {
    int active = 0;
    for (int c = 0; c < g.cols; ++c) active += mask.at(r, c) ? 1 : 0;
    if (active != 0 && active != g.cols)
      return "row " + std::to_string(r) + ": " + std::to_string(active) + " of " + std::to_string(g.cols) +
             " active, expected all or none";
  }
  return {};
}

std::unique_ptr<UnitLayout> ChannelScheme::unitLayout(const LayerGeometry& g) const {
  return std::make_unique<RowUnits>(g);
}

}  // namespace ss
