#pragma once

#include <QWidget>
#include <vector>

#include "store/run_records.h"

class QLabel;
class QPushButton;
class QSortFilterProxyModel;
class QTableView;

namespace ss::ui {

class RunTableModel;

// Every run in the store as a sortable table. Opening a run (double-click or Open) shows it from the store
// in the dashboard; a cancelled or interrupted run can be resumed from here.
class RunBrowser : public QWidget {
  Q_OBJECT

 public:
  explicit RunBrowser(QWidget* parent = nullptr);

  // Reads the runs of the store again; a store that cannot be read shows its error in place of the table.
  void refresh(const QString& storePath);
  QTableView* table() const { return table_; }
  int rowCount() const;
  std::vector<int64_t> selectedRuns() const;

 signals:
  void openRequested(int64_t runId);
  void resumeRequested(int64_t runId);
  void compareRequested(const std::vector<int64_t>& runIds);

 private:
  int64_t selectedRun() const;  // 0 unless exactly one run is selected
  void updateButtons();

  RunTableModel* model_;
  QSortFilterProxyModel* sorted_;
  QTableView* table_;
  QLabel* note_;
  QPushButton *openButton_, *resumeButton_, *compareButton_;
};

}  // namespace ss::ui
