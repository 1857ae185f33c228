#include "comparison_view.h"

#include <qcustomplot.h>

#include <QHBoxLayout>
#include <QHeaderView>
#include <QTableWidget>
#include <QVBoxLayout>

#include "plot_interaction.h"
#include "run_comparison.h"
#include "train/run_inspection.h"

namespace ss::ui {

namespace {
QCustomPlot* comparisonPlot(QWidget* parent, const QString& name, const QString& yLabel) {
  QCustomPlot* plot = makeTitledPlot(parent, name, QString(), QObject::tr("epoch"), yLabel, 240);
  useWholeNumberTicks(plot->xAxis);
  return plot;
}
}  // namespace

ComparisonView::ComparisonView(QWidget* parent) : QWidget(parent) {
  accuracy_ = comparisonPlot(this, "comparisonAccuracy", tr("test accuracy (%)"));
  accuracy_->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignRight | Qt::AlignBottom);
  loss_ = comparisonPlot(this, "comparisonLoss", tr("test loss"));
  table_ = new QTableWidget(this);
  table_->setObjectName("comparisonTable");
  table_->verticalHeader()->setVisible(false);
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  auto* plots = new QHBoxLayout;
  plots->addWidget(accuracy_);
  plots->addWidget(loss_);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(plots, 3);
  layout->addWidget(table_, 1);
}

int ComparisonView::curveCount() const {
  return accuracy_->graphCount();
}

void ComparisonView::compare(const QString& storePath, const std::vector<int64_t>& runIds) {
  accuracy_->clearGraphs();
  loss_->clearGraphs();
  const StoreReader& store = store_.at(storePath);
  std::vector<RunDetails> runs;
  std::vector<std::pair<int64_t, QString>> unreadable;
  for (int64_t id : runIds) {
    try {
      runs.push_back(inspectRun(store, id));
    } catch (const std::exception& e) {
      unreadable.emplace_back(id, QString::fromStdString(e.what()));
      continue;
    }
    const RunSummary& s = runs.back().summary;
    const QString label =
        QString("run %1 %2 (%3)").arg(s.id).arg(QString::fromStdString(s.name), QString::fromStdString(s.algorithm));
    QPen pen(runColour(runs.size() - 1));
    pen.setWidthF(2.0);
    QCPGraph* acc = accuracy_->addGraph();
    QCPGraph* loss = loss_->addGraph();
    for (QCPGraph* g : {acc, loss}) {
      g->setName(label);
      g->setPen(pen);
      g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 4));
    }
    for (const EpochRecord& e : store.epochs(id)) {
      acc->addData(e.epoch, 100.0 * e.testAccuracy);
      loss->addData(e.epoch, e.testLoss);
    }
  }
  const report::Table comparison = compareRuns(runs);
  table_->clear();
  table_->setColumnCount(int(comparison.header.size()));
  table_->setHorizontalHeaderLabels(comparison.header);
  table_->setRowCount(int(runs.size() + unreadable.size()));
  for (size_t r = 0; r < comparison.rows.size(); ++r)
    for (int c = 0; c < int(comparison.rows[r].size()); ++c) {
      auto* item = new QTableWidgetItem(comparison.rows[r][c]);
      if (comparison.isMarked(r, size_t(c))) {
        QFont bold = item->font();
        bold.setBold(true);
        item->setFont(bold);
        item->setToolTip(tr("best of the compared runs"));
      }
      table_->setItem(int(r), c, item);
    }
  for (size_t i = 0; i < unreadable.size(); ++i) {  // a run that cannot be read is named, not dropped
    const int row = int(runs.size() + i);
    table_->setItem(row, 0, new QTableWidgetItem(QString::number(unreadable[i].first)));
    table_->setItem(row, 1, new QTableWidgetItem(unreadable[i].second));
  }
  table_->resizeColumnsToContents();
  table_->horizontalHeader()->setSectionResizeMode(1, QHeaderView::Stretch);
  for (QCustomPlot* plot : {accuracy_, loss_}) {
    plot->rescaleAxes();
    plot->yAxis->scaleRange(1.08, plot->yAxis->range().center());
    plot->replot();
  }
}

}  // namespace ss::ui
