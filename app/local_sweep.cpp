#include "local_sweep.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "cli_commands.h"
#include "core/error.h"
#include "project/project.h"
#include "project/project_difference.h"
#include "store/named_run.h"
#include "store/run_store.h"
#include "sweep/sweep_projects.h"
#include "sweep_progress.h"

namespace ss::cli {

namespace {

std::atomic<int> interrupts{0};

extern "C" void onSweepInterrupt(int) {
  interrupts.fetch_add(1);
}

struct Child {
  std::string name;
  std::string log;
};

// Starts `sparsescope run project --db db --threads T --continue` with its output in log. The child gets a process
// group of its own, so a Ctrl-C on the terminal reaches only this parent, which passes it on exactly once per
// press; and it is cancelled (checkpointing) should this parent die.
pid_t spawnRun(const std::string& project, const LocalSweepOptions& options, const std::string& log) {
  const std::string threads = std::to_string(options.threadsPerRun);
  std::vector<std::string> args = {"sparsescope", "run",       project, "--db",
                                   options.db,    "--threads", threads, "--continue"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const int out = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (out < 0) throw RunError(log + ": cannot open the run's log file");
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    // Only async-signal-safe calls until exec: the parent has threads (the store's writer).
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGINT);
    if (getppid() != parent) _exit(kCancelled);
    const int in = open("/dev/null", O_RDONLY);
    dup2(in, STDIN_FILENO);
    dup2(out, STDOUT_FILENO);
    dup2(out, STDERR_FILENO);
    execv("/proc/self/exe", argv.data());
    _exit(127);
  }
  close(out);
  if (pid < 0) throw RunError("cannot start a process for a sweep run");
  return pid;
}

std::string lastLine(const std::string& path) {
  std::ifstream in(path);
  std::string line, last;
  while (std::getline(in, line))
    if (!line.empty()) last = line;
  return last;
}

// Why a run failed: its error line (the run's summary follows it), else its last line.
std::string failureReason(const std::string& log) {
  std::ifstream in(log);
  std::string line, last, error;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    last = line;
    if (line.rfind("sparsescope: ", 0) == 0) error = line;
  }
  if (!error.empty()) return error;
  return last.empty() ? "its log is empty" : last;
}

// Below this, the store's disk counts as full: SQLite grows a store a page at a time and its WAL by whole commits.
constexpr uint64_t kFullDiskBytes = 256 * 1024;

uint64_t freeBytesBeside(const std::string& file) {
  const std::filesystem::path folder = std::filesystem::absolute(file).parent_path();
  struct statvfs fs {};
  if (statvfs(folder.c_str(), &fs) != 0) return UINT64_MAX;
  return uint64_t(fs.f_bavail) * fs.f_frsize;
}

std::string describeExit(int status) {
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "exit " + std::to_string(WEXITSTATUS(status));
}

bool changedSince(const RunStore& store, const RunSummary& stored, const SweepRun& run) {
  const std::string where = store.path() + ": run " + std::to_string(stored.id);
  return !firstTrainingDifference(parseProject(store.projectJson(stored.id), where),
                                  parseProject(run.projectJson, run.name))
              .empty();
}

}  // namespace

int usableCores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  return std::max(1, int(std::thread::hardware_concurrency()));
}

int runSweepLocally(const SweepPlan& plan, const LocalSweepOptions& options) {
  RunStore store(options.db);
  const std::string logs = (std::filesystem::path(options.workDir) / "logs").string();
  std::filesystem::create_directories(logs);
  const std::vector<std::string> projects =
      writeSweepProjects(plan, (std::filesystem::path(options.workDir) / "projects").string());

  std::deque<size_t> queue;
  int alreadyFinished = 0, busyElsewhere = 0;
  for (size_t i = 0; i < plan.runs.size(); ++i) {
    const NamedRun existing = findNamedRun(store, plan.runs[i].name);
    // A finished run of a changed project goes to its child too, which refuses it and says what changed.
    if (existing.state == NamedRunState::Finished && !changedSince(store, *existing.run, plan.runs[i])) {
      ++alreadyFinished;
    } else if (existing.state == NamedRunState::Running) {
      ++busyElsewhere;
      std::fprintf(stderr, "%s: still running in another process (on %s); left to it\n", plan.runs[i].name.c_str(),
                   existing.run->host.c_str());
    } else {
      queue.push_back(i);
    }
  }
  std::fprintf(stderr,
               "sweep %s: %zu runs, %d already finished, %zu to train, %d at a time with %d thread%s each; store %s, "
               "logs in %s\n",
               plan.id.c_str(), plan.runs.size(), alreadyFinished, queue.size(), options.jobs, options.threadsPerRun,
               options.threadsPerRun == 1 ? "" : "s", store.path().c_str(), logs.c_str());

  interrupts = 0;
  std::signal(SIGINT, onSweepInterrupt);
  std::signal(SIGTERM, onSweepInterrupt);
  SweepProgress progress(stderr, plan);
  std::map<pid_t, Child> running;
  int finished = 0, failed = 0, cancelled = 0, forwarded = 0;
  // A full disk fails every run started after it, so none is: the rest wait for the next sweep, with room.
  bool diskFull = false;
  const auto start = std::chrono::steady_clock::now();
  auto lastRead = start - std::chrono::hours(1);
  RunFilter ofThisSweep;
  ofThisSweep.nameContains = plan.id;
  progress.update(store.listRuns(ofThisSweep), 0, 0);
  const auto mayStartMore = [&] { return interrupts == 0 && !diskFull && !queue.empty(); };
  while (!running.empty() || mayStartMore()) {
    while (mayStartMore() && int(running.size()) < options.jobs) {
      const size_t i = queue.front();
      queue.pop_front();
      const std::string log = (std::filesystem::path(logs) / (plan.runs[i].name + ".log")).string();
      running[spawnRun(projects[i], options, log)] = {plan.runs[i].name, log};
    }
    for (; forwarded < interrupts; ++forwarded)
      for (const auto& [pid, child] : running) kill(pid, SIGINT);
    int status = 0;
    bool ended = false;
    for (pid_t pid; (pid = waitpid(-1, &status, WNOHANG)) > 0;) {
      ended = true;
      const auto it = running.find(pid);
      if (it == running.end()) continue;
      const Child child = it->second;
      running.erase(it);
      const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == kOk;
      const bool stopped = (WIFEXITED(status) && WEXITSTATUS(status) == kCancelled) ||
                           (WIFSIGNALED(status) && WTERMSIG(status) == SIGINT);
      if (ok) {
        ++finished;
        progress.note("finished " + child.name + ": " + lastLine(child.log));
      } else if (stopped && interrupts > 0) {
        ++cancelled;
        progress.note("cancelled " + child.name + " (it resumes when the sweep runs again)");
      } else {
        ++failed;
        const std::string reason = failureReason(child.log);
        progress.note("FAILED " + child.name + " (" + describeExit(status) + "): " + reason + " [log: " + child.log +
                      "]");
        if (reason.find("disk is full") != std::string::npos || freeBytesBeside(store.path()) < kFullDiskBytes)
          diskFull = true;
      }
    }
    // The store is read twice a second, not at every turn: a large one takes a while to summarise.
    const auto now = std::chrono::steady_clock::now();
    if (ended || now - lastRead > std::chrono::milliseconds(500)) {
      lastRead = now;
      progress.update(store.listRuns(ofThisSweep), int(running.size()), failed);
    }
    if (!running.empty() || mayStartMore()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  progress.finish();
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);

  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf(
      "sweep %s: %d of %zu runs finished (%d before this), %d failed, %d cancelled, %zu not started, %d "
      "running elsewhere, in %.1fs (store %s)\n",
      plan.id.c_str(), finished + alreadyFinished, plan.runs.size(), alreadyFinished, failed, cancelled, queue.size(),
      busyElsewhere, seconds, store.path().c_str());
  if (diskFull)
    std::fprintf(stderr,
                 "sparsescope: the disk holding %s is full (%llu KB free), so no more runs were started: make room and "
                 "run the same command again; finished runs are kept and the others continue from their checkpoints\n",
                 store.path().c_str(), static_cast<unsigned long long>(freeBytesBeside(store.path()) / 1024));
  if (interrupts > 0) {
    std::fprintf(stderr, "sparsescope: sweep cancelled; run the same command again to resume it\n");
    return kCancelled;
  }
  return failed > 0 || busyElsewhere > 0 ? kRunFailed : kOk;
}

}  // namespace ss::cli
