#pragma once

#include <QWidget>
#include <memory>
#include <vector>

#include "data/dataset.h"
#include "store/run_records.h"

class QComboBox;
class QCustomPlot;
class QLabel;
class QListView;
class QStackedWidget;

namespace ss::ui {

class ExampleGridModel;

// Which training examples the run forgets: a histogram of forgetting counts (never-learned examples apart),
// and the examples themselves, as thumbnails for image data or as points for 2-D sets, sortable by
// forgetting count, first learned or removed, filtered by class; data efficiency's removed set is framed red.
class ForgettingView : public QWidget {
  Q_OBJECT

 public:
  explicit ForgettingView(QWidget* parent = nullptr);

  void setTrainingData(std::shared_ptr<const Dataset> train);
  void setStats(std::vector<ExampleStatRecord> stats);
  // Every epoch's statistics so far, for an example's history; a live run adds one epoch at a time.
  void setHistory(std::vector<ExampleStatsAtEpoch> history);
  void addEpoch(int epoch, const std::vector<ExampleStatRecord>& stats);
  // "epoch 1: seen 1, forgotten 0; ..." for the example with this index in the data file.
  QString historyOf(int64_t originalIndex) const;
  void clear();

  int histogramTotal() const;  // examples counted in the histogram's bars
  int shownExamples() const;
  ExampleGridModel* gridModel() const { return model_; }
  QCustomPlot* histogramPlot() const { return histogram_; }
  QCustomPlot* pointsPlot() const { return points_; }  // the examples of a 2-D data set
  QString summary() const;

 private:
  void drawHistogram();
  void drawPoints();
  void updateClassBox();

  std::shared_ptr<const Dataset> train_;
  std::vector<ExampleStatRecord> stats_;
  std::vector<ExampleStatsAtEpoch> history_;
  ExampleGridModel* model_;
  QLabel* summary_;
  QLabel* detail_;
  QComboBox *orderBox_, *classBox_;
  QCustomPlot* histogram_;
  QStackedWidget* examples_;
  QListView* grid_;
  QCustomPlot* points_;
};

}  // namespace ss::ui
