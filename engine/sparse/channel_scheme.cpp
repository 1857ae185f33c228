#include "sparse/channel_scheme.h"

namespace ss {

namespace {
int keptRows(const LayerGeometry& g, double density) {
  return int(std::llround(density * g.rows));
}
}  // namespace

double ChannelScheme::achievableDensity(const LayerGeometry& g, double density) const {
  checkDensityRequest(*this, g, density);
  return double(keptRows(g, density)) / g.rows;
}

Mask ChannelScheme::project(const Matrix& scores, const LayerGeometry& g, double density) const {
  checkProjectRequest(*this, scores, g, density);
  std::vector<double> norms(size_t(g.rows));
  for (int r = 0; r < g.rows; ++r) norms[size_t(r)] = rankKey(double(scores.row(r).cast<double>().norm()));
  std::vector<int64_t> order;
  const int kept = keptRows(g, density);
  selectTopK(norms.data(), g.rows, kept, order);
  Mask mask(g.rows, g.cols);
  for (int i = 0; i < kept; ++i) std::fill_n(mask.bits.begin() + order[size_t(i)] * g.cols, g.cols, uint8_t(1));
  return mask;
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

std::vector<std::vector<int64_t>> ChannelScheme::groups(const LayerGeometry& g) const {
  std::vector<std::vector<int64_t>> out(size_t(g.rows));
  for (int r = 0; r < g.rows; ++r)
    for (int c = 0; c < g.cols; ++c) out[size_t(r)].push_back(int64_t(r) * g.cols + c);
  return out;
}

}  // namespace ss
