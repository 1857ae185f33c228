#pragma once

#include <QTimer>
#include <QVector>
#include <QWidget>
#include <map>
#include <string>
#include <vector>

#include "store/run_records.h"
#include "store/store_reader.h"
#include "train/observer.h"

class QCustomPlot;
class QLabel;
class QCPItemStraightLine;
class QCPGraph;

namespace ss::ui {

// The live view of one run: accuracy and loss per epoch with the sampled per-step loss, learning rate and
// density, the algorithm's mask changes with the examples in use, and memory (the model's lines, the measured peak
// above the process's base, and the bound).
// Fed by RunController's signals or from a stored run; repaints at most ten times a second however fast
// the data comes.
class TrainingDashboard : public QWidget {
  Q_OBJECT

 public:
  explicit TrainingDashboard(QWidget* parent = nullptr);

  void clear(const QString& title);
  void begin(const RunStartInfo& info);
  void addSteps(const QVector<StepRecord>& steps);
  void addEpoch(const EpochRecord& epoch);
  void addMaskChange(const MaskChangeEvent& event);
  // Shows a past (or running) run from the store: everything it logged so far.
  void showStoredRun(const StoreReader& store, int64_t runId);

  QCustomPlot* accuracyPlot() const { return accuracy_; }
  QCustomPlot* lossPlot() const { return loss_; }
  QCustomPlot* schedulePlot() const { return schedule_; }
  QCustomPlot* mutationPlot() const { return mutation_; }
  QCustomPlot* memoryPlot() const { return memory_; }

 private:
  void scheduleReplot();
  void replotAll();
  double epochOf(int64_t step) const;
  void showMemoryLines(const std::vector<MemoryLineRecord>& lines, int epochs);

  QLabel* title_;
  QCustomPlot *accuracy_, *loss_, *schedule_, *mutation_, *memory_;
  QCPItemStraightLine* boundLine_;
  QTimer replotTimer_;
  int64_t stepsPerEpoch_ = 1;
  int64_t lastMutationStep_ = -1;
  std::map<std::string, QCPGraph*> layerDensity_;  // per-layer density after each mask change
  QCPGraph* layersEntry_;                          // their legend entry when there are too many for one each
  std::vector<QCPGraph*> memoryBands_;             // the memory model's lines, stacked from the bottom
};

}  // namespace ss::ui
