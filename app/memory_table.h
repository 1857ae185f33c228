#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "store/run_records.h"

namespace ss::cli {

// Bytes as the decimal megabytes every memory figure on the command line is printed in.
double megabytes(int64_t bytes);

// The memory model's lines as `run` and `show` print them, in MB: one column for a dense run, the run's and its dense
// twin's side by side for a sparse one, then the peak they add up to.
std::string formatMemoryLines(const std::vector<MemoryLineRecord>& lines, bool withDenseTwin);

// The measured figure beside the model's: the peak resident set, the base it is counted from, the difference, and how
// far the model's peak is from it.
std::string formatMeasuredMemory(int64_t modelPeakBytes, const MeasuredMemory& measured);

}  // namespace ss::cli
