#include "run_controller.h"

#include <sys/resource.h>
#include <unistd.h>

#include <QMetaObject>
#include <QThread>
#include <chrono>
#include <cmath>

#include "store/run_store.h"

namespace ss::ui {

// The worker-side observer: copies what the engine reports into a pending batch and wakes the GUI thread
// once per batch.
class RunController::Relay : public TrainingObserver {
 public:
  explicit Relay(RunController* owner) : owner_(owner) {}

  struct Batch {
    std::optional<RunStartInfo> start;
    QVector<StepRecord> steps;
    std::vector<EpochRecord> epochs;
    std::vector<MaskChangeEvent> masks;
    std::vector<ExamplesRemovedEvent> removals;
    std::optional<QVector<ExampleStatRecord>> stats;
    int64_t stepsDone = 0, stepsTotal = 0;
    double eta = NAN;
    std::optional<RunOutcome> end;
  };

  void onRunStart(const RunStartInfo& info) override {
    started_ = Clock::now();
    firstStep_ = info.resumedAtStep;
    total_ = info.stepsPerEpoch * info.epochs;
    post([&](Batch& b) { b.start = info; });
  }
  void onStep(const StepRecord& s, int64_t, int64_t) override {
    const double elapsed = std::chrono::duration<double>(Clock::now() - started_).count();
    const int64_t done = s.step - firstStep_;
    post([&](Batch& b) {
      b.steps.push_back(s);
      b.stepsDone = s.step;
      b.stepsTotal = total_;
      b.eta = done > 0 ? elapsed / double(done) * double(total_ - s.step) : NAN;
    });
  }
  void onEpochEnd(const EpochRecord& e) override {
    post([&](Batch& b) { b.epochs.push_back(e); });
  }
  void onMaskChange(const MaskChangeEvent& e) override {
    post([&](Batch& b) { b.masks.push_back(e); });
  }
  void onExamplesRemoved(const ExamplesRemovedEvent& e) override {
    post([&](Batch& b) { b.removals.push_back(e); });
  }
  void onExampleStats(const std::vector<ExampleStatRecord>& stats, bool) override {
    QVector<ExampleStatRecord> copy(stats.begin(), stats.end());
    post([&](Batch& b) { b.stats = std::move(copy); });
  }
  void ended(RunOutcome outcome) {
    post([&](Batch& b) { b.end = std::move(outcome); });
  }

  Batch take() {
    std::lock_guard lock(mutex_);
    wakePending_ = false;
    return std::exchange(pending_, Batch{});
  }

 private:
  using Clock = std::chrono::steady_clock;

  template <typename F>
  void post(F&& add) {
    bool wake = false;
    {
      std::lock_guard lock(mutex_);
      add(pending_);
      wake = !std::exchange(wakePending_, true);
    }
    if (wake) QMetaObject::invokeMethod(owner_, &RunController::deliver, Qt::QueuedConnection);
  }

  RunController* owner_;
  std::mutex mutex_;
  Batch pending_;
  bool wakePending_ = false;
  Clock::time_point started_ = Clock::now();
  int64_t firstStep_ = 0, total_ = 0;
};

RunController::RunController(QObject* parent) : QObject(parent) {}

RunController::~RunController() {
  if (!thread_) return;
  control_->requestCancel();
  thread_->wait();
  delete thread_;
}

bool RunController::start(const Project& project, const QString& dbPath) {
  return launch([project, db = dbPath.toStdString()](RunControl& control, TrainingObserver& relay) {
    RunStore store(db);
    Experiment experiment(project);
    return experiment.run(store, control, {&relay});
  });
}

bool RunController::resume(const QString& dbPath, int64_t runId) {
  return launch([db = dbPath.toStdString(), runId](RunControl& control, TrainingObserver& relay) {
    RunStore store(db);
    Project project = parseProject(store.projectJson(runId), db + ": run " + std::to_string(runId));
    project.train.threads = store.run(runId).threads;  // the weights depend on it
    Experiment experiment(project);
    return experiment.resume(store, runId, control, {&relay});
  });
}

namespace {
// Training with every core leaves the GUI thread competing with its own OpenMP team for a core, and losing a
// time slice is a visible stall. A nicer run thread fixes that: the threads it starts (its OpenMP team, the store's
// writer) inherit the nice value, the GUI thread wins each contest, and training loses only what the GUI
// actually uses. Linux nice values are per thread.
void yieldToTheGuiThread() {
#ifdef __linux__
  setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), getpriority(PRIO_PROCESS, 0) + 5);
#endif
}
}  // namespace

bool RunController::launch(Work work) {
  if (thread_) return false;
  control_ = std::make_unique<RunControl>();
  relay_ = std::make_unique<Relay>(this);
  thread_ = QThread::create([this, work = std::move(work), control = control_.get(), relay = relay_.get()] {
    yieldToTheGuiThread();
    RunOutcome outcome;
    try {
      outcome = work(*control, *relay);
    } catch (const std::exception& e) {
      // A project or store that cannot start: reported like a failed run, with the reason.
      outcome.status = RunStatus::Failed;
      outcome.message = e.what();
    }
    relay->ended(std::move(outcome));
  });
  thread_->setObjectName("sparsescope-run");
  connect(thread_, &QThread::finished, this, &RunController::finishThread);
  thread_->start();
  return true;
}

void RunController::pause() {
  if (!control_ || control_->paused()) return;
  control_->setPaused(true);
  emit pausedChanged(true);
}

void RunController::resumePaused() {
  if (!control_ || !control_->paused()) return;
  control_->setPaused(false);
  emit pausedChanged(false);
}

void RunController::stop() {
  if (control_) control_->requestCancel();
}

void RunController::deliver() {
  if (!relay_) return;
  Relay::Batch b = relay_->take();
  if (b.start) emit runStarted(*b.start);
  if (!b.steps.isEmpty()) {
    emit stepsArrived(b.steps);
    emit progress(b.stepsDone, b.stepsTotal, b.eta);
  }
  for (const auto& e : b.epochs) emit epochEnded(e);
  for (const auto& m : b.masks) emit maskChanged(m);
  for (const auto& r : b.removals) emit examplesRemoved(r);
  if (b.stats) emit exampleStatsUpdated(*b.stats);
  if (b.end) outcome_ = std::move(b.end);  // announced once the thread is gone, so a new run can start then
}

void RunController::finishThread() {
  deliver();  // anything posted after the last wake-up
  thread_->deleteLater();
  thread_ = nullptr;
  relay_.reset();
  control_.reset();
  const RunOutcome outcome =
      outcome_.value_or(RunOutcome{0, RunStatus::Failed, "the run's thread ended unexpectedly", {}});
  outcome_.reset();
  emit runEnded(outcome.status, QString::fromStdString(outcome.message), outcome.runId);
}

}  // namespace ss::ui
