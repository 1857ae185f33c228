#include "data/dataset.h"

#include <stdexcept>
#include <string>

namespace ss {

Dataset Dataset::subset(const std::vector<int64_t>& rows) const {
  Dataset out;
  out.name = name;
  out.classNames = classNames;
  out.shape = shape;
  out.classCount = classCount;
  out.features.resize(Eigen::Index(rows.size()), features.cols());
  out.labels.resize(rows.size());
  out.originalIndex.resize(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    const int64_t row = rows[i];
    if (row < 0 || row >= size()) {
      throw std::out_of_range("Dataset::subset: row " + std::to_string(row) + " out of range for " +
                              std::to_string(size()) + " examples of " + name);
    }
    out.features.row(Eigen::Index(i)) = features.row(Eigen::Index(row));
    out.labels[i] = labels[size_t(row)];
    out.originalIndex[i] = originalIndex[size_t(row)];
  }
  return out;
}

}  // namespace ss
