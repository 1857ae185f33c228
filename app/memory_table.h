#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "store/run_records.h"

namespace ss::cli {

// The memory model's lines as `run` and `show` print them, in MB: one column for a dense run, the run's and its dense
// twin's side by side for a sparse one, then the peak they add up to.
std::string formatMemoryLines(const std::vector<MemoryLineRecord>& lines, bool withDenseTwin);

}  // namespace ss::cli
