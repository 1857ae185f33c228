#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "cli_args.h"
#include "cli_commands.h"
#include "core/error.h"
#include "memory_table.h"
#include "project/project.h"
#include "project/project_difference.h"
#include "sparse/layer_budget.h"
#include "store/named_run.h"
#include "store/run_store.h"
#include "terminal_progress.h"
#include "train/experiment.h"

namespace ss::cli {

const char* const kRunUsage =
    "usage: sparsescope run PROJECT.json [--db FILE] [--epochs N] [--threads N] [--seed N] [--json] [--continue]\n"
    "\n"
    "Trains the project headless and records the run in the store.\n"
    "  --db FILE      run store (SQLite), default ./sparsescope.db\n"
    "  --epochs N     override train.epochs\n"
    "  --threads N    override train.threads (0 = all cores)\n"
    "  --seed N       override train.seed\n"
    "  --json         one JSON object per epoch on stdout (progress stays on stderr)\n"
    "  --continue     if the store has a run of the project's name: a finished one is left as it is, an\n"
    "                 interrupted, cancelled or failed one resumes from its checkpoint (as 'resume' does), one\n"
    "                 stopped before its first checkpoint starts afresh. Refused when that run was made from a\n"
    "                 different project. Sweeps run every project this way.\n"
    "Before training it prints the memory model's lines (with the dense twin's beside a sparse run's), at the end\n"
    "the measured peak resident set above the process's base beside the model's peak. A project's memory_bound is\n"
    "checked on the model's peak before training and on the measured figure while it trains: a run over it stops\n"
    "with a checkpoint, marked cancelled with the reason, to resume with a larger bound.\n"
    "Ctrl-C stops the run cleanly and marks it cancelled.\n"
    "Exit codes: 0 finished, 1 run failed or stopped at its memory bound, 2 bad usage or input, 130 cancelled.\n";

const char* const kResumeUsage =
    "usage: sparsescope resume RUN [--db FILE] [--memory-bound SIZE] [--json]\n"
    "\n"
    "Continues an interrupted, cancelled or failed run from its newest checkpoint (taken at every epoch end,\n"
    "every train.checkpoint_every_steps steps, and on cancel), with the run's own project and thread count.\n"
    "The resumed run reaches the same weights as one never stopped.\n"
    "  --db FILE            run store (SQLite), default ./sparsescope.db\n"
    "  --memory-bound SIZE  the run's memory_bound from now on (\"300MB\", \"2GiB\", bytes, or \"none\"), for a run\n"
    "                       stopped at its bound\n"
    "  --json               one JSON object per epoch on stdout\n"
    "Exit codes as for run.\n";

namespace {
RunControl* activeControl = nullptr;

std::string formatAccuracy(std::optional<double> accuracy) {
  return accuracy ? std::to_string(100.0 * *accuracy).substr(0, 5) + "%" : "none";
}

void describeModelMemory(const Experiment& experiment, FILE* out) {
  if (!experiment.densities().empty()) std::fprintf(out, "%s", formatDensityTable(experiment.densities()).c_str());
  std::fprintf(out, "%s", formatMemoryLines(experiment.memoryLines(), !experiment.densities().empty()).c_str());
}

extern "C" void onInterrupt(int) {
  if (activeControl) activeControl->requestCancelFromSignal();
  // A second Ctrl-C ends the process at once, as users expect.
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
}

// Trains (or resumes) with Ctrl-C and SIGTERM turned into a clean cancel, then prints the one-line summary.
int trainWithSignals(Experiment& experiment, RunStore& store, bool json,
                     const std::function<RunOutcome(RunControl&, const std::vector<TrainingObserver*>&)>& train) {
  describeModelMemory(experiment, stderr);
  TerminalProgress progress(stderr);
  JsonEpochPrinter printer(stdout);
  std::vector<TrainingObserver*> observers{&progress};
  if (json) observers.push_back(&printer);

  RunControl control;
  activeControl = &control;
  std::signal(SIGINT, onInterrupt);
  std::signal(SIGTERM, onInterrupt);
  const auto start = std::chrono::steady_clock::now();
  const RunOutcome outcome = train(control, observers);
  activeControl = nullptr;
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  FILE* summary = json ? stderr : stdout;
  const std::string accuracy = formatAccuracy(outcome.finalTestAccuracy);
  const int64_t base = experiment.residentSetBase().bytes, peak = base + outcome.peakResidentAboveBaseBytes;
  std::fprintf(summary, "run %lld %s after %.1fs: final test accuracy %s, peak RSS %.1f MB (store %s)\n",
               (long long)outcome.runId, toString(outcome.status), seconds, accuracy.c_str(), megabytes(peak),
               store.path().c_str());
  std::fprintf(summary, "%s", formatMeasuredMemory(experiment.memory().peak(), {base, peak}).c_str());
  if (outcome.status == RunStatus::Failed) {
    std::fprintf(stderr, "sparsescope: run failed: %s\n", outcome.message.c_str());
    return kRunFailed;
  }
  if (outcome.overMemoryBound) {
    std::fprintf(stderr,
                 "sparsescope: run %lld %s; continue it with 'sparsescope resume %lld --memory-bound SIZE --db %s'\n",
                 (long long)outcome.runId, outcome.message.c_str(), (long long)outcome.runId, store.path().c_str());
    return kRunFailed;
  }
  if (outcome.status == RunStatus::Cancelled)
    std::fprintf(stderr, "sparsescope: run %lld cancelled; continue it with 'sparsescope resume %lld --db %s'\n",
                 (long long)outcome.runId, (long long)outcome.runId, store.path().c_str());
  return outcome.status == RunStatus::Cancelled ? kCancelled : kOk;
}

// The stored project of run `runId`, with memoryBound (a project's "memory_bound" value) in place of its own when
// given; a changed bound is stored as the run's from now on, so a later resume keeps it.
Project projectToResume(RunStore& store, int64_t runId, const std::optional<nlohmann::json>& memoryBound) {
  const std::string where = store.path() + ": run " + std::to_string(runId);
  nlohmann::json stored = nlohmann::json::parse(store.projectJson(runId));
  if (!memoryBound || stored.value("memory_bound", nlohmann::json()) == *memoryBound)
    return parseProject(stored.dump(), where);
  stored["memory_bound"] = *memoryBound;
  Project project = parseProject(stored.dump(), where + " with --memory-bound");
  store.replaceProjectJson(runId, projectToJson(project));
  return project;
}

// Continues run `runId` with its own project and thread count.
int resumeRun(RunStore& store, int64_t runId, bool json, const std::optional<nlohmann::json>& memoryBound = {}) {
  const RunSummary summary = store.run(runId);
  Project project = projectToResume(store, runId, memoryBound);
  // The same thread count as before: the kernels' reductions, and so the weights, depend on it.
  project.train.threads = summary.threads;
  Experiment experiment(project);
  return trainWithSignals(experiment, store, json,
                          [&](RunControl& control, const std::vector<TrainingObserver*>& observers) {
                            return experiment.resume(store, runId, control, observers);
                          });
}

// --continue: what the store already holds of a run with the project's name decides. Returns the exit code when
// that settles it, nothing when the project is to be trained as a new run.
std::optional<int> continueNamedRun(const Project& project, RunStore& store, bool json) {
  const NamedRun existing = findNamedRun(store, project.name);
  if (!existing.run) return std::nullopt;
  const RunSummary& run = *existing.run;
  const std::string which = "run " + std::to_string(run.id) + " '" + run.name + "'";
  if (existing.state == NamedRunState::Restartable) {
    // Nothing of it can be continued, so the fresh start takes its place: one run per name in the store, not an
    // empty attempt beside the real one.
    std::fprintf(stderr, "%s %s before its first checkpoint; starting it afresh in its place\n", which.c_str(),
                 run.status.c_str());
    store.deleteRun(run.id);
    return std::nullopt;
  }
  const Project stored = parseProject(store.projectJson(run.id), store.path() + ": " + which);
  if (const std::string difference = firstTrainingDifference(stored, project); !difference.empty())
    throw InputError(store.path() + ": " + which + " was made from a different project (" + difference +
                     " differs); delete that run or give the project another name");
  if (existing.state == NamedRunState::Running)
    throw InputError(store.path() + ": " + which + " is still running (process on " + run.host +
                     "); wait for it, or stop it and run this again");
  if (existing.state == NamedRunState::Finished) {
    std::fprintf(json ? stderr : stdout, "%s already finished: final test accuracy %s (store %s)\n", which.c_str(),
                 formatAccuracy(run.finalTestAccuracy).c_str(), store.path().c_str());
    return kOk;
  }
  std::fprintf(stderr, "%s is %s; resuming it from its checkpoint\n", which.c_str(), run.status.c_str());
  // The project file's memory bound holds from now on: a run stopped at its bound continues with a larger one.
  return resumeRun(store, run.id, json,
                   project.memoryBoundBytes ? nlohmann::json(*project.memoryBoundBytes) : nlohmann::json());
}
}  // namespace

int runCommand(const std::vector<std::string>& argv) {
  const Args args(argv, {"--db", "--epochs", "--threads", "--seed"}, {"--json", "--continue"});
  if (args.positionals().size() != 1) throw UsageError{"run needs exactly one project file"};
  Project project = loadProject(args.positionals()[0]);
  if (auto n = args.integer("--epochs", 1, 100000)) project.train.epochs = int(*n);
  if (auto n = args.integer("--threads", 0, 1024)) project.train.threads = int(*n);
  if (auto n = args.integer("--seed", 0, (1LL << 62))) project.train.seed = uint64_t(*n);
  RunStore store(args.value("--db").value_or(kDefaultDb));
  if (args.has("--continue"))
    if (const std::optional<int> code = continueNamedRun(project, store, args.has("--json"))) return *code;
  Experiment experiment(project);
  return trainWithSignals(experiment, store, args.has("--json"),
                          [&](RunControl& control, const std::vector<TrainingObserver*>& observers) {
                            return experiment.run(store, control, observers);
                          });
}

int resumeCommand(const std::vector<std::string>& argv) {
  const Args args(argv, {"--db", "--memory-bound"}, {"--json"});
  if (args.positionals().size() != 1) throw UsageError{"resume needs exactly one run id"};
  const int64_t runId = parseRunId(args.positionals()[0]);
  std::optional<nlohmann::json> memoryBound;
  if (const std::optional<std::string> size = args.value("--memory-bound"))
    memoryBound = *size == "none" ? nlohmann::json() : nlohmann::json(*size);
  RunStore store(args.value("--db").value_or(kDefaultDb));
  return resumeRun(store, runId, args.has("--json"), memoryBound);
}

}  // namespace ss::cli
