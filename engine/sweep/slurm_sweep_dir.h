#pragma once

#include <string>
#include <vector>

#include "sweep/slurm_array.h"

namespace ss {

// One submission of a sweep's job array: the array job id sbatch gave and the tasks it holds.
struct SlurmSubmission {
  std::string jobId;
  SlurmArray array;
};

// The folder of a sweep on a Slurm cluster, on storage every node mounts. Task i of the job array trains the
// i-th run of the sweep: projects/<run>.json into its own store, stores/<run>.db (SQLite is not safe for
// concurrent writers over network filesystems, so tasks never share a file), printing to
// logs/<task>.<job>.out. tasks.tsv lists the runs by task index, jobs.tsv every submission, newest last.
class SlurmSweepDir {
 public:
  explicit SlurmSweepDir(const std::string& dir);  // made absolute: tasks run in other working directories

  const std::string& path() const { return path_; }
  std::string projectsDir() const { return path_ + "/projects"; }
  std::string projectPath(const std::string& run) const { return projectsDir() + "/" + run + ".json"; }
  std::string storesDir() const { return path_ + "/stores"; }
  std::string storePath(const std::string& run) const { return storesDir() + "/" + run + ".db"; }
  std::string logsDir() const { return path_ + "/logs"; }
  std::string scriptPath() const { return path_ + "/sweep.sbatch"; }

  // Creates the folders and writes tasks.tsv. Throws RunError naming a file or folder it cannot write.
  void create(const std::vector<std::string>& runs) const;
  // The runs by task index. Throws InputError when the folder holds no Slurm sweep.
  std::vector<std::string> runs() const;

  void recordSubmission(const SlurmSubmission& submission) const;
  std::vector<SlurmSubmission> submissions() const;  // oldest first; none before the first submission

 private:
  std::string tasksPath() const { return path_ + "/tasks.tsv"; }
  std::string jobsPath() const { return path_ + "/jobs.tsv"; }

  std::string path_;
};

}  // namespace ss
