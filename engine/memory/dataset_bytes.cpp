#include "memory/dataset_bytes.h"

namespace ss {

namespace {
int64_t residentBytes(const Dataset& set) {
  return int64_t(set.features.size()) * int64_t(sizeof(float)) + int64_t(set.labels.size() * sizeof(int32_t)) +
         int64_t(set.originalIndex.size() * sizeof(int64_t));
}
}  // namespace

int64_t dataResidentBytes(const DataSplits& data) {
  return residentBytes(data.train) + residentBytes(data.validation) + residentBytes(data.test);
}

}  // namespace ss
