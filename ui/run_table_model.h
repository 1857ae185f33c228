#pragma once

#include <QAbstractTableModel>
#include <vector>

#include "store/run_records.h"

namespace ss::ui {

// The runs of a store as table rows: name, algorithm, scheme, sparsity, status, epochs, final test accuracy,
// training time, the sweep it belongs to. Sorting goes through a QSortFilterProxyModel; numbers sort as numbers
// (Qt::UserRole).
class RunTableModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column { Id, Name, Algorithm, Scheme, Sparsity, Status, Epochs, TestAccuracy, Time, Sweep, ColumnCount };

  explicit RunTableModel(QObject* parent = nullptr) : QAbstractTableModel(parent) {}

  void setRuns(std::vector<RunSummary> runs);
  const RunSummary& run(int row) const { return runs_[size_t(row)]; }

  int rowCount(const QModelIndex& parent = {}) const override { return parent.isValid() ? 0 : int(runs_.size()); }
  int columnCount(const QModelIndex& parent = {}) const override { return parent.isValid() ? 0 : ColumnCount; }
  QVariant data(const QModelIndex& index, int role) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

 private:
  std::vector<RunSummary> runs_;
};

}  // namespace ss::ui
