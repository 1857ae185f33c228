#pragma once

#include <QObject>
#include <QString>
#include <QVector>
#include <memory>
#include <mutex>
#include <optional>

#include "project/project.h"
#include "store/run_records.h"
#include "train/experiment.h"
#include "train/observer.h"
#include "train/run_control.h"

class QThread;

namespace ss::ui {

// Hosts one training run on a worker QThread and reports it to the GUI thread. The engine's observer
// calls arrive on the worker; they are copied into a pending batch and the GUI thread is woken at most
// once per batch (a queued call that drains everything pending), so a fast run cannot flood the event
// loop and the GUI never reads engine memory. Pause, resume and stop go through the engine's RunControl.
class RunController : public QObject {
  Q_OBJECT

 public:
  explicit RunController(QObject* parent = nullptr);
  ~RunController() override;  // stops a running run and waits for its thread

  // Starts a new run of project, recorded in the store at dbPath; or resumes run runId of that store.
  // Returns false (and emits nothing) while another run is going.
  bool start(const Project& project, const QString& dbPath);
  bool resume(const QString& dbPath, int64_t runId);
  void pause();
  void resumePaused();
  void stop();

  bool running() const { return thread_ != nullptr; }
  bool paused() const { return control_ && control_->paused(); }

 signals:
  void runStarted(const ss::RunStartInfo& info);
  void stepsArrived(const QVector<ss::StepRecord>& steps);  // in order, since the last signal
  void epochEnded(const ss::EpochRecord& epoch);
  void maskChanged(const ss::MaskChangeEvent& event);
  void examplesRemoved(const ss::ExamplesRemovedEvent& event);
  void exampleStatsUpdated(const QVector<ss::ExampleStatRecord>& stats);
  void progress(int64_t stepsDone, int64_t stepsTotal, double etaSeconds);
  void pausedChanged(bool paused);
  // The run ended (finished, cancelled, failed) or could not start (status failed, with the reason).
  void runEnded(ss::RunStatus status, const QString& message, int64_t runId);

 private:
  class Relay;
  using Work = std::function<RunOutcome(RunControl&, TrainingObserver&)>;
  bool launch(Work work);
  void deliver();  // GUI thread: emits everything the relay collected
  void finishThread();

  std::unique_ptr<RunControl> control_;
  std::unique_ptr<Relay> relay_;
  QThread* thread_ = nullptr;
  std::optional<RunOutcome> outcome_;
};

}  // namespace ss::ui
