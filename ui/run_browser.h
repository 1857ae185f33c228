#pragma once

#include <QWidget>
#include <vector>

#include "held_store.h"
#include "store/run_records.h"
#include "store/run_store.h"

class QComboBox;
class QLabel;
class QPushButton;
class QSortFilterProxyModel;
class QTableView;

namespace ss::ui {

class RunTableModel;
class SweepSummaryView;

// Every run in the store as a sortable table. Opening a run (double-click or Open) shows it from the store
// in the dashboard; a cancelled or interrupted run can be resumed from here. Runs of a sweep are grouped:
// choosing the sweep shows only its runs, with a summary of accuracy against sparsity and training time.
class RunBrowser : public QWidget {
  Q_OBJECT

 public:
  explicit RunBrowser(QWidget* parent = nullptr);

  // Reads the runs of the store again; a store that cannot be read shows its error in place of the table.
  void refresh(const QString& storePath);
  QTableView* table() const { return table_; }
  int rowCount() const;  // runs shown: all, or the chosen sweep's
  // Shows only the runs of this sweep with its summary plots; an empty id shows every run.
  void showSweep(const QString& sweepId);
  QStringList sweeps() const;  // the sweep ids in the store, in the order runs name them
  SweepSummaryView* sweepSummary() const { return summary_; }
  std::vector<int64_t> selectedRuns() const;

 signals:
  void openRequested(int64_t runId);
  void resumeRequested(int64_t runId);
  void compareRequested(const std::vector<int64_t>& runIds);

 private:
  int64_t selectedRun() const;  // 0 unless exactly one run is selected
  void updateButtons();

  void applySweepFilter();

  // A RunStore rather than a reader: the list shows a run whose process died as interrupted, not running.
  HeldStore<RunStore> store_;
  std::vector<RunSummary> allRuns_;
  QComboBox* sweepBox_;
  SweepSummaryView* summary_;
  RunTableModel* model_;
  QSortFilterProxyModel* sorted_;
  QTableView* table_;
  QLabel* note_;
  QPushButton *openButton_, *resumeButton_, *compareButton_;
};

}  // namespace ss::ui
