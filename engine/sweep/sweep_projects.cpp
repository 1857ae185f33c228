#include "sweep/sweep_projects.h"

#include <filesystem>
#include <fstream>

#include "core/error.h"

namespace ss {

std::vector<std::string> writeSweepProjects(const SweepPlan& plan, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw RunError(dir + ": cannot create the folder for the sweep's projects: " + ec.message());
  std::vector<std::string> paths;
  for (const SweepRun& run : plan.runs) {
    const std::string path = (std::filesystem::path(dir) / (run.name + ".json")).string();
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << run.projectJson << '\n';
    out.close();
    if (!out) throw RunError(path + ": cannot write the run's project");
    paths.push_back(path);
  }
  return paths;
}

}  // namespace ss
