#include "slurm_sweep_commands.h"

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "cli_commands.h"
#include "core/error.h"
#include "sweep/slurm_job_script.h"
#include "sweep/slurm_queue.h"
#include "sweep/slurm_sweep_status.h"
#include "sweep/sweep_projects.h"

namespace ss::cli {

namespace {

std::string thisExecutable() {
  std::error_code ec;
  const auto path = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) throw RunError("cannot find this program's own path for the job script: " + ec.message());
  return path.string();
}

void writeScript(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.close();
  if (!out) throw RunError(path + ": cannot write the job script");
  std::filesystem::permissions(path, std::filesystem::perms::owner_exec, std::filesystem::perm_options::add);
}

int maxParallelFlag(const Args& args, int fallback) {
  return int(args.integer("--max-parallel", 0, 100000).value_or(fallback));
}

}  // namespace

int submitSweepToSlurm(const SweepPlan& plan, const Args& args) {
  const SlurmSweepDir dir(*args.value("--slurm"));
  if (std::filesystem::exists(dir.path() + "/jobs.tsv"))
    throw InputError(dir.path() + ": already holds a submitted sweep; see 'sparsescope sweep status " + dir.path() +
                     "', or 'sparsescope sweep resubmit " + dir.path() + "' for its failed runs");
  SlurmResources resources;
  resources.partition = args.value("--partition").value_or("");
  resources.time = args.value("--time").value_or("");
  resources.mem = args.value("--mem").value_or("");
  resources.cpusPerTask = int(args.integer("--cpus-per-task", 1, 1024).value_or(1));
  resources.maxParallel = maxParallelFlag(args, 0);

  std::vector<std::string> runs;
  for (const SweepRun& run : plan.runs) runs.push_back(run.name);
  const std::string script = slurmJobScript(dir, "sparsescope-" + plan.id, runs, resources, thisExecutable());
  dir.create(runs);
  writeSweepProjects(plan, dir.projectsDir());
  writeScript(dir.scriptPath(), script);

  SlurmSubmission submission{"", {{}, resources.maxParallel}};
  for (int task = 0; task < int(runs.size()); ++task) submission.array.tasks.push_back(task);
  submission.jobId = submitSlurmArray(dir.scriptPath(), submission.array);
  dir.recordSubmission(submission);
  std::fprintf(stderr, "sweep %s: %zu runs submitted as job array %s (%s) from %s\n", plan.id.c_str(), runs.size(),
               submission.jobId.c_str(), formatSlurmArray(submission.array).c_str(), dir.path().c_str());
  std::fprintf(stderr,
               "follow it with 'sparsescope sweep status %s'; gather the stores with 'sparsescope merge %s "
               "--into FILE'\n",
               dir.path().c_str(), dir.storesDir().c_str());
  std::printf("%s\n", submission.jobId.c_str());
  return kOk;
}

int sweepStatusCommand(const std::vector<std::string>& argv) {
  const Args args(argv, {}, {});
  if (args.positionals().size() != 1) throw UsageError{"sweep status needs exactly one sweep folder"};
  const std::vector<SweepTaskStatus> statuses = slurmSweepStatus(SlurmSweepDir(args.positionals()[0]));
  size_t nameWidth = 3;
  for (const auto& s : statuses) nameWidth = std::max(nameWidth, s.run.size());
  int counts[4] = {};
  std::printf("%-5s %-*s %-9s %-12s %s\n", "task", int(nameWidth), "run", "state", "job", "detail");
  for (const auto& s : statuses) {
    ++counts[int(s.state)];
    std::printf("%-5d %-*s %-9s %-12s %s\n", s.task, int(nameWidth), s.run.c_str(), toString(s.state),
                s.job.empty() ? "-" : s.job.c_str(), s.detail.c_str());
  }
  std::printf("%zu runs: %d finished, %d running, %d pending, %d failed\n", statuses.size(),
              counts[int(SweepTaskState::Finished)], counts[int(SweepTaskState::Running)],
              counts[int(SweepTaskState::Pending)], counts[int(SweepTaskState::Failed)]);
  return kOk;
}

int sweepResubmitCommand(const std::vector<std::string>& argv) {
  const Args args(argv, {"--max-parallel"}, {});
  if (args.positionals().size() != 1) throw UsageError{"sweep resubmit needs exactly one sweep folder"};
  const SlurmSweepDir dir(args.positionals()[0]);
  const std::vector<SlurmSubmission> before = dir.submissions();
  SlurmSubmission submission{"", {{}, maxParallelFlag(args, before.empty() ? 0 : before.back().array.maxParallel)}};
  std::string names;
  for (const SweepTaskStatus& s : slurmSweepStatus(dir))
    if (s.state == SweepTaskState::Failed) {
      markEndedTaskInterrupted(dir, s);
      submission.array.tasks.push_back(s.task);
      names += (names.empty() ? "" : ", ") + s.run;
    }
  if (submission.array.tasks.empty()) {
    std::fprintf(stderr, "%s: no failed or cancelled runs to resubmit\n", dir.path().c_str());
    return kOk;
  }
  submission.jobId = submitSlurmArray(dir.scriptPath(), submission.array);
  dir.recordSubmission(submission);
  std::fprintf(stderr, "resubmitted %zu runs as job array %s (%s): %s\n", submission.array.tasks.size(),
               submission.jobId.c_str(), formatSlurmArray(submission.array).c_str(), names.c_str());
  std::printf("%s\n", submission.jobId.c_str());
  return kOk;
}

}  // namespace ss::cli
