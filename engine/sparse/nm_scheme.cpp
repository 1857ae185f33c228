#include "sparse/nm_scheme.h"

namespace ss {

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

Mask NmScheme::project(const Matrix& scores, const LayerGeometry& g, double density) const {
  checkProjectRequest(*this, scores, g, density);
  Mask mask(g.rows, g.cols);
  std::vector<double> keys(size_t(std::min(m_, g.cols)));
  std::vector<int64_t> order;
  for (int r = 0; r < g.rows; ++r) {
    for (int start = 0; start < g.cols; start += m_) {
      const int length = std::min(m_, g.cols - start);
      for (int j = 0; j < length; ++j) keys[size_t(j)] = rankKey(std::abs(scores(r, start + j)));
      const int kept = keptInRun(length);
      selectTopK(keys.data(), length, kept, order);
      for (int i = 0; i < kept; ++i) mask.set(r, start + int(order[size_t(i)]), true);
    }
  }
  return mask;
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

std::vector<std::vector<int64_t>> NmScheme::groups(const LayerGeometry& g) const {
  return singletonGroups(g);
}

std::vector<std::vector<int64_t>> NmScheme::balancedSets(const LayerGeometry& g) const {
  std::vector<std::vector<int64_t>> out;
  for (int r = 0; r < g.rows; ++r) {
    for (int start = 0; start < g.cols; start += m_) {
      std::vector<int64_t>& run = out.emplace_back();
      for (int j = start; j < std::min(g.cols, start + m_); ++j) run.push_back(int64_t(r) * g.cols + j);
    }
  }
  return out;
}

}  // namespace ss
