#include "training_dashboard.h"

#include <qcustomplot.h>

#include <QGridLayout>
#include <QLabel>

#include "memory_line_colours.h"
#include "plot_interaction.h"
#include "project/project.h"

namespace ss::ui {

namespace {

constexpr size_t kLayersInLegend = 4;  // a convnet's; more share one entry

QCustomPlot* makePlot(QWidget* parent, const QString& name, const QString& title, const QString& yLabel) {
  QCustomPlot* plot = makeTitledPlot(parent, name, title, QObject::tr("epoch"), yLabel);
  useWholeNumberTicks(plot->xAxis);
  plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignRight | Qt::AlignBottom);
  return plot;
}

QCPGraph* addSeries(QCustomPlot* plot, const QString& name, SeriesColour colour, bool withPoints,
                    QCPAxis* valueAxis = nullptr) {
  QCPGraph* g = plot->addGraph(plot->xAxis, valueAxis ? valueAxis : plot->yAxis);
  g->setName(name);
  QPen pen(QColor::fromRgb(seriesRgb(colour)));
  pen.setWidthF(withPoints ? 2.0 : 1.0);
  g->setPen(pen);
  if (withPoints) g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 5));
  return g;
}

QCPBars* addBars(QCustomPlot* plot, const QString& name, SeriesColour colour) {
  auto* bars = new QCPBars(plot->xAxis, plot->yAxis);
  bars->setName(name);
  const QColor c = QColor::fromRgb(seriesRgb(colour));
  bars->setPen(QPen(c));
  bars->setBrush(QColor(c.red(), c.green(), c.blue(), 150));
  bars->setWidth(0.3);
  return bars;
}

}  // namespace

TrainingDashboard::TrainingDashboard(QWidget* parent) : QWidget(parent) {
  title_ = new QLabel(tr("No run yet: open a project and press Run (F5)."), this);
  title_->setObjectName("dashboardTitle");
  QFont bigger = title_->font();
  bigger.setPointSizeF(bigger.pointSizeF() * 1.15);
  title_->setFont(bigger);

  accuracy_ = makePlot(this, "accuracyPlot", tr("Accuracy"), tr("accuracy (%)"));
  addSeries(accuracy_, tr("train"), SeriesColour::Blue, true);
  addSeries(accuracy_, tr("test"), SeriesColour::Vermillion, true);

  loss_ = makePlot(this, "lossPlot", tr("Loss"), tr("cross-entropy"));
  addSeries(loss_, tr("step (sampled)"), SeriesColour::Grey, false);
  addSeries(loss_, tr("train"), SeriesColour::Blue, true);
  addSeries(loss_, tr("test"), SeriesColour::Vermillion, true);
  loss_->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignRight | Qt::AlignTop);

  schedule_ = makePlot(this, "schedulePlot", tr("Learning rate and density"), tr("learning rate"));
  schedule_->yAxis2->setVisible(true);
  schedule_->yAxis2->setLabel(tr("density"));
  schedule_->yAxis2->setRange(0, 1.05);
  addSeries(schedule_, tr("learning rate"), SeriesColour::Green, false);
  addSeries(schedule_, tr("density"), SeriesColour::Purple, true, schedule_->yAxis2);
  schedule_->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignRight | Qt::AlignTop);
  // A deep model's layers share one legend entry, which hides and shows them all; hovering a line names its layer.
  layersEntry_ = addSeries(schedule_, QString(), SeriesColour::Sky, false, schedule_->yAxis2);
  layersEntry_->removeFromLegend();
  connect(schedule_, &QCustomPlot::legendClick, this, [this](QCPLegend*, QCPAbstractLegendItem* item, QMouseEvent*) {
    auto* entry = qobject_cast<QCPPlottableLegendItem*>(item);
    if (!entry || entry->plottable() != layersEntry_) return;
    for (auto& [name, graph] : layerDensity_) graph->setVisible(layersEntry_->visible());  // toggled just before
    schedule_->replot();
  });

  mutation_ = makePlot(this, "mutationPlot", tr("Mask changes and examples in use"), tr("weights changed"));
  mutation_->yAxis2->setVisible(true);
  mutation_->yAxis2->setLabel(tr("examples in use"));
  addBars(mutation_, tr("dropped"), SeriesColour::Orange);
  addBars(mutation_, tr("grown"), SeriesColour::Sky);
  addSeries(mutation_, tr("examples in use"), SeriesColour::Blue, true, mutation_->yAxis2);

  // The model's lines stacked as bands up to its peak (they hold for the whole run), the measured peak above the
  // process's base on top at each epoch's end, and the bound that figure is held to.
  memory_ = makePlot(this, "memoryPlot", tr("Memory"), tr("MB"));
  QCPGraph* measured = addSeries(memory_, tr("measured above base"), SeriesColour::Grey, true);
  measured->setPen(QPen(Qt::black, 2.0));
  measured->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(Qt::black, 1.5), Qt::white, 6));
  memory_->addLayer("memoryBands", memory_->layer("main"), QCustomPlot::limBelow);
  boundLine_ = new QCPItemStraightLine(memory_);
  boundLine_->setPen(QPen(QColor::fromRgb(seriesRgb(SeriesColour::Vermillion)), 1.5, Qt::DashLine));
  boundLine_->setVisible(false);
  // Nine lines and the measured figure: the legend goes under the plot in two columns, where it covers nothing and
  // leaves the plot the panel's width (beside the plot it took half of it at 1280 x 800).
  memory_->axisRect()->insetLayout()->take(memory_->legend);
  memory_->plotLayout()->addElement(memory_->plotLayout()->rowCount(), 0, memory_->legend);
  memory_->plotLayout()->setRowStretchFactor(memory_->plotLayout()->rowCount() - 1, 0.001);
  memory_->legend->setMargins(QMargins(6, 2, 6, 2));
  memory_->legend->setRowSpacing(0);
  memory_->legend->setIconSize(24, 9);

  auto* grid = new QGridLayout(this);
  grid->addWidget(title_, 0, 0, 1, 3);
  grid->addWidget(accuracy_, 1, 0);
  grid->addWidget(loss_, 1, 1);
  grid->addWidget(memory_, 1, 2);
  grid->addWidget(schedule_, 2, 0);
  grid->addWidget(mutation_, 2, 1, 1, 2);
  grid->setRowStretch(1, 1);
  grid->setRowStretch(2, 1);

  replotTimer_.setSingleShot(true);
  replotTimer_.setInterval(100);
  connect(&replotTimer_, &QTimer::timeout, this, &TrainingDashboard::replotAll);
}

void TrainingDashboard::clear(const QString& title) {
  title_->setText(title);
  boundLine_->setVisible(false);
  for (auto& [name, graph] : layerDensity_) schedule_->removeGraph(graph);
  layerDensity_.clear();
  layersEntry_->removeFromLegend();
  layersEntry_->setVisible(true);
  for (QCustomPlot* plot : {accuracy_, loss_, schedule_, mutation_, memory_}) {
    for (int g = 0; g < plot->graphCount(); ++g) plot->graph(g)->data()->clear();
    for (int p = 0; p < plot->plottableCount(); ++p)
      if (auto* bars = qobject_cast<QCPBars*>(plot->plottable(p))) bars->data()->clear();
  }
  lastMutationStep_ = -1;
  replotAll();
}

void TrainingDashboard::begin(const RunStartInfo& info) {
  stepsPerEpoch_ = std::max<int64_t>(1, info.stepsPerEpoch);
  title_->setText(tr("Run %1 '%2': %3 of %4 steps, %5 parameters, %6 threads%7")
                      .arg(info.runId)
                      .arg(QString::fromStdString(info.name))
                      .arg(info.epochs == 1 ? tr("1 epoch") : tr("%1 epochs").arg(info.epochs))
                      .arg(info.stepsPerEpoch)
                      .arg(info.parameterCount)
                      .arg(info.threads)
                      .arg(info.resumedAtEpoch ? tr(", resumed at epoch %1").arg(info.resumedAtEpoch) : QString()));
  for (QCustomPlot* plot : {accuracy_, loss_, schedule_, mutation_, memory_})
    plot->xAxis->setRange(0, info.epochs + 0.5);
  // The bound as a line the model's figure must stay under; the name says it in the legend's absence.
  boundLine_->setVisible(info.memoryBoundBytes > 0);
  const double boundMb = double(info.memoryBoundBytes) / 1e6;
  boundLine_->point1->setCoords(0, boundMb);
  boundLine_->point2->setCoords(1, boundMb);
  showMemoryLines(info.memoryLines, info.epochs);
}

void TrainingDashboard::showMemoryLines(const std::vector<MemoryLineRecord>& lines, int epochs) {
  for (QCPGraph* band : memoryBands_) memory_->removeGraph(band);
  memoryBands_.clear();
  // A store from before the lines were kept has only the model's peak per epoch: one band, filled in by addEpoch.
  const std::vector<MemoryLineRecord> shown =
      lines.empty() ? std::vector<MemoryLineRecord>{{"memory model", 0, 0}} : lines;
  double below = 0;
  QCPGraph* previous = nullptr;
  for (size_t i = 0; i < shown.size(); ++i) {
    if (!lines.empty() && shown[i].bytes == 0) continue;  // a line this run does not have
    QCPGraph* band = memory_->addGraph();
    band->setLayer("memoryBands");
    band->setName(QString::fromStdString(shown[i].line));
    QColor colour = memoryLineColour(lines.empty() ? 0 : i);
    band->setPen(QPen(colour.darker(115), 1.0));
    colour.setAlpha(200);
    band->setBrush(colour);
    if (previous) band->setChannelFillGraph(previous);
    const double top = below + double(shown[i].bytes) / 1e6;
    if (!lines.empty()) band->setData({0.0, double(std::max(1, epochs))}, {top, top}, true);
    below = top;
    previous = band;
    memoryBands_.push_back(band);
  }
  // The measured figure first in the legend, then the bands from the top down, as they lie on the plot.
  memory_->legend->clearItems();
  memory_->legend->addItem(new QCPPlottableLegendItem(memory_->legend, memory_->graph(0)));
  for (auto band = memoryBands_.rbegin(); band != memoryBands_.rend(); ++band)
    memory_->legend->addItem(new QCPPlottableLegendItem(memory_->legend, *band));
  // Two columns read top down as the bands lie on the plot (QCustomPlot's wrap counts rows when it fills rows first).
  memory_->legend->setWrap((memory_->legend->itemCount() + 1) / 2);
  memory_->legend->setFillOrder(QCPLayoutGrid::foRowsFirst, /*rearrange=*/true);
}

void TrainingDashboard::showStoredRun(const StoreReader& store, int64_t runId) {
  const RunSummary run = store.run(runId);
  const std::vector<EpochRecord> epochs = store.epochs(runId);
  const std::vector<StepRecord> steps = store.steps(runId);
  clear({});
  RunStartInfo info;
  info.runId = run.id;
  info.name = run.name;
  info.epochs = run.epochs;
  info.stepsPerEpoch = epochs.empty() ? (steps.empty() ? 1 : steps.back().step) : epochs.front().step;
  info.threads = run.threads;
  try {  // the bound line; a project this engine can no longer read just goes without it
    info.memoryBoundBytes = parseProject(store.projectJson(runId), run.name).memoryBoundBytes.value_or(0);
  } catch (const std::exception&) {
  }
  info.memoryLines = store.memoryLines(runId);
  begin(info);
  title_->setText(tr("Run %1 '%2' from the store: %3, %4 of %5 epochs")
                      .arg(run.id)
                      .arg(QString::fromStdString(run.name), QString::fromStdString(run.status))
                      .arg(run.epochsLogged)
                      .arg(run.epochs));
  addSteps(QVector<StepRecord>(steps.begin(), steps.end()));
  for (const EpochRecord& e : epochs) addEpoch(e);
  for (const MaskChangeEvent& m : store.maskChangeCounts(runId)) addMaskChange(m);
  replotAll();
}

double TrainingDashboard::epochOf(int64_t step) const {
  return double(step) / double(stepsPerEpoch_);
}

void TrainingDashboard::addSteps(const QVector<StepRecord>& steps) {
  for (const StepRecord& s : steps) {
    loss_->graph(0)->addData(epochOf(s.step), s.loss);
    schedule_->graph(0)->addData(epochOf(s.step), s.lr);
  }
  scheduleReplot();
}

void TrainingDashboard::addEpoch(const EpochRecord& e) {
  accuracy_->graph(0)->addData(e.epoch, 100.0 * e.trainAccuracy);
  accuracy_->graph(1)->addData(e.epoch, 100.0 * e.testAccuracy);
  loss_->graph(1)->addData(e.epoch, e.trainLoss);
  loss_->graph(2)->addData(e.epoch, e.testLoss);
  schedule_->graph(1)->addData(e.epoch, e.density);
  mutation_->graph(0)->addData(e.epoch, double(e.examplesInUse));
  if (e.peakRssBytes > 0) memory_->graph(0)->addData(e.epoch, double(e.peakRssBytes - e.baseRssBytes) / 1e6);
  if (memoryBands_.size() == 1 && memoryBands_[0]->name() == tr("memory model"))  // a run of an older store
    memoryBands_[0]->addData(e.epoch, double(e.memoryBytes) / 1e6);
  scheduleReplot();
}

void TrainingDashboard::addMaskChange(const MaskChangeEvent& e) {
  // Each mutated layer's own density, beside the model's, so an elastic or soft-bound schedule shows.
  QCPGraph*& layer = layerDensity_[e.layer];
  if (!layer) {
    static const SeriesColour kLayerColours[] = {SeriesColour::Sky, SeriesColour::Orange, SeriesColour::Vermillion,
                                                 SeriesColour::Yellow, SeriesColour::Blue};
    layer = addSeries(schedule_, tr("%1 density").arg(QString::fromStdString(e.layer)),
                      kLayerColours[layerDensity_.size() % 5], false, schedule_->yAxis2);
    layer->setLineStyle(QCPGraph::lsStepLeft);
    layer->setVisible(layersEntry_->visible());
    if (layerDensity_.size() > kLayersInLegend) {
      for (auto& [name, graph] : layerDensity_) graph->removeFromLegend();
      layersEntry_->setName(tr("density of each of %1 layers").arg(layerDensity_.size()));
      layersEntry_->addToLegend();
    }
  }
  if (e.rows > 0 && e.cols > 0)
    layer->addData(epochOf(e.step), double(e.activeAfter) / (double(e.rows) * double(e.cols)));
  // Bars sum every layer's change at one mutation; a mutation at an epoch's start sits at that epoch's left.
  const double x = epochOf(e.step);
  for (int which = 0; which < 2; ++which) {
    auto* bars = qobject_cast<QCPBars*>(mutation_->plottable(which));
    const double count = double(which == 0 ? e.dropped : e.grown);
    const double offset = which == 0 ? -0.15 : 0.15;
    if (e.step == lastMutationStep_ && !bars->data()->isEmpty()) {
      auto last = bars->data()->end() - 1;
      last->value += count;
    } else {
      bars->addData(x + offset, count);
    }
  }
  lastMutationStep_ = e.step;
  scheduleReplot();
}

void TrainingDashboard::scheduleReplot() {
  if (!replotTimer_.isActive()) replotTimer_.start();
}

void TrainingDashboard::replotAll() {
  for (QCustomPlot* plot : {accuracy_, loss_, schedule_, mutation_, memory_}) {
    const QCPRange x = plot->xAxis->range();
    plot->rescaleAxes(true);
    if (x.upper > plot->xAxis->range().upper) plot->xAxis->setRange(0, x.upper);  // keep the run's full width
    plot->yAxis->scaleRange(1.08, plot->yAxis->range().center());
    plot->replot(QCustomPlot::rpQueuedReplot);
  }
  schedule_->yAxis2->setRange(0, 1.05);
  // Counts read best from zero: a drop from 60000 to 48000 examples should look like a fifth, not a cliff.
  mutation_->yAxis->setRangeLower(0);
  mutation_->yAxis2->setRange(0, std::max(1.0, mutation_->yAxis2->range().upper * 1.05));
  double top = memory_->yAxis->range().upper;
  if (boundLine_->visible()) top = std::max(top, boundLine_->point1->value());
  memory_->yAxis->setRange(0, top * 1.1);
  memory_->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace ss::ui
