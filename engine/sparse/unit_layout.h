#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "core/rng.h"

namespace ss {

// A unit and the choice it is active with: the library pattern of a pattern kernel, 0 for every other unit.
struct UnitChoice {
  int64_t unit = 0;
  int choice = 0;
};

// A unit with its ranking key (higher ranks first, never NaN: see rankKey) and the choice its scores make.
struct ScoredUnit {
  double key;
  int64_t unit : 56;  // a pattern index fits in the other 8 bits, which keeps a scored unit at 16 bytes
  int64_t choice : 8;
};
static_assert(sizeof(ScoredUnit) == 16);

// Receives scored units in ascending order of unit, a row's worth at a time (one call per row, not per unit: the
// scorers walk every weight of a dense gradient).
class UnitSink {
 public:
  virtual ~UnitSink() = default;
  virtual void take(std::span<const ScoredUnit> units) = 0;
};

// Turns scores handed over row by row into one key per unit, as the scheme ranks units: |score| for a single
// position, the L2 norm of the scores for a block or a row, the best pattern's norm for a kernel. Only a row (a row
// group for blocks) is held at a time, so a layer's scores never need to exist whole.
class UnitScorer {
 public:
  virtual ~UnitScorer() = default;
  // The scores of one row: values[i] at column columns[i] (ascending), or with `columns` empty values[c] at every
  // column c. Rows come in ascending order; a row or entry left out scores zero. Every unit that received an entry
  // goes to the sink, with its key and choice, once its last row has passed.
  virtual void addRow(int row, std::span<const int> columns, std::span<const float> values) = 0;
  // Hands over the units still waiting for rows that will not come.
  virtual void finish() {}
};

// How a scheme cuts one layer into units, the parts its masks keep or drop whole: a position (unstructured, N:M), a
// block, a row (channel), a 3x3 kernel (pattern). Everything here is arithmetic on the geometry: no list of units or
// positions exists, so mutations and projections hold memory of the order of the active units, never of the layer.
//
// Sets are the groups of units whose active count a mutation keeps (Scheme's mutation contract). A layout with
// balanced sets (N:M: each run of M inputs; pattern: each filter's kernels) keeps every set's count through every
// step, so its density cannot change by mutation; the other layouts have sets of equal-sized units only (a layer
// whose ragged edge blocks are smaller than the rest has a set per size, in ascending order of size), and a mutation
// may move their counts. Within a set, units are ranked by their index.
//
// Classes are the groups project() ranks against each other, each keeping its own number of units (N:M: a run;
// blocks: a class of equal extent; pattern: a filter; otherwise the whole layer). They are the sets except for
// blocks, whose classes tell short edge blocks from narrow ones even where both have the same size.
class UnitLayout {
 public:
  virtual ~UnitLayout() = default;

  virtual int64_t unitOf(int64_t position) const = 0;
  // Appends the positions a unit holds when active with this choice, ascending.
  virtual void appendPositions(UnitChoice unit, std::vector<int64_t>& out) const = 0;
  // The choice a unit grows with at random: one uniform score per position of the unit, drawn in order, as the
  // scorer would choose by them (a kernel takes its best pattern for them; other units draw and take choice 0).
  virtual int randomChoice(int64_t unit, Rng& rng) const = 0;
  virtual std::unique_ptr<UnitScorer> scorer(UnitSink& sink) const = 0;

  virtual int64_t setCount() const = 0;
  virtual int64_t setOf(int64_t unit) const = 0;
  virtual int64_t setSize(int64_t set) const = 0;
  virtual int64_t unitInSet(int64_t set, int64_t rank) const = 0;
  virtual int64_t rankInSet(int64_t unit) const = 0;
  virtual bool balanced() const = 0;
  // Whether every set is a range of consecutive units, the sets in order: true for all but blocks with edges.
  virtual bool setsAreRanges() const { return true; }

  virtual int64_t classOf(int64_t unit) const { return setOf(unit); }
  virtual bool classesAreRanges() const { return setsAreRanges(); }
  // How many units of a class project() keeps at a density the scheme has checked.
  virtual int64_t keptInClass(int64_t cls, double density) const = 0;

  // Random growth draws the positions themselves (sparse/random_positions.h) instead of shuffling the inactive units
  // of a set: the unstructured scheme's way, whose layers are born sparse with that draw. The layout is then one set
  // of single positions.
  virtual bool drawsPositions() const { return false; }
};

// Calls f(column, value) for each entry of a row as UnitScorer::addRow takes it.
template <typename F>
void forEachEntry(std::span<const int> columns, std::span<const float> values, F&& f) {
  if (columns.empty()) {
    for (size_t c = 0; c < values.size(); ++c) f(int(c), values[c]);
    return;
  }
  for (size_t i = 0; i < columns.size(); ++i) f(columns[i], values[i]);
}

}  // namespace ss
