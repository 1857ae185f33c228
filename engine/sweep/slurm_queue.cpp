#include "sweep/slurm_queue.h"

#include <algorithm>
#include <set>
#include <sstream>

#include "core/error.h"
#include "core/subprocess.h"

namespace ss {

namespace {

std::vector<std::string> fields(const std::string& line) {
  std::vector<std::string> parts;
  std::istringstream in(line);
  for (std::string part; std::getline(in, part, '|');) parts.push_back(part);
  return parts;
}

bool isIndex(const std::string& text) {
  return !text.empty() && text.size() < 9 &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string firstLine(const std::string& text) {
  const std::string line = text.substr(0, text.find('\n'));
  return line.empty() ? "no message" : line;
}

std::string joined(const std::vector<std::string>& jobIds) {
  std::string list;
  for (const std::string& id : jobIds) list += (list.empty() ? "" : ",") + id;
  return list;
}

}  // namespace

SlurmTaskStates parseSqueueTasks(const std::string& output) {
  SlurmTaskStates states;
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);) {
    const auto parts = fields(line);
    if (parts.size() != 3 || !isIndex(parts[1])) continue;
    states[{parts[0], std::stoi(parts[1])}] = parts[2];
  }
  return states;
}

SlurmTaskStates parseSacctTasks(const std::string& output) {
  SlurmTaskStates states;
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);) {
    const auto parts = fields(line);
    if (parts.size() < 2) continue;
    const size_t underscore = parts[0].find('_');
    if (underscore == std::string::npos || !isIndex(parts[0].substr(underscore + 1))) continue;
    states[{parts[0].substr(0, underscore), std::stoi(parts[0].substr(underscore + 1))}] =
        parts[1].substr(0, parts[1].find(' '));
  }
  return states;
}

std::string parseSbatchJobId(const std::string& output) {
  std::string id = output.substr(0, output.find_first_of(";\n"));
  if (!isIndex(id)) throw RunError("sbatch printed no job id: '" + firstLine(output) + "'");
  return id;
}

bool slurmStateIsActive(const std::string& state) {
  static const std::set<std::string> active = {
      "PENDING",    "CONFIGURING", "REQUEUED",  "REQUEUE_FED", "REQUEUE_HOLD", "RESIZING",     "RUNNING",
      "COMPLETING", "STAGE_OUT",   "SIGNALING", "SUSPENDED",   "STOPPED",      "RESV_DEL_HOLD"};
  return active.count(state) > 0;
}

std::string submitSlurmArray(const std::string& scriptPath, const SlurmArray& array) {
  const ProcessOutput sbatch = runProcess({"sbatch", "--parsable", "--array=" + formatSlurmArray(array), scriptPath});
  if (sbatch.exitCode != 0) throw RunError("sbatch refused " + scriptPath + ": " + firstLine(sbatch.err + sbatch.out));
  return parseSbatchJobId(sbatch.out);
}

SlurmTaskStates queuedSlurmTasks(const std::vector<std::string>& jobIds) {
  if (jobIds.empty()) return {};
  // --me rather than --jobs: squeue fails outright when every job named has left its memory.
  const ProcessOutput squeue = runProcess({"squeue", "--me", "-h", "-r", "--states=all", "-o", "%F|%K|%T"});
  if (squeue.exitCode != 0) throw RunError("squeue failed: " + firstLine(squeue.err + squeue.out));
  SlurmTaskStates states = parseSqueueTasks(squeue.out);
  const std::set<std::string> ours(jobIds.begin(), jobIds.end());
  std::erase_if(states, [&](const auto& entry) { return ours.count(entry.first.first) == 0; });
  return states;
}

std::optional<SlurmTaskStates> accountedSlurmTasks(const std::vector<std::string>& jobIds) {
  if (jobIds.empty()) return SlurmTaskStates{};
  try {
    const ProcessOutput sacct = runProcess({"sacct", "-n", "-P", "-X", "-o", "JobID,State", "-j", joined(jobIds)});
    if (sacct.exitCode != 0) return std::nullopt;  // "Slurm accounting storage is disabled", or no slurmdbd
    return parseSacctTasks(sacct.out);
  } catch (const InputError&) {
    return std::nullopt;  // no sacct installed
  }
}

}  // namespace ss
