#include "sweep/slurm_sweep_status.h"

#include <cstdio>
#include <filesystem>
#include <map>

#include "store/run_store.h"
#include "sweep/slurm_queue.h"

namespace ss {

const char* toString(SweepTaskState state) {
  switch (state) {
    case SweepTaskState::Pending:
      return "pending";
    case SweepTaskState::Running:
      return "running";
    case SweepTaskState::Finished:
      return "finished";
    case SweepTaskState::Failed:
      break;
  }
  return "failed";
}

namespace {

bool slurmStateIsPending(const std::string& state) {
  return state == "PENDING" || state == "CONFIGURING" || state.rfind("REQUEUE", 0) == 0 || state == "RESV_DEL_HOLD";
}

std::string describeStoredRun(const RunSummary& run) {
  std::string text =
      run.status + " after " + std::to_string(run.epochsLogged) + "/" + std::to_string(run.epochs) + " epochs";
  if (!run.message.empty()) text += ": " + run.message;
  return text;
}

std::string describeFailure(const std::string& clusterState, const NamedRun& stored) {
  std::string text;
  switch (stored.state) {
    case NamedRunState::Absent:
      text = "no run in its store";
      break;
    case NamedRunState::Running:
      text = "the task ended while its run was going (" + describeStoredRun(*stored.run) + ")";
      break;
    case NamedRunState::Resumable:
      text = describeStoredRun(*stored.run) + "; resubmit continues it from its checkpoint";
      break;
    case NamedRunState::Restartable:
      text = describeStoredRun(*stored.run) + ", before its first checkpoint; resubmit starts it afresh";
      break;
    case NamedRunState::Finished:
      break;
  }
  if (!clusterState.empty()) text += " (Slurm: " + clusterState + ")";
  return text;
}

}  // namespace

SweepTaskStatus combineTaskStatus(const std::string& queueState, const std::string& accountingState,
                                  const NamedRun& stored) {
  SweepTaskStatus status;
  status.stored = stored;
  if (slurmStateIsActive(queueState)) {
    status.state = slurmStateIsPending(queueState) ? SweepTaskState::Pending : SweepTaskState::Running;
    status.detail = queueState;
    return status;
  }
  if (stored.state == NamedRunState::Finished) {
    status.state = SweepTaskState::Finished;
    const RunSummary& run = *stored.run;
    char text[160];
    std::snprintf(text, sizeof text, "%d epochs, test accuracy %.2f%%, %.1f s training", run.epochsLogged,
                  100.0 * run.finalTestAccuracy.value_or(0.0), run.elapsedSeconds);
    status.detail = text;
    return status;
  }
  status.state = SweepTaskState::Failed;
  status.detail = describeFailure(accountingState.empty() ? queueState : accountingState, stored);
  return status;
}

std::vector<SweepTaskStatus> slurmSweepStatus(const SlurmSweepDir& dir) {
  const std::vector<std::string> runs = dir.runs();
  std::map<int, std::string> newestJob;
  std::vector<std::string> jobIds;
  for (const SlurmSubmission& submission : dir.submissions()) {
    jobIds.push_back(submission.jobId);
    for (int task : submission.array.tasks) newestJob[task] = submission.jobId;
  }
  const SlurmTaskStates queued = queuedSlurmTasks(jobIds);
  const std::optional<SlurmTaskStates> accounted = accountedSlurmTasks(jobIds);

  std::vector<SweepTaskStatus> statuses;
  for (int task = 0; task < int(runs.size()); ++task) {
    const auto job = newestJob.find(task);
    std::string queueState, accountingState;
    if (job != newestJob.end()) {
      if (auto it = queued.find({job->second, task}); it != queued.end()) queueState = it->second;
      if (accounted)
        if (auto it = accounted->find({job->second, task}); it != accounted->end()) accountingState = it->second;
    }
    NamedRun stored;
    const std::string storePath = dir.storePath(runs[task]);
    if (!slurmStateIsActive(queueState) && std::filesystem::exists(storePath))
      stored = findNamedRun(RunStore(storePath), runs[task]);
    SweepTaskStatus status = job == newestJob.end() && stored.state != NamedRunState::Finished
                                 ? SweepTaskStatus{0, "", "", SweepTaskState::Failed, "never submitted", stored}
                                 : combineTaskStatus(queueState, accountingState, stored);
    status.task = task;
    status.run = runs[task];
    if (job != newestJob.end()) status.job = job->second + "_" + std::to_string(task);
    statuses.push_back(status);
  }
  return statuses;
}

void markEndedTaskInterrupted(const SlurmSweepDir& dir, const SweepTaskStatus& status) {
  if (status.state != SweepTaskState::Failed || status.stored.state != NamedRunState::Running) return;
  RunStore store(dir.storePath(status.run));
  store.endRun(
      status.stored.run->id, RunStatus::Interrupted,
      "its Slurm task " + status.job + " ended while the run was going (killed, out of memory or a node failure)",
      std::nullopt);
}

}  // namespace ss
