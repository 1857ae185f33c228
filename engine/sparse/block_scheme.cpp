#include "sparse/block_scheme.h"

#include <array>

namespace ss {

// How a layer cuts into blocks: rowGroups x segments of them, block b = i * segments + j. Blocks fall into four
// classes by extent: 0 full, 1 narrow (the last segment, when width does not divide the columns), 2 short (the last
// row group, when height does not divide the rows), 3 the corner of both. Within a class, blocks are ranked by index.
struct BlockScheme::Tiling {
  int rows, cols, height, width, rowGroups, segments;

  int fullRowGroups() const { return rows / height; }
  int fullSegments() const { return cols / width; }
  int64_t blockCount() const { return int64_t(rowGroups) * segments; }
  int firstRow(int64_t b) const { return int(b / segments) * height; }
  int firstCol(int64_t b) const { return int(b % segments) * width; }
  int blockHeight(int64_t b) const { return std::min(height, rows - firstRow(b)); }
  int blockWidth(int64_t b) const { return std::min(width, cols - firstCol(b)); }
  int64_t blockOf(int r, int c) const { return int64_t(r / height) * segments + c / width; }
  int sizeClass(int64_t b) const { return (blockHeight(b) < height ? 2 : 0) + (blockWidth(b) < width ? 1 : 0); }
  std::array<int64_t, 4> classCounts() const {
    const bool narrow = cols % width != 0, shortRows = rows % height != 0;
    return {int64_t(fullRowGroups()) * fullSegments(), narrow ? fullRowGroups() : 0, shortRows ? fullSegments() : 0,
            narrow && shortRows ? 1 : 0};
  }
  // Weights in a block of each class (0 for a class the layer lacks).
  std::array<int64_t, 4> classSizes() const {
    const int64_t shortHeight = rows % height, narrowWidth = cols % width;
    return {int64_t(height) * width, height * narrowWidth, shortHeight * width, shortHeight * narrowWidth};
  }
  std::array<int64_t, 4> keptPerClass(double density) const {
    std::array<int64_t, 4> kept = classCounts();
    for (auto& k : kept) k = std::llround(density * double(k));
    return kept;
  }
  int64_t rankInClass(int64_t b) const {
    const int64_t i = b / segments, j = b % segments;
    switch (sizeClass(b)) {
      case 0:
        return i * fullSegments() + j;
      case 1:
        return i;
      case 2:
        return j;
      default:
        return 0;
    }
  }
  int64_t blockInClass(int sizeClass, int64_t rank) const {
    switch (sizeClass) {
      case 0:
        return rank / fullSegments() * segments + rank % fullSegments();
      case 1:
        return rank * segments + segments - 1;
      case 2:
        return int64_t(rowGroups - 1) * segments + rank;
      default:
        return blockCount() - 1;
    }
  }
};

namespace {
// Squared scores summed per block of the current row group (in position order, as a block's norm sums them); a row
// group's blocks go to the sink once a row of a later group (or finish) shows that it is complete.
class BlockScorer : public UnitScorer {
 public:
  BlockScorer(int height, int width, int segments, UnitSink& sink)
      : height_(height), width_(width), energy_(size_t(segments), 0.0), touched_(size_t(segments), 0), sink_(sink) {}

  void addRow(int row, std::span<const int> columns, std::span<const float> values) override {
    if (row / height_ != rowGroup_) finish();
    rowGroup_ = row / height_;
    forEachEntry(columns, values, [&](int c, float v) {
      energy_[size_t(c / width_)] += double(v) * double(v);
      touched_[size_t(c / width_)] = 1;
    });
  }

  void finish() override {
    blocks_.clear();
    for (size_t j = 0; j < energy_.size(); ++j) {
      if (touched_[j])
        blocks_.push_back({rankKey(std::sqrt(energy_[j])), rowGroup_ * int64_t(energy_.size()) + int64_t(j), 0});
      energy_[j] = 0.0;
      touched_[j] = 0;
    }
    sink_.take(blocks_);
  }

 private:
  int height_, width_;
  int64_t rowGroup_ = 0;
  std::vector<double> energy_;
  std::vector<uint8_t> touched_;
  UnitSink& sink_;
  std::vector<ScoredUnit> blocks_;
};
}  // namespace

// Blocks as units. Sets hold the blocks of one size, in ascending order of size (a size may gather narrow and short
// blocks, narrow first as their indices come); classes are the four extents.
class BlockScheme::Units : public UnitLayout {
 public:
  explicit Units(const Tiling& t) : t_(t), counts_(t.classCounts()) {
    const std::array<int64_t, 4> sizes = t.classSizes();
    std::array<int, 4> byClass = {0, 1, 2, 3};
    std::stable_sort(byClass.begin(), byClass.end(), [&](int a, int b) { return sizes[size_t(a)] < sizes[size_t(b)]; });
    for (int c : byClass) {
      if (counts_[size_t(c)] == 0) continue;
      if (sets_.empty() || sizes[size_t(sets_.back().front())] != sizes[size_t(c)]) sets_.emplace_back();
      offsetInSet_[size_t(c)] = 0;
      for (int other : sets_.back()) offsetInSet_[size_t(c)] += counts_[size_t(other)];
      sets_.back().push_back(c);
      setOfClass_[size_t(c)] = int64_t(sets_.size()) - 1;
    }
  }

  int64_t unitOf(int64_t position) const override {
    return t_.blockOf(int(position / t_.cols), int(position % t_.cols));
  }
  void appendPositions(UnitChoice unit, std::vector<int64_t>& out) const override {
    const int64_t b = unit.unit;
    for (int r = t_.firstRow(b); r < t_.firstRow(b) + t_.blockHeight(b); ++r)
      for (int c = t_.firstCol(b); c < t_.firstCol(b) + t_.blockWidth(b); ++c) out.push_back(int64_t(r) * t_.cols + c);
  }
  int randomChoice(int64_t unit, Rng& rng) const override {
    for (int64_t i = 0; i < int64_t(t_.blockHeight(unit)) * t_.blockWidth(unit); ++i) rng.uniform(0.0f, 1.0f);
    return 0;
  }
  std::unique_ptr<UnitScorer> scorer(UnitSink& sink) const override {
    return std::make_unique<BlockScorer>(t_.height, t_.width, t_.segments, sink);
  }

  int64_t setCount() const override { return int64_t(sets_.size()); }
  int64_t setOf(int64_t unit) const override { return setOfClass_[size_t(t_.sizeClass(unit))]; }
  int64_t setSize(int64_t set) const override {
    int64_t size = 0;
    for (int c : sets_[size_t(set)]) size += counts_[size_t(c)];
    return size;
  }
  int64_t unitInSet(int64_t set, int64_t rank) const override {
    for (int c : sets_[size_t(set)]) {
      if (rank < counts_[size_t(c)]) return t_.blockInClass(c, rank);
      rank -= counts_[size_t(c)];
    }
    throw std::out_of_range("block set " + std::to_string(set) + " has no unit of that rank");
  }
  int64_t rankInSet(int64_t unit) const override {
    return offsetInSet_[size_t(t_.sizeClass(unit))] + t_.rankInClass(unit);
  }
  bool balanced() const override { return false; }
  bool setsAreRanges() const override { return sets_.size() <= 1; }

  int64_t classOf(int64_t unit) const override { return t_.sizeClass(unit); }
  bool classesAreRanges() const override { return false; }
  int64_t keptInClass(int64_t cls, double density) const override { return t_.keptPerClass(density)[size_t(cls)]; }

 private:
  Tiling t_;
  std::array<int64_t, 4> counts_;
  std::vector<std::vector<int>> sets_;  // the classes of each set
  std::array<int64_t, 4> setOfClass_{}, offsetInSet_{};
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
  const auto classSize = t.classSizes();
  int64_t weights = 0;
  for (size_t c = 0; c < 4; ++c) weights += kept[c] * classSize[c];
  return double(weights) / (double(g.rows) * g.cols);
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

std::unique_ptr<UnitLayout> BlockScheme::unitLayout(const LayerGeometry& g) const {
  return std::make_unique<Units>(tiling(g));
}

}  // namespace ss
