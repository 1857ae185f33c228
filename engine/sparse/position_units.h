#pragma once

#include "sparse/scheme.h"

namespace ss {

// Units that are single positions (the unstructured and N:M schemes), ranked by |score|.
class PositionScorer : public UnitScorer {
 public:
  PositionScorer(int cols, UnitSink& sink) : cols_(cols), sink_(sink) {}
  void addRow(int row, std::span<const int> columns, std::span<const float> values) override;

 private:
  int cols_;
  UnitSink& sink_;
  std::vector<ScoredUnit> row_;
};

// The layer as one set of single positions: the unstructured scheme's units, and those of a layer the pattern scheme
// leaves unstructured. project() keeps round(density * size) of them. `drawsPositions`: see UnitLayout.
class PositionUnits : public UnitLayout {
 public:
  PositionUnits(const LayerGeometry& g, bool drawsPositions) : g_(g), drawsPositions_(drawsPositions) {}

  int64_t unitOf(int64_t position) const override { return position; }
  void appendPositions(UnitChoice unit, std::vector<int64_t>& out) const override { out.push_back(unit.unit); }
  int randomChoice(int64_t, Rng& rng) const override;
  std::unique_ptr<UnitScorer> scorer(UnitSink& sink) const override;

  int64_t setCount() const override { return 1; }
  int64_t setOf(int64_t) const override { return 0; }
  int64_t setSize(int64_t) const override { return int64_t(g_.rows) * g_.cols; }
  int64_t unitInSet(int64_t, int64_t rank) const override { return rank; }
  int64_t rankInSet(int64_t unit) const override { return unit; }
  bool balanced() const override { return false; }
  int64_t keptInClass(int64_t, double density) const override;
  bool drawsPositions() const override { return drawsPositions_; }

 protected:
  LayerGeometry g_;

 private:
  bool drawsPositions_;
};

}  // namespace ss
