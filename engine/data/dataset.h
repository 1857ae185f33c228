#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/feature_rows.h"

namespace ss {

// Image geometry of an example, so convolutional models know how to read a feature row (CHW order).
// A flat data set (CSV, 2-D points) has channels = 1, height = 1, width = feature count.
struct ExampleShape {
  int channels = 1;
  int height = 1;
  int width = 1;
  int size() const { return channels * height * width; }
  std::string text() const {  // "3x32x32", as messages name a shape
    return std::to_string(channels) + "x" + std::to_string(height) + "x" + std::to_string(width);
  }
};

// A labelled set held in memory. Row i of features is example i; originalIndex[i] is that example's
// position in the file it came from, which stays attached to it through splits and shuffles so the
// data-efficiency tracker can follow examples one by one.
struct Dataset {
  std::string name;
  FeatureRows features;         // examples x features: float rows, or byte rows for images
  std::vector<int32_t> labels;  // 0 .. classCount-1
  std::vector<int64_t> originalIndex;
  std::vector<std::string> classNames;  // may be empty
  ExampleShape shape;
  int classCount = 0;

  int64_t size() const { return static_cast<int64_t>(labels.size()); }
  // The examples at the given rows, as a new set in the same form (validation splits, synthetic test splits).
  Dataset subset(const std::vector<int64_t>& rows) const;
  // The memory its examples take: feature rows, labels and original indices (names are left out: a few bytes).
  int64_t residentBytes() const;
};

// Training and test halves as a run uses them; validation is empty unless a split was asked for.
struct DataSplits {
  Dataset train;
  Dataset validation;
  Dataset test;

  // What the three sets hold in memory while a run trains: the memory model's data set line.
  int64_t residentBytes() const { return train.residentBytes() + validation.residentBytes() + test.residentBytes(); }
};

}  // namespace ss
