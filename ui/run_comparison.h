#pragma once

#include <vector>

#include "report/report_document.h"
#include "train/run_inspection.h"

namespace ss::ui {

// What distinguishes several runs, one row each: algorithm, scheme, sparsity, final and best accuracy,
// epochs, training time and memory model, with the best value of each comparable column marked (highest
// accuracy, shortest time, smallest memory) once at least two runs have one. The comparison view and the
// reports show this same table.
report::Table compareRuns(const std::vector<RunDetails>& runs);

}  // namespace ss::ui
