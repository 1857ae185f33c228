#pragma once

#include <string>
#include <vector>

#include "sweep/sweep_plan.h"

namespace ss {

// Writes each run's project to <dir>/<run name>.json (creating dir): the files a sweep's
// `sparsescope run PROJECT --continue` processes read, and that a user can run by hand. Returns their paths in
// the plan's order. Throws RunError naming a file that cannot be written.
std::vector<std::string> writeSweepProjects(const SweepPlan& plan, const std::string& dir);

}  // namespace ss
