#include "sparse/best_units.h"
#include "sparse/scheme.h"

namespace ss {

Mask Scheme::project(const Matrix& scores, const LayerGeometry& g, double density) const {
  checkProjectRequest(*this, scores, g, density);
  const auto rowsOf = [&scores](int row, std::span<float> out) {
    std::copy_n(scores.row(row).data(), out.size(), out.begin());
  };
  return maskAt(g.rows, g.cols, projectRows(rowsOf, g, density));
}

std::vector<int64_t> Scheme::projectRows(const ScoreRows& rows, const LayerGeometry& g, double density) const {
  const int64_t kept = std::llround(achievableDensity(g, density) * double(g.rows) * double(g.cols));
  const std::unique_ptr<UnitLayout> units = unitLayout(g);
  BestUnits best = BestUnits::perClass(*units, density, kept);
  const std::unique_ptr<UnitScorer> scorer = units->scorer(best);
  std::vector<float> row(size_t(g.cols));
  for (int r = 0; r < g.rows; ++r) {
    rows(r, row);
    scorer->addRow(r, {}, row);
  }
  scorer->finish();
  return best.positions();
}

}  // namespace ss
