#include "data/dataset.h"

#include <stdexcept>
#include <string>

namespace ss {

Dataset Dataset::subset(const std::vector<int64_t>& rows) const {
  for (const int64_t row : rows) {
    if (row < 0 || row >= size()) {
      throw std::out_of_range("Dataset::subset: row " + std::to_string(row) + " out of range for " +
                              std::to_string(size()) + " examples of " + name);
    }
  }
  Dataset out;
  out.name = name;
  out.classNames = classNames;
  out.shape = shape;
  out.classCount = classCount;
  out.features = features.subset(rows);
  out.labels.resize(rows.size());
  out.originalIndex.resize(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    out.labels[i] = labels[size_t(rows[i])];
    out.originalIndex[i] = originalIndex[size_t(rows[i])];
  }
  return out;
}

int64_t Dataset::residentBytes() const {
  return features.residentBytes() + int64_t(labels.size() * sizeof(int32_t)) +
         int64_t(originalIndex.size() * sizeof(int64_t));
}

}  // namespace ss
