#include "sweep_summary_view.h"

#include <qcustomplot.h>

#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>
#include <algorithm>
#include <map>

#include "plot_interaction.h"

namespace ss::ui {

namespace {

QCustomPlot* summaryPlot(QWidget* parent, const QString& name, const QString& title, const QString& xLabel) {
  QCustomPlot* plot = makeTitledPlot(parent, name, title, xLabel, QObject::tr("final test accuracy (%)"), 240);
  // The legend goes under the axes, in one row: inside, it would hide the points of a crowded sweep.
  plot->axisRect()->insetLayout()->take(plot->legend);
  plot->axisRect()->insetLayout()->simplify();
  plot->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
  plot->legend->setBorderPen(Qt::NoPen);
  plot->plotLayout()->addElement(2, 0, plot->legend);
  plot->plotLayout()->setRowStretchFactor(2, 0.001);
  return plot;
}

struct Spread {
  double sum = 0, lo = 1e300, hi = -1e300;
  int count = 0;
  void add(double v) {
    sum += v;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
    ++count;
  }
  double mean() const { return sum / count; }
};

}  // namespace

SweepSummaryView::SweepSummaryView(QWidget* parent) : QWidget(parent) {
  title_ = new QLabel(this);
  title_->setObjectName("sweepSummaryTitle");
  title_->setWordWrap(true);
  bySparsity_ = summaryPlot(this, "sweepAccuracyBySparsity", tr("Accuracy against sparsity (mean of seeds, range)"),
                            tr("sparsity (%)"));
  byTime_ = summaryPlot(this, "sweepAccuracyByTime", tr("Accuracy against training time (every run)"),
                        tr("training time (s)"));
  auto* plots = new QHBoxLayout;
  plots->addWidget(bySparsity_);
  plots->addWidget(byTime_);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(title_);
  layout->addLayout(plots, 1);
}

int SweepSummaryView::seriesCount() const {
  return bySparsity_->graphCount();
}

void SweepSummaryView::show(const QString& sweepId, const std::vector<SweepRunPoint>& runs) {
  for (QCustomPlot* plot : {bySparsity_, byTime_}) plot->clearPlottables();
  std::map<QString, std::map<double, Spread>> bySeries;  // series -> sparsity -> seeds' accuracies
  std::map<QString, std::vector<std::pair<double, double>>> timed;
  int drawn = 0;
  for (const SweepRunPoint& r : runs) {
    if (!r.finalAccuracy) continue;
    ++drawn;
    bySeries[r.series][r.sparsity].add(100.0 * *r.finalAccuracy);
    timed[r.series].emplace_back(r.trainingSeconds, 100.0 * *r.finalAccuracy);
  }
  title_->setText(tr("Sweep '%1': %2 runs, %3 finished with a final accuracy (the plots show those)")
                      .arg(sweepId)
                      .arg(runs.size())
                      .arg(drawn));
  size_t colour = 0;
  for (const auto& [series, points] : bySeries) {
    const QColor c = runColour(colour++);
    QCPGraph* mean = bySparsity_->addGraph();
    mean->setName(series);
    mean->setPen(QPen(c, 2));
    mean->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 6));
    auto* range = new QCPErrorBars(bySparsity_->xAxis, bySparsity_->yAxis);
    range->removeFromLegend();
    range->setPen(QPen(c, 1.2));
    range->setDataPlottable(mean);
    QVector<double> below, above;
    for (const auto& [sparsity, s] : points) {
      mean->addData(100.0 * sparsity, s.mean());
      below << s.mean() - s.lo;
      above << s.hi - s.mean();
    }
    range->setData(below, above);
    QCPGraph* runsOf = byTime_->addGraph();
    runsOf->setName(series);
    runsOf->setLineStyle(QCPGraph::lsNone);
    runsOf->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, QPen(c), QBrush(c), 6));
    std::vector<std::pair<double, double>> sorted = timed[series];
    std::sort(sorted.begin(), sorted.end());
    for (const auto& [seconds, accuracy] : sorted) runsOf->addData(seconds, accuracy);
  }
  for (QCustomPlot* plot : {bySparsity_, byTime_}) {
    plot->rescaleAxes();
    plot->xAxis->scaleRange(1.1, plot->xAxis->range().center());
    plot->yAxis->scaleRange(1.15, plot->yAxis->range().center());
    plot->replot();
  }
}

}  // namespace ss::ui
