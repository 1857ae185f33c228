#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "cli_args.h"
#include "cli_commands.h"
#include "local_sweep.h"
#include "slurm_sweep_commands.h"
#include "store/named_run.h"
#include "store/run_store.h"
#include "sweep/sweep_plan.h"

namespace ss::cli {

const char* const kSweepUsage =
    "usage: sparsescope sweep SWEEP.json --local [-j N] [--threads T] [--db FILE]\n"
    "       sparsescope sweep SWEEP.json --dry-run [--db FILE]\n"
    "       sparsescope sweep SWEEP.json --slurm DIR [--partition P] [--time T] [--mem M] [--cpus-per-task C]\n"
    "                                    [--max-parallel K]\n"
    "       sparsescope sweep status DIR\n"
    "       sparsescope sweep resubmit DIR [--max-parallel K]\n"
    "\n"
    "Trains every run of a sweep file (a base project and axes of values; see README) into one store.\n"
    "  --local        train the runs on this machine, as child processes\n"
    "  -j N           runs at once (default 1)\n"
    "  --threads T    threads per run (default: the usable cores divided among the N runs, at least 1)\n"
    "  --db FILE      run store (SQLite), default ./sparsescope.db\n"
    "  --dry-run      list the runs, and what the store already holds of each, without training\n"
    "  --slurm DIR    submit the runs to Slurm as one job array and print its job id; DIR, on storage every node\n"
    "                 mounts, gets the projects, the job script, a store per run (stores/) and the task logs\n"
    "  --partition P, --time T, --mem M   sbatch's options, for every task\n"
    "  --cpus-per-task C  CPUs of each task, and its run's threads (default 1)\n"
    "  --max-parallel K   tasks running at once (default: as many as the cluster gives)\n"
    "  status DIR     every run of a Slurm sweep: pending, running, finished or failed, and why\n"
    "  resubmit DIR   submit the failed and cancelled runs again; they continue from their checkpoints\n"
    "Each run is 'sparsescope run PROJECT --continue': running the same command again skips finished runs and\n"
    "resumes interrupted or cancelled ones. With --local the runs' project files and logs go to <sweep id>.runs/\n"
    "beside the store. Ctrl-C cancels every run with a checkpoint; a second Ctrl-C stops them at once.\n"
    "Exit codes: 0 all finished, 1 a run failed, 2 bad usage or sweep file, 130 cancelled.\n";

namespace {

std::string workDirFor(const SweepPlan& plan, const std::string& db) {
  return (std::filesystem::path(db).parent_path() / (plan.id + ".runs")).string();
}

int printPlan(const SweepPlan& plan, const std::string& db) {
  // A dry run creates nothing: without a store file every run is new.
  std::unique_ptr<RunStore> store;
  if (std::filesystem::exists(db)) store = std::make_unique<RunStore>(db);
  std::printf("sweep %s (%s): %zu runs, store %s%s\n", plan.id.c_str(), plan.sourcePath.c_str(), plan.runs.size(),
              db.c_str(), store ? "" : " (not created yet)");
  for (const SweepRun& run : plan.runs) {
    const NamedRunState state = store ? findNamedRun(*store, run.name).state : NamedRunState::Absent;
    std::string values;
    for (const auto& [key, value] : run.axisValues) values += (values.empty() ? "" : " ") + key + "=" + value;
    std::printf("  %-10s %s  %s\n", toString(state), run.name.c_str(), values.c_str());
  }
  return kOk;
}

}  // namespace

int sweepCommand(const std::vector<std::string>& argv) {
  if (!argv.empty() && argv[0] == "status") return sweepStatusCommand({argv.begin() + 1, argv.end()});
  if (!argv.empty() && argv[0] == "resubmit") return sweepResubmitCommand({argv.begin() + 1, argv.end()});
  const Args args(
      argv,
      {"--db", "-j", "--threads", "--slurm", "--partition", "--time", "--mem", "--cpus-per-task", "--max-parallel"},
      {"--local", "--dry-run"});
  if (args.positionals().size() != 1) throw UsageError{"sweep needs exactly one sweep file"};
  if (!args.has("--slurm"))
    for (const char* flag : {"--partition", "--time", "--mem", "--cpus-per-task", "--max-parallel"})
      if (args.has(flag)) throw UsageError{std::string(flag) + " is for --slurm DIR"};
  const SweepPlan plan = loadSweep(args.positionals()[0]);
  if (args.has("--slurm")) return submitSweepToSlurm(plan, args);
  const std::string db = args.value("--db").value_or(kDefaultDb);
  if (args.has("--dry-run")) return printPlan(plan, db);
  if (args.has("--local")) {
    LocalSweepOptions options;
    options.db = db;
    options.workDir = workDirFor(plan, db);
    options.jobs = int(args.integer("-j", 1, 1024).value_or(1));
    options.threadsPerRun = int(args.integer("--threads", 1, 1024).value_or(std::max(1, usableCores() / options.jobs)));
    return runSweepLocally(plan, options);
  }
  throw UsageError{
      "say where the runs train: --local (this machine), --slurm DIR (a Slurm cluster), or --dry-run to list them"};
}

}  // namespace ss::cli
