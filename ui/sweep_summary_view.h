#pragma once

#include <QString>
#include <QWidget>
#include <optional>
#include <vector>

class QCustomPlot;
class QLabel;

namespace ss::ui {

// One finished run of a sweep as the summary plots it.
struct SweepRunPoint {
  QString series;  // the run's algorithm (and any other axis but sparsity and seed): one curve each
  double sparsity = 0;
  std::optional<double> finalAccuracy;  // fraction; runs without one are counted, not drawn
  double trainingSeconds = 0;
};

// A sweep at a glance: final test accuracy against sparsity, one curve per algorithm through the seeds' mean,
// with the seeds' spread (lowest to highest) as error bars; and accuracy against training time, every run a
// point, so what a method costs shows beside what it reaches.
class SweepSummaryView : public QWidget {
  Q_OBJECT

 public:
  explicit SweepSummaryView(QWidget* parent = nullptr);

  void show(const QString& sweepId, const std::vector<SweepRunPoint>& runs);
  QCustomPlot* accuracyBySparsityPlot() const { return bySparsity_; }
  QCustomPlot* accuracyByTimePlot() const { return byTime_; }
  int seriesCount() const;

 private:
  QLabel* title_;
  QCustomPlot *bySparsity_, *byTime_;
};

}  // namespace ss::ui
