#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "store/store_reader.h"
#include "train/run_inspection.h"

namespace ss {

// Writes a run's records as CSV files into dir (which must exist): run.csv (settings and summary),
// epochs.csv, steps.csv, layers.csv (each layer's density at every mask snapshot), mask_events.csv and
// example_stats.csv. `sparsescope export` and the reports both use it, so a report's linked CSV files are
// exactly what the export command writes. Returns the file names, in that order; a failed write throws
// RunError naming the file.
std::vector<std::string> writeRunCsv(const StoreReader& store, const RunDetails& details,
                                     const std::filesystem::path& dir);

}  // namespace ss
