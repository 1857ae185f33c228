#include "sweep/slurm_sweep_dir.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "core/text_file.h"

namespace ss {

namespace {

// Rows of tab-separated fields; none when the file does not exist yet (no submission so far).
std::vector<std::vector<std::string>> readTsv(const std::string& path) {
  std::vector<std::vector<std::string>> rows;
  if (!std::filesystem::exists(path)) return rows;
  std::istringstream in(readTextFile(path, "sweep record"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::vector<std::string> fields;
    std::istringstream fieldStream(line);
    for (std::string field; std::getline(fieldStream, field, '\t');) fields.push_back(field);
    rows.push_back(fields);
  }
  return rows;
}

}  // namespace

SlurmSweepDir::SlurmSweepDir(const std::string& dir)
    : path_(std::filesystem::absolute(dir).lexically_normal().string()) {
  while (path_.size() > 1 && path_.back() == '/') path_.pop_back();
}

void SlurmSweepDir::create(const std::vector<std::string>& runs) const {
  for (const std::string& dir : {path_, projectsDir(), storesDir(), logsDir()}) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw RunError(dir + ": cannot create the sweep's folder: " + ec.message());
  }
  std::ofstream out(tasksPath(), std::ios::trunc);
  for (size_t i = 0; i < runs.size(); ++i) out << i << '\t' << runs[i] << '\n';
  out.close();
  if (!out) throw RunError(tasksPath() + ": cannot write the sweep's task list");
}

std::vector<std::string> SlurmSweepDir::runs() const {
  if (!std::filesystem::exists(tasksPath()))
    throw InputError(path_ +
                     ": not a Slurm sweep folder (no tasks.tsv; 'sparsescope sweep SWEEP.json --slurm DIR' "
                     "writes one)");
  std::vector<std::string> runs;
  for (const auto& row : readTsv(tasksPath())) {
    if (row.size() != 2 || row[0] != std::to_string(runs.size()))
      throw InputError(tasksPath() + ": line " + std::to_string(runs.size() + 1) + " is not '<task>\\t<run>'");
    runs.push_back(row[1]);
  }
  return runs;
}

void SlurmSweepDir::recordSubmission(const SlurmSubmission& submission) const {
  std::ofstream out(jobsPath(), std::ios::app);
  out << submission.jobId << '\t' << formatSlurmArray(submission.array) << '\n';
  out.close();
  if (!out) throw RunError(jobsPath() + ": cannot record job " + submission.jobId);
}

std::vector<SlurmSubmission> SlurmSweepDir::submissions() const {
  std::vector<SlurmSubmission> submissions;
  for (const auto& row : readTsv(jobsPath())) {
    if (row.size() != 2) throw InputError(jobsPath() + ": a line is not '<job id>\\t<array>'");
    submissions.push_back({row[0], parseSlurmArray(row[1])});
  }
  return submissions;
}

}  // namespace ss
