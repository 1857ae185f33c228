#include "mask_viewer.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSlider>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "plot_interaction.h"
#include "plot_theme.h"
#include "sparse/mask.h"
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

// |w| at every position of a layer, 0 where inactive, from the active weights' values in row-major order of
// their positions (the order sparse storage, checkpoints and snapshots keep them in).
std::vector<float> magnitudesOverMask(const std::vector<uint8_t>& bits, const std::vector<float>& active) {
  std::vector<float> all(bits.size(), 0.0f);
  size_t next = 0;
  for (size_t i = 0; i < bits.size() && next < active.size(); ++i)
    if (bits[i]) all[i] = std::abs(active[next++]);
  return all;
}

std::vector<float> magnitudesAtPositions(int64_t size, const std::vector<int64_t>& positions,
                                         const std::vector<float>& active) {
  std::vector<float> all(size_t(size), 0.0f);
  for (size_t k = 0; k < positions.size() && k < active.size(); ++k) all[size_t(positions[k])] = std::abs(active[k]);
  return all;
}

// Snapshots logged since store schema 4 keep their active weights' magnitudes.
bool hasMagnitudes(const MaskSnapshotRecord& s) {
  return s.magnitudes.size() == size_t(s.active);
}

QString swatch(const QColor& colour, const QString& text) {
  return QString("<span style='color:%1'>&#9632;</span> %2").arg(colour.name(), text);
}
}  // namespace

MaskViewer::MaskViewer(QWidget* parent) : QWidget(parent) {
  layerBox_ = new QComboBox(this);
  layerBox_->setObjectName("maskLayer");
  layerBox_->setMinimumContentsLength(12);
  scrubber_ = new QSlider(Qt::Horizontal, this);
  scrubber_->setObjectName("maskScrubber");
  scrubber_->setEnabled(false);
  caption_ = new QLabel(tr("Open a sparse run to see its masks."), this);
  legend_ = new QLabel(this);
  plot_ = new QCustomPlot(this);
  plot_->setObjectName("maskPlot");
  plot_->xAxis->setLabel(tr("input (column)"));
  plot_->yAxis->setLabel(tr("output (row)"));
  plot_->yAxis->setRangeReversed(true);  // row 0 at the top, as a matrix is written
  map_ = new QCPColorMap(plot_->xAxis, plot_->yAxis);
  map_->setGradient(maskGradient(MaskColours(palette())));
  map_->setDataRange(QCPRange(0, 3));
  map_->setInterpolate(false);
  // The |w| colouring's scale, beside the map while it is shown; the mask states have their legend instead.
  scale_ = new QCPColorScale(plot_);
  scale_->setType(QCPAxis::atRight);
  scale_->axis()->setLabel(tr("|w|"));
  scale_->setBarWidth(14);
  scale_->setVisible(false);  // made outside the layout; showScale places it and takes it out again
  auto* margins = new QCPMarginGroup(plot_);
  plot_->axisRect()->setMarginGroup(QCP::msTop | QCP::msBottom, margins);
  scale_->setMarginGroup(QCP::msTop | QCP::msBottom, margins);
  makeInteractive(plot_);

  colouring_ = new QComboBox(this);
  colouring_->setObjectName("maskColouring");
  colouring_->addItems({tr("mask and last mutation"), tr("weight magnitude |w|")});
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

void MaskViewer::showScale(bool on) {
  legend_->setVisible(!on);
  scale_->setVisible(on);
  const bool placed = plot_->plotLayout()->hasElement(0, 1);
  if (on && !placed) {
    plot_->plotLayout()->addElement(0, 1, scale_);
  } else if (!on && placed) {
    plot_->plotLayout()->take(scale_);
    plot_->plotLayout()->simplify();
  }
}

void MaskViewer::showLegend() {
  const MaskColours colours(palette());
  legend_->setText(swatch(colours.active, tr("active")) + "&nbsp;&nbsp;" +
                   swatch(colours.grown, tr("grown by this mutation")) + "&nbsp;&nbsp;" +
                   swatch(colours.dropped, tr("dropped by it")) + "&nbsp;&nbsp;" +
                   swatch(colours.inactive, tr("inactive")));
}

void MaskViewer::changeEvent(QEvent* event) {
  QWidget::changeEvent(event);
  if (event->type() != QEvent::PaletteChange) return;
  showLegend();
  draw();
}

QString MaskViewer::caption() const {
  return caption_->text();
}

void MaskViewer::clear() {
  heldRun_.clear();
  snapshots_.clear();
  events_.clear();
  layerBox_->clear();
  scrubber_->setEnabled(false);
  map_->data()->clear();
  caption_->setText(tr("Open a sparse run to see its masks."));
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

namespace {
// Records in step order: keeps those before the newest step held (or none, for another run) and appends what the
// store has from that step on.
template <typename Record, typename ReadFrom>
void appendFrom(std::vector<Record>& held, bool keep, ReadFrom readFrom) {
  const int64_t from = keep && !held.empty() ? held.back().step : 0;
  if (!keep) held.clear();
  while (!held.empty() && held.back().step >= from) held.pop_back();
  for (auto& r : readFrom(from)) held.push_back(std::move(r));
}
}  // namespace

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
  // Following a run: the history held is kept and only its newest step read again (a step's layers may have been
  // only partly committed when it was last read) with what came after it. Reading it all again grew with every
  // epoch into a visible stall of the window.
  appendFrom(snapshots_, sameRun, [&](int64_t from) { return store.maskSnapshots(runId, from); });
  appendFrom(events_, sameRun, [&](int64_t from) { return store.maskChanges(runId, from); });
  const QSignalBlocker block(layerBox_);
  layerBox_->clear();
  for (const auto& s : snapshots_)
    if (layerBox_->findText(QString::fromStdString(s.layer)) < 0) layerBox_->addItem(QString::fromStdString(s.layer));
  if (const int i = layerBox_->findText(keep); i >= 0) layerBox_->setCurrentIndex(i);
  if (colouring_->currentIndex() == 1 && !anySnapshotHasMagnitudes() && !loadWeights()) {
    const QSignalBlocker blockColouring(colouring_);
    colouring_->setCurrentIndex(0);
  }
  layerChanged();
  // A fresh layer starts at its newest snapshot: the mask as the run is (or ended).
  if (keep != layerBox_->currentText() || scrubber_->value() == scrubber_->maximum())
    scrubber_->setValue(scrubber_->maximum());
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
  return states_;
}

int64_t MaskViewer::shownActiveCount() const {
  int64_t n = 0;
  for (uint8_t s : states_) n += s == Active || s == Grown;
  return n;
}

std::vector<const MaskSnapshotRecord*> MaskViewer::layerSnapshots() const {
  std::vector<const MaskSnapshotRecord*> list;
  const std::string layer = layerBox_->currentText().toStdString();
  for (const auto& s : snapshots_)
    if (s.layer == layer) list.push_back(&s);
  return list;
}

void MaskViewer::layerChanged() {
  const int count = snapshotCount();
  const QSignalBlocker block(scrubber_);
  scrubber_->setRange(0, std::max(0, count - 1));
  scrubber_->setValue(std::max(0, count - 1));
  scrubber_->setEnabled(count > 1);
  draw();
  plot_->rescaleAxes();
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

bool MaskViewer::showWeightMagnitudes(bool on) {
  colouring_->setCurrentIndex(on ? 1 : 0);
  return colouring_->currentIndex() == (on ? 1 : 0);
}

float MaskViewer::shownMagnitude(int row, int col) const {
  if (colouring_->currentIndex() != 1 || row < 0 || col < 0 || row >= shownRows_ || col >= shownCols_) return NAN;
  return shownMagnitudes_[size_t(row) * size_t(shownCols_) + size_t(col)];
}

bool MaskViewer::anySnapshotHasMagnitudes() const {
  const auto list = layerSnapshots();
  return std::any_of(list.begin(), list.end(), [](const MaskSnapshotRecord* s) { return hasMagnitudes(*s); });
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
      LayerWeights w{m.rows, m.cols, stored->step, std::vector<float>(size_t(m.rows) * size_t(m.cols), 0.0f)};
      if (m.form == LayerMaskState::Sparse)
        w.magnitude = magnitudesOverMask(maskAt(m.rows, m.cols, m.positions).bits, p->values);
      else
        for (size_t i = 0; i < w.magnitude.size() && i < p->values.size(); ++i) w.magnitude[i] = std::abs(p->values[i]);
      weights_[m.layer] = std::move(w);
    }
    return !weights_.empty();
  } catch (const std::exception&) {
    return false;
  }
}

void MaskViewer::drawMagnitudes(const MaskSnapshotRecord* snap) {
  // Snapshots logged since schema 4 carry their magnitudes; one logged before falls back to the weights of the
  // run's newest checkpoint.
  const bool fromSnapshot = snap && hasMagnitudes(*snap);
  if (!fromSnapshot) loadWeights();
  const auto held = weights_.find(layerBox_->currentText().toStdString());
  if (!fromSnapshot && held == weights_.end()) {
    shownRows_ = shownCols_ = 0;
    shownMagnitudes_.clear();
    map_->data()->clear();
    caption_->setText(tr("%1: this snapshot kept no magnitudes and the run has no checkpoint to read them from")
                          .arg(layerBox_->currentText()));
    plot_->replot(QCustomPlot::rpQueuedReplot);
    return;
  }
  shownRows_ = fromSnapshot ? snap->rows : held->second.rows;
  shownCols_ = fromSnapshot ? snap->cols : held->second.cols;
  shownMagnitudes_ = fromSnapshot
                         ? magnitudesAtPositions(int64_t(snap->rows) * snap->cols, snap->positions, snap->magnitudes)
                         : held->second.magnitude;
  showScale(true);
  map_->setGradient(QCPColorGradient::gpThermal);
  map_->data()->setSize(shownCols_, shownRows_);
  map_->data()->setRange(QCPRange(0, shownCols_ - 1), QCPRange(0, shownRows_ - 1));
  float top = 0;
  for (int r = 0; r < shownRows_; ++r)
    for (int c = 0; c < shownCols_; ++c) {
      const float v = shownMagnitudes_[size_t(r) * size_t(shownCols_) + size_t(c)];
      map_->data()->setCell(c, r, v);
      top = std::max(top, v);
    }
  map_->setDataRange(QCPRange(0, std::max(1e-6f, top)));
  scale_->setGradient(QCPColorGradient::gpThermal);
  scale_->setDataRange(map_->dataRange());
  const QString when =
      fromSnapshot
          ? tr("step %1 (epoch %2)").arg(snap->step).arg(snap->epoch)
          : tr("step %1 (the newest checkpoint; this run's snapshots hold no magnitudes)").arg(held->second.step);
  caption_->setText(tr("%1: |w| at %2, largest %3; black cells are inactive")
                        .arg(layerBox_->currentText(), when)
                        .arg(double(top), 0, 'g', 3));
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

// Every replot here is queued: following a run, one showRun resets the layer, moves the scrubber and draws, and
// QCustomPlot then renders the colour map once, on the next pass of the event loop, instead of three times in a
// row while the window waits (a visible stall on a machine whose cores are busy training).
void MaskViewer::draw() {
  const auto list = layerSnapshots();
  const MaskSnapshotRecord* shown =
      list.empty() ? nullptr : list[size_t(std::clamp(scrubber_->value(), 0, int(list.size()) - 1))];
  scrubber_->setEnabled(list.size() > 1);
  if (colouring_->currentIndex() == 1) {
    drawMagnitudes(shown);
    return;
  }
  showScale(false);
  map_->setGradient(maskGradient(MaskColours(palette())));
  map_->setDataRange(QCPRange(0, 3));
  states_.clear();
  if (list.empty()) {
    map_->data()->clear();
    plot_->replot(QCustomPlot::rpQueuedReplot);
    return;
  }
  const MaskSnapshotRecord& snap = *shown;
  states_.assign(size_t(snap.rows) * size_t(snap.cols), Inactive);
  for (int64_t p : snap.positions) states_[size_t(p)] = Active;
  // The mutation that made this snapshot, if one did (the start and end snapshots have none).
  const MaskChangeEvent* event = nullptr;
  for (const auto& e : events_)
    if (e.layer == snap.layer && e.step == snap.step) event = &e;
  if (event) {
    for (int64_t p : event->grownPositions)
      if (p >= 0 && size_t(p) < states_.size()) states_[size_t(p)] = Grown;
    for (int64_t p : event->droppedPositions)
      if (p >= 0 && size_t(p) < states_.size()) states_[size_t(p)] = Dropped;
  }
  map_->data()->setSize(snap.cols, snap.rows);
  map_->data()->setRange(QCPRange(0, snap.cols - 1), QCPRange(0, snap.rows - 1));
  for (int r = 0; r < snap.rows; ++r)
    for (int c = 0; c < snap.cols; ++c) map_->data()->setCell(c, r, states_[size_t(r) * size_t(snap.cols) + size_t(c)]);
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
          .arg(event ? tr("; this mutation dropped %1 and grew %2").arg(event->dropped).arg(event->grown) : QString()));
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace ss::ui
