#include "comparison_view.h"

#include <qcustomplot.h>

#include <QHBoxLayout>
#include <QHeaderView>
#include <QTableWidget>
#include <QVBoxLayout>

#include "plot_interaction.h"
#include "train/run_inspection.h"

namespace ss::ui {

namespace {
QCustomPlot* comparisonPlot(QWidget* parent, const QString& name, const QString& yLabel) {
  auto* plot = new QCustomPlot(parent);
  plot->setObjectName(name);
  plot->setMinimumSize(320, 240);
  plot->xAxis->setLabel(QObject::tr("epoch"));
  plot->yAxis->setLabel(yLabel);
  plot->legend->setVisible(true);
  plot->legend->setFont(QFont(plot->font().family(), 8));
  plot->legend->setBrush(QColor(255, 255, 255, 210));
  makeInteractive(plot);
  return plot;
}

QString percent(std::optional<double> v) {
  return v ? QString("%1%").arg(100.0 * *v, 0, 'f', 2) : QString("-");
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
  const QStringList headers{tr("Run"),           tr("Name"),           tr("Algorithm"),     tr("Scheme"),
                            tr("Sparsity"),      tr("Final accuracy"), tr("Best accuracy"), tr("Epochs"),
                            tr("Training time"), tr("Memory model")};
  table_->clear();
  table_->setColumnCount(int(headers.size()));
  table_->setHorizontalHeaderLabels(headers);
  table_->setRowCount(int(runIds.size()));
  const SeriesColour palette[] = {SeriesColour::Blue,   SeriesColour::Vermillion, SeriesColour::Green,
                                  SeriesColour::Orange, SeriesColour::Purple,     SeriesColour::Sky,
                                  SeriesColour::Grey,   SeriesColour::Yellow};
  const RunStore store(storePath.toStdString());
  for (size_t i = 0; i < runIds.size(); ++i) {
    const int row = int(i);
    try {
      const RunDetails d = inspectRun(store, runIds[i]);
      const RunSummary& s = d.summary;
      const QString label =
          QString("run %1 %2 (%3)").arg(s.id).arg(QString::fromStdString(s.name), QString::fromStdString(s.algorithm));
      QPen pen(QColor::fromRgb(seriesRgb(palette[i % 8])));
      pen.setWidthF(2.0);
      QCPGraph* acc = accuracy_->addGraph();
      QCPGraph* loss = loss_->addGraph();
      for (QCPGraph* g : {acc, loss}) {
        g->setName(label);
        g->setPen(pen);
        g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 4));
      }
      for (const EpochRecord& e : store.epochs(runIds[i])) {
        acc->addData(e.epoch, 100.0 * e.testAccuracy);
        loss->addData(e.epoch, e.testLoss);
      }
      const QStringList cells{
          QString::number(s.id),
          QString::fromStdString(s.name),
          QString::fromStdString(s.algorithm),
          QString::fromStdString(s.scheme),
          QString("%1%").arg(100.0 * s.target, 0, 'f', 0),
          percent(s.finalTestAccuracy),
          d.bestEpoch ? percent(d.bestEpoch->testAccuracy) : QString("-"),
          QString("%1/%2").arg(s.epochsLogged).arg(s.epochs),
          QString("%1 s").arg(s.elapsedSeconds, 0, 'f', 1),
          d.lastEpoch ? QString("%1 MB").arg(double(d.lastEpoch->memoryBytes) / 1e6, 0, 'f', 2) : QString("-")};
      for (int c = 0; c < int(cells.size()); ++c) table_->setItem(row, c, new QTableWidgetItem(cells[c]));
    } catch (const std::exception& e) {
      table_->setItem(row, 0, new QTableWidgetItem(QString::number(runIds[i])));
      table_->setItem(row, 1, new QTableWidgetItem(QString::fromStdString(e.what())));
    }
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
