#pragma once

#include <cstdint>

#include "data/dataset.h"

namespace ss {

// The bytes the run's data sets hold in memory while it trains: the memory model's data set line. The one place
// that knows how a Dataset keeps its examples: features as float32, a label and an index in the file per example.
int64_t dataResidentBytes(const DataSplits& data);

}  // namespace ss
