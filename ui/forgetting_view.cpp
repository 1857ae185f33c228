#include "forgetting_view.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QListView>
#include <QStackedWidget>
#include <QVBoxLayout>

#include "example_grid_model.h"
#include "plot_interaction.h"

namespace ss::ui {

ForgettingView::ForgettingView(QWidget* parent) : QWidget(parent) {
  model_ = new ExampleGridModel(this);
  summary_ = new QLabel(tr("Forgetting statistics appear after a run's first epoch."), this);
  summary_->setWordWrap(true);
  detail_ = new QLabel(this);
  detail_->setObjectName("exampleDetail");
  orderBox_ = new QComboBox(this);
  orderBox_->addItems(
      {tr("most forgotten first"), tr("least forgotten first"), tr("first learned"), tr("removed first")});
  classBox_ = new QComboBox(this);
  classBox_->addItem(tr("every class"), -1);

  histogram_ = new QCustomPlot(this);
  histogram_->setObjectName("forgettingHistogram");
  histogram_->setMinimumHeight(200);
  histogram_->xAxis->setLabel(tr("forgetting events (never learned: at the right, orange)"));
  histogram_->yAxis->setLabel(tr("examples"));
  makeInteractive(histogram_);
  histogram_->legend->setVisible(false);

  grid_ = new QListView(this);
  grid_->setObjectName("exampleGrid");
  grid_->setViewMode(QListView::IconMode);
  grid_->setUniformItemSizes(true);
  grid_->setResizeMode(QListView::Adjust);
  grid_->setMovement(QListView::Static);
  // Tens of thousands of thumbnails are laid out a batch per event-loop turn, so a live run's new statistics
  // every epoch never hold the window still for the whole layout.
  grid_->setLayoutMode(QListView::Batched);
  grid_->setBatchSize(2000);
  grid_->setIconSize(QSize(ExampleGridModel::kThumbnail, ExampleGridModel::kThumbnail));
  grid_->setSpacing(2);
  grid_->setModel(model_);
  points_ = new QCustomPlot(this);
  points_->setObjectName("examplePoints");
  points_->xAxis->setLabel("x1");
  points_->yAxis->setLabel("x2");
  makeInteractive(points_);
  examples_ = new QStackedWidget(this);
  examples_->addWidget(grid_);
  examples_->addWidget(points_);

  auto* controls = new QHBoxLayout;
  controls->addWidget(summary_, 1);
  controls->addWidget(new QLabel(tr("Order:"), this));
  controls->addWidget(orderBox_);
  controls->addWidget(new QLabel(tr("Class:"), this));
  controls->addWidget(classBox_);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(controls);
  layout->addWidget(histogram_, 2);
  layout->addWidget(examples_, 5);
  layout->addWidget(detail_);

  connect(orderBox_, &QComboBox::currentIndexChanged, this,
          [this](int i) { model_->setOrder(ExampleGridModel::Order(i)); });
  connect(classBox_, &QComboBox::currentIndexChanged, this, [this] {
    model_->setClassFilter(classBox_->currentData().toInt());
    drawPoints();
  });
  connect(grid_, &QListView::clicked, this, [this](const QModelIndex& i) {
    const QString history = historyOf(model_->statAt(i.row()).originalIndex);
    detail_->setText(model_->describe(i.row()) + (history.isEmpty() ? QString() : "\n" + history));
  });
}

void ForgettingView::clear() {
  stats_.clear();
  history_.clear();
  model_->setStats({});
  summary_->setText(tr("Forgetting statistics appear after a run's first epoch."));
  detail_->clear();
  drawHistogram();
  drawPoints();
}

QString ForgettingView::summary() const {
  return summary_->text();
}

void ForgettingView::setTrainingData(std::shared_ptr<const Dataset> train) {
  train_ = std::move(train);
  model_->setData(train_);
  examples_->setCurrentWidget(model_->hasImages() ? static_cast<QWidget*>(grid_) : points_);
  updateClassBox();
  drawPoints();
}

void ForgettingView::updateClassBox() {
  const QSignalBlocker block(classBox_);
  classBox_->clear();
  classBox_->addItem(tr("every class"), -1);
  if (!train_) return;
  for (int c = 0; c < train_->classCount; ++c)
    classBox_->addItem(size_t(c) < train_->classNames.size() ? QString::fromStdString(train_->classNames[size_t(c)])
                                                             : tr("class %1").arg(c),
                       c);
}

void ForgettingView::setStats(std::vector<ExampleStatRecord> stats) {
  stats_ = std::move(stats);
  model_->setStats(stats_);
  int64_t unforgettable = 0, neverLearned = 0, removed = 0;
  for (const auto& s : stats_) {
    unforgettable += s.firstLearnedEpoch >= 0 && s.forgettingEvents == 0;
    neverLearned += s.firstLearnedEpoch < 0 && s.presentations > 0;
    removed += s.removedAtEpoch >= 0;
  }
  summary_->setText(tr("%1 training examples: %2 learned and never forgotten, %3 never learned, %4 removed by "
                       "data efficiency")
                        .arg(stats_.size())
                        .arg(unforgettable)
                        .arg(neverLearned)
                        .arg(removed));
  drawHistogram();
  drawPoints();
}

void ForgettingView::setHistory(std::vector<ExampleStatsAtEpoch> history) {
  history_ = std::move(history);
}

void ForgettingView::addEpoch(int epoch, const std::vector<ExampleStatRecord>& stats) {
  if (!history_.empty() && history_.back().epoch >= epoch) history_.pop_back();  // a resumed run redoes it
  history_.push_back({epoch, stats});
}

QString ForgettingView::historyOf(int64_t originalIndex) const {
  QStringList epochs;
  for (const ExampleStatsAtEpoch& h : history_) {
    // Every epoch lists the examples in the same order: look where the first epoch has it.
    const auto it = std::find_if(h.stats.begin(), h.stats.end(),
                                 [&](const ExampleStatRecord& s) { return s.originalIndex == originalIndex; });
    if (it == h.stats.end()) continue;
    epochs << tr("epoch %1: seen %2, forgotten %3%4")
                  .arg(h.epoch)
                  .arg(it->presentations)
                  .arg(it->forgettingEvents)
                  .arg(it->firstLearnedEpoch < 0 ? tr(", not yet learned") : QString());
  }
  return epochs.isEmpty() ? QString() : tr("history: ") + epochs.join("; ");
}

int ForgettingView::histogramTotal() const {
  int total = 0;
  for (int p = 0; p < histogram_->plottableCount(); ++p)
    if (auto* bars = qobject_cast<QCPBars*>(histogram_->plottable(p)))
      for (auto it = bars->data()->constBegin(); it != bars->data()->constEnd(); ++it) total += int(it->value);
  return total;
}

int ForgettingView::shownExamples() const {
  return model_->rowCount();
}

void ForgettingView::drawHistogram() {
  histogram_->clearPlottables();
  std::vector<double> counts;
  double never = 0;
  for (const auto& s : stats_) {
    if (s.presentations == 0) continue;
    if (s.firstLearnedEpoch < 0) {
      ++never;
      continue;
    }
    if (size_t(s.forgettingEvents) >= counts.size()) counts.resize(size_t(s.forgettingEvents) + 1, 0.0);
    ++counts[size_t(s.forgettingEvents)];
  }
  auto* learned = new QCPBars(histogram_->xAxis, histogram_->yAxis);
  learned->setName(tr("learned"));
  learned->setBrush(QColor::fromRgb(seriesRgb(SeriesColour::Blue)));
  learned->setPen(Qt::NoPen);
  for (size_t k = 0; k < counts.size(); ++k) learned->addData(double(k), counts[k]);
  auto* unlearned = new QCPBars(histogram_->xAxis, histogram_->yAxis);
  unlearned->setName(tr("never learned"));
  unlearned->setBrush(QColor::fromRgb(seriesRgb(SeriesColour::Orange)));
  unlearned->setPen(Qt::NoPen);
  if (never > 0) unlearned->addData(double(counts.size()) + 1.0, never);
  histogram_->rescaleAxes();
  histogram_->xAxis->setRange(-0.8, double(counts.size()) + 1.8);
  histogram_->yAxis->setRangeLower(0);
  histogram_->yAxis->setRangeUpper(histogram_->yAxis->range().upper * 1.08);
  histogram_->replot(QCustomPlot::rpQueuedReplot);
}

void ForgettingView::drawPoints() {
  points_->clearGraphs();
  if (!train_ || model_->hasImages() || train_->features.cols() < 2) {
    points_->replot(QCustomPlot::rpQueuedReplot);
    return;
  }
  // Four groups: never forgotten, forgotten once or twice, more often, never learned.
  const QString names[] = {tr("never forgotten"), tr("forgotten 1-2 times"), tr("forgotten 3+ times"),
                           tr("never learned")};
  const SeriesColour colours[] = {SeriesColour::Sky, SeriesColour::Green, SeriesColour::Vermillion,
                                  SeriesColour::Orange};
  QCPGraph* groups[4];
  for (int g = 0; g < 4; ++g) {
    groups[g] = points_->addGraph();
    groups[g]->setName(names[g]);
    groups[g]->setLineStyle(QCPGraph::lsNone);
    groups[g]->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, QColor::fromRgb(seriesRgb(colours[g])), 5));
  }
  for (int row = 0; row < model_->rowCount(); ++row) {
    const ExampleStatRecord& s = model_->statAt(row);
    const int g = s.firstLearnedEpoch < 0 ? 3 : s.forgettingEvents == 0 ? 0 : s.forgettingEvents <= 2 ? 1 : 2;
    int64_t dataRow = -1;
    for (int64_t r = 0; r < train_->size() && dataRow < 0; ++r)
      if (train_->originalIndex[size_t(r)] == s.originalIndex) dataRow = r;
    if (dataRow >= 0) groups[g]->addData(train_->features.value(dataRow, 0), train_->features.value(dataRow, 1));
  }
  points_->legend->setVisible(true);
  points_->rescaleAxes();
  points_->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace ss::ui
