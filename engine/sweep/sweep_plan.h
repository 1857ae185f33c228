#pragma once

#include <string>
#include <utility>
#include <vector>

namespace ss {

inline constexpr int kSweepFormat = 1;

// One run of a sweep: a complete project with the axis values applied, named after them.
struct SweepRun {
  std::string name;
  std::string projectJson;                                      // complete project, axis values applied
  std::vector<std::pair<std::string, std::string>> axisValues;  // key path -> value as JSON text
};

struct SweepPlan {
  std::string id;
  std::string sourcePath;
  std::vector<SweepRun> runs;
};

// A sweep file: a base project (a file beside the sweep, or inline) and axes, each a key path into the project
// and a list of values. The runs are the product of the axes, the first axis varying slowest; a "zip" group's
// axes move together. Every run is named "<id>_<axis>-<label>_..." and its project records the sweep in its
// "sweep" key. Throws InputError "<source>: <key path>: <reason>" for a bad sweep, and names the run and key path
// when an expanded project is not a valid one.
SweepPlan parseSweep(const std::string& jsonText, const std::string& sourceName);
SweepPlan loadSweep(const std::string& path);

}  // namespace ss
