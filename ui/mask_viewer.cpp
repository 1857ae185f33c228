#include "mask_viewer.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSlider>
#include <QTimer>
#include <QToolTip>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "image_plottable.h"
#include "plot_interaction.h"
#include "plot_theme.h"
#include "train/checkpoint.h"

namespace ss::ui {

namespace {
enum CellState : uint8_t { Inactive = 0, Active = 1, Grown = 2, Dropped = 3 };

// The four cell states in the palette's terms: inactive a shade off the background, active near the text
// colour, and the mutation's colours lifted to stand out from the background on a dark theme too.
struct MaskColours {
  QColor inactive, active, grown, dropped;
  explicit MaskColours(const QPalette& palette) {
    const QColor base = palette.color(QPalette::Base), text = palette.color(QPalette::Text);
    inactive = blend(base, text, 0.07);
    active = blend(text, base, 0.15);
    grown = readableOn(QColor::fromRgb(seriesRgb(SeriesColour::Green)), base);
    dropped = readableOn(QColor::fromRgb(seriesRgb(SeriesColour::Vermillion)), base);
  }
};

QCPColorGradient maskGradient(const MaskColours& colours) {
  QCPColorGradient g;
  g.setLevelCount(4);
  g.setColorInterpolation(QCPColorGradient::ciRGB);
  // Four levels sampled at 0, 1/3, 2/3 and 1: each state's colour spans its level's neighbourhood.
  g.setColorStopAt(0.0, colours.inactive);
  g.setColorStopAt(0.16, colours.inactive);
  g.setColorStopAt(0.17, colours.active);
  g.setColorStopAt(0.5, colours.active);
  g.setColorStopAt(0.51, colours.grown);
  g.setColorStopAt(0.83, colours.grown);
  g.setColorStopAt(0.84, colours.dropped);
  g.setColorStopAt(1.0, colours.dropped);
  return g;
}

// The scale of a block's share of coloured weights: from the inactive colour to the active one.
QCPColorGradient shareGradient(const MaskColours& colours) {
  QCPColorGradient g;
  g.setColorInterpolation(QCPColorGradient::ciRGB);
  g.setColorStopAt(0.0, colours.inactive);
  g.setColorStopAt(1.0, colours.active);
  return g;
}

CellState stateOf(const MaskRaster& r, size_t cell) {
  if (r.dropped[cell]) return Dropped;
  if (r.grown[cell]) return Grown;
  return r.active[cell] ? Active : Inactive;
}

// A block as the cells of its weights would look from afar: the hue mixes the active, grown and dropped colours
// in the proportions of its weights, and the colour is the fuller the larger the block's share of such weights
// (`share`: over the share that takes full colour).
QColor blockColour(const MaskColours& c, double active, double grown, double dropped, double share) {
  const double shown = active + dropped;
  if (shown <= 0) return c.inactive;
  const double kept = (active - grown) / shown, g = grown / shown, d = dropped / shown;
  const QColor hue = QColor::fromRgbF(float(kept * c.active.redF() + g * c.grown.redF() + d * c.dropped.redF()),
                                      float(kept * c.active.greenF() + g * c.grown.greenF() + d * c.dropped.greenF()),
                                      float(kept * c.active.blueF() + g * c.grown.blueF() + d * c.dropped.blueF()));
  return blend(c.inactive, hue, std::clamp(share, 0.0, 1.0));
}

// |w| of the weight at `position`, 0 when it is not among the active `positions`.
float magnitudeAt(const std::vector<int64_t>& positions, const std::vector<float>& magnitudes, int64_t position) {
  const auto it = std::lower_bound(positions.begin(), positions.end(), position);
  if (it == positions.end() || *it != position) return 0.0f;
  const size_t k = size_t(it - positions.begin());
  return k < magnitudes.size() ? std::abs(magnitudes[k]) : 0.0f;
}

// The share of coloured weights (active, or dropped by the mutation) a block needs for full colour: that of the
// densest blocks but for the densest 1%, so that a few outliers (a sparse layer's counts per block scatter
// widely) do not leave every other block pale.
double fullColourShare(const MaskRaster& r) {
  std::vector<double> shares;
  shares.reserve(r.active.size());
  for (int row = 0; row < r.cellRows; ++row)
    for (int col = 0; col < r.cellCols; ++col) {
      const size_t i = r.cell(row, col);
      if (r.active[i] + r.dropped[i] > 0)
        shares.push_back(double(r.active[i] + r.dropped[i]) / double(r.weightsIn(row, col)));
    }
  if (shares.empty()) return 0;
  const auto at = shares.begin() + std::ptrdiff_t(double(shares.size() - 1) * 0.99);
  std::nth_element(shares.begin(), at, shares.end());
  return *at;
}

QString swatch(const QColor& colour, const QString& text) {
  return QString("<span style='color:%1'>&#9632;</span> %2").arg(colour.name(), text);
}

// The cells of an axis of `n` weights whose span [i - 0.5, i + 0.5) meets the range shown, at least two of them
// where the layer has two (a colour map of one cell has no width).
std::pair<int64_t, int64_t> shownCells(const QCPRange& range, int64_t n) {
  int64_t first = int64_t(std::floor(std::clamp(range.lower + 0.5, 0.0, double(n))));
  int64_t end = int64_t(std::ceil(std::clamp(range.upper + 0.5, 0.0, double(n))));
  if (end - first < 2) {
    end = std::min(n, first + 2);
    first = std::max<int64_t>(0, end - 2);
  }
  return {first, end};
}
}  // namespace

MaskViewer::MaskViewer(QWidget* parent) : QWidget(parent) {
  layerBox_ = new QComboBox(this);
  layerBox_->setObjectName("maskLayer");
  layerBox_->setMinimumContentsLength(12);
  layerBox_->setToolTip(tr("The layer whose mask is shown"));
  scrubber_ = new QSlider(Qt::Horizontal, this);
  scrubber_->setObjectName("maskScrubber");
  scrubber_->setEnabled(false);
  scrubber_->setToolTip(
      tr("Steps through the layer's snapshots: the start, after mutations, the end (disabled with only one)"));
  caption_ = new QLabel(tr("Open a sparse run to see its masks."), this);
  caption_->setWordWrap(true);
  legend_ = new QLabel(this);
  legend_->setWordWrap(true);
  plot_ = new QCustomPlot(this);
  plot_->setObjectName("maskPlot");
  plot_->xAxis->setLabel(tr("input (column)"));
  plot_->yAxis->setLabel(tr("output (row)"));
  plot_->yAxis->setRangeReversed(true);  // row 0 at the top, as a matrix is written
  useWholeNumberTicks(plot_->xAxis);     // rows and columns: a layer of three rows has no row 0.5
  useWholeNumberTicks(plot_->yAxis);
  map_ = new QCPColorMap(plot_->xAxis, plot_->yAxis);
  map_->setGradient(maskGradient(MaskColours(palette())));
  map_->setDataRange(QCPRange(0, 3));
  map_->setInterpolate(false);
  blocks_ = new ImagePlottable(plot_->xAxis, plot_->yAxis);
  // The colour scale beside the map: |w|, or a block's share of active weights; the cell states have the legend.
  scale_ = new QCPColorScale(plot_);
  scale_->setType(QCPAxis::atRight);
  scale_->setBarWidth(14);
  scale_->setVisible(false);  // made outside the layout; showScale places it and takes it out again
  auto* margins = new QCPMarginGroup(plot_);
  plot_->axisRect()->setMarginGroup(QCP::msTop | QCP::msBottom, margins);
  scale_->setMarginGroup(QCP::msTop | QCP::msBottom, margins);
  makeInteractive(plot_);
  // Connected after makeInteractive's reset to all data: a large layer's blocks may show only a part of it.
  connect(plot_, &QCustomPlot::mouseDoubleClick, this, &MaskViewer::showWholeLayer);
  connect(plot_, &QCustomPlot::mouseMove, this, &MaskViewer::showCellAt);
  zoomSettled_ = new QTimer(this);
  zoomSettled_->setSingleShot(true);
  zoomSettled_->setInterval(120);
  connect(zoomSettled_, &QTimer::timeout, this, [this] {
    if (shown_ && windowToDraw(shown_->rows, shown_->cols) != raster_.window) draw();
  });
  for (QCPAxis* axis : {plot_->xAxis, plot_->yAxis})
    connect(axis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), zoomSettled_, qOverload<>(&QTimer::start));

  colouring_ = new QComboBox(this);
  colouring_->setObjectName("maskColouring");
  colouring_->addItems({tr("mask and last mutation"), tr("weight magnitude |w|")});
  colouring_->setToolTip(tr("Colour each weight by its state and the last mutation, or by its magnitude"));
  connect(colouring_, &QComboBox::currentIndexChanged, this, [this](int i) {
    if (i == 1 && !anySnapshotHasMagnitudes() && !loadWeights()) {
      const QSignalBlocker block(colouring_);
      colouring_->setCurrentIndex(0);
      caption_->setText(tr("This run kept no weight magnitudes: no snapshot holds them and it has no checkpoint."));
      return;
    }
    draw();
  });

  auto* controls = new QHBoxLayout;
  controls->addWidget(new QLabel(tr("Layer:"), this));
  controls->addWidget(layerBox_);
  controls->addSpacing(12);
  controls->addWidget(new QLabel(tr("Snapshot:"), this));
  controls->addWidget(scrubber_, 1);
  controls->addSpacing(12);
  controls->addWidget(new QLabel(tr("Colour by:"), this));
  controls->addWidget(colouring_);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(controls);
  layout->addWidget(caption_);
  layout->addWidget(legend_);
  layout->addWidget(plot_, 1);

  connect(layerBox_, &QComboBox::currentIndexChanged, this, &MaskViewer::layerChanged);
  connect(scrubber_, &QSlider::valueChanged, this, &MaskViewer::draw);
  showLegend();
}

void MaskViewer::showScale(bool on, const QString& label) {
  scale_->setVisible(on);
  scale_->axis()->setLabel(label);
  const bool placed = plot_->plotLayout()->hasElement(0, 1);
  if (on && !placed) {
    plot_->plotLayout()->addElement(0, 1, scale_);
  } else if (!on && placed) {
    plot_->plotLayout()->take(scale_);
    plot_->plotLayout()->simplify();
  }
}

void MaskViewer::showLegend(const QString& blocks) {
  const MaskColours colours(palette());
  legend_->setVisible(!magnitudesShown());
  legend_->setText(swatch(colours.active, tr("active")) + "&nbsp;&nbsp;" +
                   swatch(colours.grown, tr("grown by this mutation")) + "&nbsp;&nbsp;" +
                   swatch(colours.dropped, tr("dropped by it")) + "&nbsp;&nbsp;" +
                   swatch(colours.inactive, tr("inactive")) + (blocks.isEmpty() ? QString() : "<br>" + blocks));
}

void MaskViewer::changeEvent(QEvent* event) {
  QWidget::changeEvent(event);
  if (event->type() != QEvent::PaletteChange) return;
  // Set here too, not only when cells are drawn: an empty map still shows the palette's states.
  if (!magnitudesShown()) map_->setGradient(maskGradient(MaskColours(palette())));
  showLegend();
  draw();
}

QString MaskViewer::caption() const {
  return caption_->text();
}

void MaskViewer::clear() {
  heldRun_.clear();
  snapshots_.clear();
  shown_.reset();
  change_.reset();
  layerBox_->clear();
  scrubber_->setEnabled(false);
  drawNothing(tr("Open a sparse run to see its masks."));
}

void MaskViewer::showRun(const QString& storePath, int64_t runId) {
  const QString keep = layerBox_->currentText();
  const StoreReader& store = store_.at(storePath);
  // A run deleted and another begun may get the same id: the start time and name tell them apart.
  const RunSummary summary = store.run(runId);
  const std::string identity = summary.name + "@" + summary.startedAt;
  const bool sameRun = storePath == storePath_ && runId == runId_ && identity == heldRun_;
  heldRun_ = identity;
  storePath_ = storePath;
  runId_ = runId;
  weights_.clear();  // a newer checkpoint may exist now
  if (!sameRun) {
    shown_.reset();
    change_.reset();
  }
  // Following a run: the list held is kept and only its newest step read again (a step's layers may have been only
  // partly committed when it was last read) with what came after it. The masks are read one at a time, as shown.
  const int64_t from = sameRun && !snapshots_.empty() ? snapshots_.back().step : 0;
  if (!sameRun) snapshots_.clear();
  while (!snapshots_.empty() && snapshots_.back().step >= from) snapshots_.pop_back();
  for (MaskSnapshotInfo& s : store.maskSnapshotInfos(runId, from)) snapshots_.push_back(std::move(s));
  const QSignalBlocker block(layerBox_);
  layerBox_->clear();
  for (const auto& s : snapshots_)
    if (layerBox_->findText(QString::fromStdString(s.layer)) < 0) layerBox_->addItem(QString::fromStdString(s.layer));
  if (const int i = layerBox_->findText(keep); i >= 0) layerBox_->setCurrentIndex(i);
  if (magnitudesShown() && !anySnapshotHasMagnitudes() && !loadWeights()) {
    const QSignalBlocker blockColouring(colouring_);
    colouring_->setCurrentIndex(0);
  }
  // A fresh layer starts whole at its newest snapshot: the mask as the run is (or ended). Following a run, the
  // view stays where it was zoomed to, and on the newest snapshot if it was there.
  if (!sameRun || keep != layerBox_->currentText()) {
    layerChanged();
    return;
  }
  const bool atNewest = scrubber_->value() == scrubber_->maximum();
  {
    const QSignalBlocker blockScrubber(scrubber_);
    scrubber_->setRange(0, std::max(0, snapshotCount() - 1));
    if (atNewest) scrubber_->setValue(scrubber_->maximum());
  }
  draw();
}

QStringList MaskViewer::layers() const {
  QStringList names;
  for (int i = 0; i < layerBox_->count(); ++i) names << layerBox_->itemText(i);
  return names;
}

void MaskViewer::selectLayer(const QString& layer) {
  layerBox_->setCurrentIndex(layerBox_->findText(layer));
}

int MaskViewer::snapshotCount() const {
  return int(layerSnapshots().size());
}

void MaskViewer::selectSnapshot(int index) {
  scrubber_->setValue(index);
  draw();
}

std::vector<uint8_t> MaskViewer::cellStates() const {
  if (!raster_.perWeight() || magnitudesShown()) return {};
  std::vector<uint8_t> states(raster_.active.size());
  for (size_t i = 0; i < states.size(); ++i) states[i] = stateOf(raster_, i);
  return states;
}

int64_t MaskViewer::shownActiveCount() const {
  int64_t n = 0;
  for (int32_t a : raster_.active) n += a;
  return n;
}

std::vector<const MaskSnapshotInfo*> MaskViewer::layerSnapshots() const {
  std::vector<const MaskSnapshotInfo*> list;
  const std::string layer = layerBox_->currentText().toStdString();
  for (const auto& s : snapshots_)
    if (s.layer == layer) list.push_back(&s);
  return list;
}

void MaskViewer::layerChanged() {
  const int count = snapshotCount();
  {
    const QSignalBlocker block(scrubber_);
    scrubber_->setRange(0, std::max(0, count - 1));
    scrubber_->setValue(std::max(0, count - 1));
    scrubber_->setEnabled(count > 1);
  }
  showWholeLayer();
}

// The axes span the layer, and the draw that follows fits its cells to them.
void MaskViewer::showWholeLayer() {
  const auto list = layerSnapshots();
  if (!list.empty()) {
    plot_->xAxis->setRange(-0.5, list.back()->cols - 0.5);
    plot_->yAxis->setRange(-0.5, list.back()->rows - 0.5);
  }
  draw();
}

WeightWindow MaskViewer::windowToDraw(int64_t rows, int64_t cols) const {
  if (rows <= budget_.perWeightLimit && cols <= budget_.perWeightLimit) return {0, rows, 0, cols};
  const auto [row0, row1] = shownCells(plot_->yAxis->range(), rows);
  const auto [col0, col1] = shownCells(plot_->xAxis->range(), cols);
  return {row0, row1, col0, col1};
}

bool MaskViewer::showWeightMagnitudes(bool on) {
  colouring_->setCurrentIndex(on ? 1 : 0);
  return colouring_->currentIndex() == (on ? 1 : 0);
}

bool MaskViewer::magnitudesShown() const {
  return colouring_->currentIndex() == 1;
}

float MaskViewer::shownMagnitude(int row, int col) const {
  if (!magnitudesShown() || !shown_ || row < 0 || col < 0 || row >= shown_->rows || col >= shown_->cols) return NAN;
  const int64_t position = int64_t(row) * shown_->cols + col;
  if (magnitudeSource_ == MagnitudeSource::Snapshot)
    return magnitudeAt(shown_->positions, shown_->magnitudes, position);
  const auto held = weights_.find(shown_->layer);
  if (magnitudeSource_ != MagnitudeSource::Checkpoint || held == weights_.end()) return NAN;
  return magnitudeAt(held->second.positions, held->second.magnitudes, position);
}

bool MaskViewer::anySnapshotHasMagnitudes() const {
  const auto list = layerSnapshots();
  return std::any_of(list.begin(), list.end(), [](const MaskSnapshotInfo* s) { return s->hasMagnitudes; });
}

bool MaskViewer::loadWeights() {
  if (!weights_.empty()) return true;
  if (storePath_.isEmpty()) return false;
  try {
    const auto stored = store_.at(storePath_).latestCheckpoint(runId_);
    if (!stored) return false;
    const Checkpoint c = decodeCheckpoint(stored->bytes, "checkpoint");
    for (const LayerMaskState& m : c.masks) {
      const std::string name = m.layer + ".weight";
      const auto p =
          std::find_if(c.parameters.begin(), c.parameters.end(), [&](const NamedFloats& x) { return x.name == name; });
      if (p == c.parameters.end()) continue;
      LayerWeights w{m.rows, m.cols, stored->step, {}, {}};
      // A sparse layer's values are its active weights' in position order; the other forms hold every weight.
      if (m.form == LayerMaskState::Dense) {
        w.positions.resize(size_t(m.rows) * size_t(m.cols));
        for (size_t i = 0; i < w.positions.size(); ++i) w.positions[i] = int64_t(i);
      } else {
        w.positions = m.positions;
      }
      if (m.form == LayerMaskState::Sparse) {
        w.magnitudes = p->values;
      } else {
        for (int64_t i : w.positions) w.magnitudes.push_back(size_t(i) < p->values.size() ? p->values[size_t(i)] : 0);
      }
      weights_[m.layer] = std::move(w);
    }
    return !weights_.empty();
  } catch (const std::exception&) {
    return false;
  }
}

bool MaskViewer::readShown(const MaskSnapshotInfo& info) {
  if (shown_ && shown_->layer == info.layer && shown_->step == info.step) return true;
  try {
    const StoreReader& store = store_.at(storePath_);
    shown_ = store.maskSnapshot(runId_, info.step, info.layer);
    change_ = store.maskChange(runId_, info.step, info.layer);
    if (change_ && (change_->rows != shown_->rows || change_->cols != shown_->cols)) change_.reset();
    return true;
  } catch (const std::exception& e) {
    shown_.reset();
    change_.reset();
    drawNothing(QString::fromStdString(e.what()));
    return false;
  }
}

void MaskViewer::drawNothing(const QString& why) {
  raster_ = {};
  magnitudeSource_ = MagnitudeSource::None;
  map_->data()->clear();
  blocks_->clearImage();
  caption_->setText(why);
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

// Every replot here is queued: following a run, one showRun resets the layer, moves the scrubber and draws, and
// QCustomPlot then renders the map once, on the next pass of the event loop, instead of three times in a row
// while the window waits (a visible stall on a machine whose cores are busy training).
void MaskViewer::draw() {
  const auto list = layerSnapshots();
  scrubber_->setEnabled(list.size() > 1);
  if (list.empty()) {
    drawNothing(storePath_.isEmpty() ? tr("Open a sparse run to see its masks.")
                                     : tr("This run logged no mask snapshots: it trained dense, or stopped before "
                                          "its first."));
    return;
  }
  const MaskSnapshotInfo& info = *list[size_t(std::clamp(scrubber_->value(), 0, int(list.size()) - 1))];
  if (!readShown(info)) return;
  if (magnitudesShown())
    drawMagnitudes(*shown_);
  else
    drawMask(*shown_);
}

void MaskViewer::drawMask(const MaskSnapshotRecord& snap) {
  magnitudeSource_ = MagnitudeSource::None;
  LayerMask mask{snap.rows, snap.cols, snap.positions, {}, {}, {}};
  if (change_) {
    mask.grown = change_->grownPositions;
    mask.dropped = change_->droppedPositions;
  }
  drawRaster(mask, false);
  const double density = double(snap.active) / std::max(1.0, double(snap.rows) * double(snap.cols));
  caption_->setText(
      tr("%1: %2 x %3, step %4 (epoch %5), %6 active weights, density %7%8")
          .arg(QString::fromStdString(snap.layer))
          .arg(snap.rows)
          .arg(snap.cols)
          .arg(snap.step)
          .arg(snap.epoch)
          .arg(snap.active)
          .arg(density, 0, 'f', 4)
          .arg(change_ ? tr("; this mutation dropped %1 and grew %2").arg(change_->dropped).arg(change_->grown)
                       : QString()) +
      (raster_.perWeight() ? QString()
                           : tr("; drawn in blocks of %1 x %2 weights").arg(raster_.blockRows).arg(raster_.blockCols)));
}

void MaskViewer::drawMagnitudes(const MaskSnapshotRecord& snap) {
  // Snapshots logged since schema 4 carry their magnitudes; one logged before falls back to the weights of the
  // run's newest checkpoint.
  const bool fromSnapshot = snap.magnitudes.size() == size_t(snap.active) && snap.hasMagnitudes;
  if (!fromSnapshot) loadWeights();
  const auto held = weights_.find(snap.layer);
  if (!fromSnapshot && held == weights_.end()) {
    drawNothing(tr("%1: this snapshot kept no magnitudes and the run has no checkpoint to read them from")
                    .arg(layerBox_->currentText()));
    return;
  }
  magnitudeSource_ = fromSnapshot ? MagnitudeSource::Snapshot : MagnitudeSource::Checkpoint;
  const LayerWeights* w = fromSnapshot ? nullptr : &held->second;
  drawRaster(fromSnapshot ? LayerMask{snap.rows, snap.cols, snap.positions, {}, {}, snap.magnitudes}
                          : LayerMask{w->rows, w->cols, w->positions, {}, {}, w->magnitudes},
             true);
  const QString when =
      fromSnapshot ? tr("step %1 (epoch %2)").arg(snap.step).arg(snap.epoch)
                   : tr("step %1 (the newest checkpoint; this run's snapshots hold no magnitudes)").arg(w->step);
  const QString largest = raster_.perWeight() ? tr("largest %1").arg(scale_->dataRange().upper, 0, 'g', 3)
                                              : tr("each cell the mean of a block of %1 x %2 weights, the largest %3")
                                                    .arg(raster_.blockRows)
                                                    .arg(raster_.blockCols)
                                                    .arg(scale_->dataRange().upper, 0, 'g', 3);
  caption_->setText(tr("%1: |w| at %2, %3; black cells are inactive").arg(layerBox_->currentText(), when, largest));
}

void MaskViewer::drawRaster(const LayerMask& mask, bool magnitudes) {
  raster_ = rasterise(mask, windowToDraw(mask.rows, mask.cols), budget_);
  const MaskRaster& r = raster_;
  const MaskColours colours(palette());
  const size_t cells = r.active.size();
  // |w| per weight, or per block the mean over its active weights: black where there are none.
  std::vector<float> value(magnitudes ? cells : 0, 0.0f);
  float top = 0.0f;
  for (size_t i = 0; i < value.size(); ++i) {
    value[i] = r.active[i] && !r.magnitudeSum.empty() ? r.magnitudeSum[i] / float(r.active[i]) : 0.0f;
    top = std::max(top, value[i]);
  }
  const QCPRange magnitudeRange(0, std::max(1e-6f, top));
  if (r.perWeight()) {
    blocks_->clearImage();
    map_->setGradient(magnitudes ? QCPColorGradient(QCPColorGradient::gpThermal) : maskGradient(colours));
    map_->setDataRange(magnitudes ? magnitudeRange : QCPRange(0, 3));
    map_->data()->setSize(r.cellCols, r.cellRows);
    map_->data()->setRange(QCPRange(double(r.window.col0), double(r.window.col1 - 1)),
                           QCPRange(double(r.window.row0), double(r.window.row1 - 1)));
    for (int row = 0; row < r.cellRows; ++row)
      for (int col = 0; col < r.cellCols; ++col) {
        const size_t i = r.cell(row, col);
        map_->data()->setCell(col, row, magnitudes ? double(value[i]) : double(stateOf(r, i)));
      }
  } else {
    map_->data()->clear();
    const double fullColour = fullColourShare(r);
    QImage image(r.cellCols, r.cellRows, QImage::Format_RGB32);
    QCPColorGradient thermal(QCPColorGradient::gpThermal);  // color() is not const: it fills a lookup table
    for (int row = 0; row < r.cellRows; ++row)
      for (int col = 0; col < r.cellCols; ++col) {
        const size_t i = r.cell(row, col);
        const double share = double(r.active[i] + r.dropped[i]) / double(r.weightsIn(row, col));
        image.setPixel(col, row,
                       magnitudes ? thermal.color(value[i], magnitudeRange)
                                  : blockColour(colours, r.active[i], r.grown[i], r.dropped[i],
                                                fullColour > 0 ? share / fullColour : 0.0)
                                        .rgb());
      }
    blocks_->setImage(image, QCPRange(r.window.col0 - 0.5, r.window.col0 - 0.5 + double(r.cellCols * r.blockCols)),
                      QCPRange(r.window.row0 - 0.5, r.window.row0 - 0.5 + double(r.cellRows * r.blockRows)),
                      QCPRange(-0.5, mask.cols - 0.5), QCPRange(-0.5, mask.rows - 0.5));
    if (!magnitudes) {
      scale_->setGradient(shareGradient(colours));
      scale_->setDataRange(QCPRange(0, std::max(1e-9, fullColour * 100.0)));
    }
  }
  if (magnitudes) {
    scale_->setGradient(QCPColorGradient::gpThermal);
    scale_->setDataRange(magnitudeRange);
  }
  const QString block = tr("%1 x %2").arg(r.blockRows).arg(r.blockCols);
  if (magnitudes) {
    showScale(true, r.perWeight() ? tr("|w|") : tr("mean |w| of a block's active weights"));
  } else if (r.perWeight()) {
    showScale(false);
  } else {
    // The scale runs in per cent (fullColour * 100 above): a 0.1%-dense layer's blocks read 0.1, not 0.001.
    showScale(true, change_ ? tr("% of a block active or just dropped") : tr("% of a block active"));
  }
  showLegend(r.perWeight() || magnitudes
                 ? QString()
                 : tr("Each cell is a block of %1 weights: the stronger its colour, the more of them are active "
                      "(the scale at the right); its hue mixes the colours above. Zoom in for single weights.")
                       .arg(block));
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

void MaskViewer::showCellAt(QMouseEvent* event) {
  const int64_t col = int64_t(std::floor(plot_->xAxis->pixelToCoord(event->pos().x()) + 0.5));
  const int64_t row = int64_t(std::floor(plot_->yAxis->pixelToCoord(event->pos().y()) + 0.5));
  const QString text = describeCellAt(row, col);
  if (text.isEmpty())
    QToolTip::hideText();
  else
    QToolTip::showText(event->globalPosition().toPoint(), text, plot_);
}

QString MaskViewer::describeCellAt(int64_t row, int64_t col) const {
  const MaskRaster& r = raster_;
  const WeightWindow& w = r.window;
  if (r.cellRows == 0 || row < w.row0 || row >= w.row1 || col < w.col0 || col >= w.col1) return {};
  const int cellRow = int((row - w.row0) / r.blockRows), cellCol = int((col - w.col0) / r.blockCols);
  const size_t i = r.cell(cellRow, cellCol);
  if (r.perWeight()) {
    static const char* const kStates[] = {QT_TR_NOOP("inactive"), QT_TR_NOOP("active"),
                                          QT_TR_NOOP("grown by this mutation"), QT_TR_NOOP("dropped by it")};
    return magnitudesShown() ? tr("row %1, column %2: |w| %3").arg(row).arg(col).arg(shownMagnitude(int(row), int(col)))
                             : tr("row %1, column %2: %3").arg(row).arg(col).arg(tr(kStates[stateOf(r, i)]));
  }
  const int64_t row0 = w.row0 + cellRow * r.blockRows, col0 = w.col0 + cellCol * r.blockCols;
  const int64_t weights = r.weightsIn(cellRow, cellCol);
  QString text = tr("rows %1 to %2, columns %3 to %4: %5 of %6 weights active (%7%)")
                     .arg(row0)
                     .arg(std::min(row0 + r.blockRows, w.row1) - 1)
                     .arg(col0)
                     .arg(std::min(col0 + r.blockCols, w.col1) - 1)
                     .arg(r.active[i])
                     .arg(weights)
                     .arg(100.0 * r.active[i] / double(weights), 0, 'g', 3);
  if (r.grown[i] || r.dropped[i])
    text += tr("; this mutation grew %1 and dropped %2").arg(r.grown[i]).arg(r.dropped[i]);
  if (magnitudesShown() && r.active[i] && !r.magnitudeSum.empty())
    text += tr("; mean |w| %1").arg(r.magnitudeSum[i] / float(r.active[i]), 0, 'g', 3);
  return text;
}

}  // namespace ss::ui
