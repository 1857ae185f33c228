#include "sparse/nm_scheme.h"

#include "sparse/position_units.h"

namespace ss {

namespace {
// Single positions in sets of runs: run s is row s / runsPerRow, columns from (s % runsPerRow) * M on.
class NmUnits : public PositionUnits {
 public:
  NmUnits(const LayerGeometry& g, const NmScheme& scheme, int m)
      : PositionUnits(g, false), scheme_(scheme), m_(m), runsPerRow_((g.cols + m - 1) / m) {}

  int64_t setCount() const override { return int64_t(g_.rows) * runsPerRow_; }
  int64_t setOf(int64_t unit) const override { return (unit / g_.cols) * runsPerRow_ + (unit % g_.cols) / m_; }
  int64_t setSize(int64_t set) const override { return std::min<int64_t>(m_, g_.cols - firstColumn(set)); }
  int64_t unitInSet(int64_t set, int64_t rank) const override {
    return (set / runsPerRow_) * g_.cols + firstColumn(set) + rank;
  }
  int64_t rankInSet(int64_t unit) const override { return (unit % g_.cols) % m_; }
  bool balanced() const override { return true; }
  int64_t keptInClass(int64_t run, double) const override { return scheme_.keptInRun(int(setSize(run))); }

 private:
  int64_t firstColumn(int64_t set) const { return (set % runsPerRow_) * m_; }

  NmScheme scheme_;
  int m_;
  int64_t runsPerRow_;
};
}  // namespace

NmScheme::NmScheme(int n, int m) : n_(n), m_(m) {
  if (!(n >= 1 && n < m)) throw InputError("N:M scheme needs 1 <= N < M, got " + describe());
}

int NmScheme::keptInRun(int length) const {
  return length == m_ ? n_ : int((int64_t(n_) * length + m_ - 1) / m_);
}

double NmScheme::achievableDensity(const LayerGeometry& g, double density) const {
  checkDensityRequest(*this, g, density);
  const int keptPerRow = (g.cols / m_) * n_ + keptInRun(g.cols % m_);
  return double(keptPerRow) / g.cols;
}

std::string NmScheme::validate(const Mask& mask, const LayerGeometry& g) const {
  if (auto mismatch = maskShapeMismatch(mask, g); !mismatch.empty()) return mismatch;
  for (int r = 0; r < g.rows; ++r) {
    for (int start = 0; start < g.cols; start += m_) {
      const int length = std::min(m_, g.cols - start);
      int active = 0;
      for (int j = 0; j < length; ++j) active += mask.at(r, start + j) ? 1 : 0;
      if (active != keptInRun(length))
        return "row " + std::to_string(r) + ", group " + std::to_string(start / m_) + " (columns " +
               std::to_string(start) + "-" + std::to_string(start + length - 1) + "): " + std::to_string(active) +
               " active, expected " + std::to_string(keptInRun(length));
    }
  }
  return {};
}

std::unique_ptr<UnitLayout> NmScheme::unitLayout(const LayerGeometry& g) const {
  return std::make_unique<NmUnits>(g, *this, m_);
}

}  // namespace ss
