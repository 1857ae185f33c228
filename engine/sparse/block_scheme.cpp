#include "sparse/block_scheme.h"

#include <array>

namespace ss {

// How a layer cuts into blocks: rowGroups x segments of them, block b = i * segments + j.
struct BlockScheme::Tiling {
  int rows, cols, height, width, rowGroups, segments;

  int64_t blockCount() const { return int64_t(rowGroups) * segments; }
  int firstRow(int64_t b) const { return int(b / segments) * height; }
  int firstCol(int64_t b) const { return int(b % segments) * width; }
  int blockHeight(int64_t b) const { return std::min(height, rows - firstRow(b)); }
  int blockWidth(int64_t b) const { return std::min(width, cols - firstCol(b)); }
  int64_t blockOf(int r, int c) const { return int64_t(r / height) * segments + c / width; }
  // 0 full, 1 narrow (last segment), 2 short (last row group), 3 corner.
  int sizeClass(int64_t b) const { return (blockHeight(b) < height ? 2 : 0) + (blockWidth(b) < width ? 1 : 0); }
  std::array<int64_t, 4> classCounts() const {
    std::array<int64_t, 4> counts{};
    for (int64_t b = 0; b < blockCount(); ++b) ++counts[size_t(sizeClass(b))];
    return counts;
  }
  std::array<int64_t, 4> keptPerClass(double density) const {
    std::array<int64_t, 4> kept = classCounts();
    for (auto& k : kept) k = std::llround(density * double(k));
    return kept;
  }
};

BlockScheme::BlockScheme(int height, int width) : height_(height), width_(width) {
  if (height < 1 || width < 1)
    throw InputError("block scheme needs a height and width of at least 1, got " + describe());
}

BlockScheme::Tiling BlockScheme::tiling(const LayerGeometry& g) const {
  return {g.rows, g.cols, height_, width_, (g.rows + height_ - 1) / height_, (g.cols + width_ - 1) / width_};
}

double BlockScheme::achievableDensity(const LayerGeometry& g, double density) const {
  checkDensityRequest(*this, g, density);
  const Tiling t = tiling(g);
  const auto kept = t.keptPerClass(density);
  std::array<int64_t, 4> classSize{};
  for (int64_t b = 0; b < t.blockCount(); ++b)
    classSize[size_t(t.sizeClass(b))] = int64_t(t.blockHeight(b)) * t.blockWidth(b);
  int64_t weights = 0;
  for (size_t c = 0; c < 4; ++c) weights += kept[c] * classSize[c];
  return double(weights) / (double(g.rows) * g.cols);
}

Mask BlockScheme::project(const Matrix& scores, const LayerGeometry& g, double density) const {
  checkProjectRequest(*this, scores, g, density);
  const Tiling t = tiling(g);
  std::vector<double> energy(size_t(t.blockCount()), 0.0);
  for (int r = 0; r < g.rows; ++r)
    for (int c = 0; c < g.cols; ++c) energy[size_t(t.blockOf(r, c))] += double(scores(r, c)) * double(scores(r, c));

  const auto kept = t.keptPerClass(density);
  Mask mask(g.rows, g.cols);
  std::vector<int64_t> members, order;
  std::vector<double> keys;
  for (int sizeClass = 0; sizeClass < 4; ++sizeClass) {
    members.clear();
    keys.clear();
    for (int64_t b = 0; b < t.blockCount(); ++b) {
      if (t.sizeClass(b) != sizeClass) continue;
      members.push_back(b);
      keys.push_back(rankKey(std::sqrt(energy[size_t(b)])));
    }
    selectTopK(keys.data(), int64_t(keys.size()), kept[size_t(sizeClass)], order);
    for (int64_t i = 0; i < kept[size_t(sizeClass)]; ++i) {
      const int64_t b = members[size_t(order[size_t(i)])];
      for (int r = t.firstRow(b); r < t.firstRow(b) + t.blockHeight(b); ++r)
        for (int c = t.firstCol(b); c < t.firstCol(b) + t.blockWidth(b); ++c) mask.set(r, c, true);
    }
  }
  return mask;
}

std::string BlockScheme::validate(const Mask& mask, const LayerGeometry& g) const {
  if (auto mismatch = maskShapeMismatch(mask, g); !mismatch.empty()) return mismatch;
  const Tiling t = tiling(g);
  std::vector<int64_t> active(size_t(t.blockCount()), 0);
  for (int r = 0; r < g.rows; ++r)
    for (int c = 0; c < g.cols; ++c) active[size_t(t.blockOf(r, c))] += mask.at(r, c) ? 1 : 0;
  for (int64_t b = 0; b < t.blockCount(); ++b) {
    const int64_t size = int64_t(t.blockHeight(b)) * t.blockWidth(b);
    if (active[size_t(b)] == 0 || active[size_t(b)] == size) continue;
    return "block at rows " + std::to_string(t.firstRow(b)) + "-" +
           std::to_string(t.firstRow(b) + t.blockHeight(b) - 1) + ", columns " + std::to_string(t.firstCol(b)) + "-" +
           std::to_string(t.firstCol(b) + t.blockWidth(b) - 1) + ": " + std::to_string(active[size_t(b)]) + " of " +
           std::to_string(size) + " active, expected all or none";
  }
  return {};
}

std::vector<std::vector<int64_t>> BlockScheme::groups(const LayerGeometry& g) const {
  const Tiling t = tiling(g);
  std::vector<std::vector<int64_t>> out(size_t(t.blockCount()));
  for (int64_t b = 0; b < t.blockCount(); ++b) {
    auto& block = out[size_t(b)];
    block.reserve(size_t(t.blockHeight(b)) * size_t(t.blockWidth(b)));
    for (int r = t.firstRow(b); r < t.firstRow(b) + t.blockHeight(b); ++r)
      for (int c = t.firstCol(b); c < t.firstCol(b) + t.blockWidth(b); ++c) block.push_back(int64_t(r) * g.cols + c);
  }
  return out;
}

}  // namespace ss
