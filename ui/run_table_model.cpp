#include "run_table_model.h"

namespace ss::ui {

void RunTableModel::setRuns(std::vector<RunSummary> runs) {
  beginResetModel();
  runs_ = std::move(runs);
  endResetModel();
}

QVariant RunTableModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid()) return {};
  const RunSummary& r = runs_[size_t(index.row())];
  if (role == Qt::TextAlignmentRole)
    return index.column() == Name || index.column() == Algorithm || index.column() == Scheme ||
                   index.column() == Status || index.column() == Sweep
               ? QVariant(Qt::AlignLeft | Qt::AlignVCenter)
               : QVariant(Qt::AlignRight | Qt::AlignVCenter);
  if (role == Qt::ToolTipRole && !r.message.empty()) return QString::fromStdString(r.message);
  const bool sortKey = role == Qt::UserRole;
  if (role != Qt::DisplayRole && !sortKey) return {};
  switch (Column(index.column())) {
    case Id:
      return qlonglong(r.id);
    case Name:
      return QString::fromStdString(r.name);
    case Algorithm:
      return QString::fromStdString(r.algorithm);
    case Scheme:
      return QString::fromStdString(r.scheme);
    case Sparsity:
      return sortKey ? QVariant(r.target) : QVariant(QString("%1%").arg(100.0 * r.target, 0, 'f', 0));
    case Status:
      return QString::fromStdString(r.status);
    case Epochs:
      return sortKey ? QVariant(r.epochsLogged) : QVariant(QString("%1/%2").arg(r.epochsLogged).arg(r.epochs));
    case TestAccuracy:
      if (!r.finalTestAccuracy) return sortKey ? QVariant(-1.0) : QVariant(QString("-"));
      return sortKey ? QVariant(*r.finalTestAccuracy)
                     : QVariant(QString("%1%").arg(100.0 * *r.finalTestAccuracy, 0, 'f', 2));
    case Time:
      return sortKey ? QVariant(r.elapsedSeconds) : QVariant(QString("%1 s").arg(r.elapsedSeconds, 0, 'f', 1));
    case Sweep:
      return QString::fromStdString(r.sweepId);
    case ColumnCount:
      break;
  }
  return {};
}

QVariant RunTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  static const char* const kTitles[] = {"Id",     "Name",   "Algorithm",     "Scheme", "Sparsity",
                                        "Status", "Epochs", "Test accuracy", "Time",   "Sweep"};
  return tr(kTitles[section]);
}

}  // namespace ss::ui
