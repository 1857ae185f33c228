#pragma once

#include <QWidget>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "held_store.h"
#include "mask_raster.h"
#include "store/run_records.h"
#include "store/store_reader.h"

class QComboBox;
class QCustomPlot;
class QCPColorMap;
class QCPColorScale;
class QLabel;
class QMouseEvent;
class QSlider;
class QTimer;

namespace ss::ui {

class ImagePlottable;

// Each layer's mask as a heat map (rows = outputs or filters, columns = inputs or C*k*k); a scrubber steps through
// the layer's snapshots, and the mutation that produced a snapshot is overlaid: weights it grew in one colour,
// weights it dropped in another. Structured schemes show as what they are: N:M runs, blocks, whole rows for
// channels, 3x3 patterns. A layer up to CellBudget::perWeightLimit along each axis is one cell per weight and
// zooms to single weights; a longer axis is drawn in blocks of weights, each cell shaded by its block's share of
// active weights, and zooming in draws the part shown again, down to single weights. The snapshot drawn is the
// only one read from the store, and nothing the size of the layer is made.
class MaskViewer : public QWidget {
  Q_OBJECT

 public:
  explicit MaskViewer(QWidget* parent = nullptr);

  // Reads the run's snapshot list from the store; keeps the chosen layer when it still exists.
  void showRun(const QString& storePath, int64_t runId);
  void clear();

  QStringList layers() const;
  void selectLayer(const QString& layer);
  int snapshotCount() const;
  void selectSnapshot(int index);
  // What is drawn: the part of the layer, how many weights a cell covers and what the cells hold.
  const MaskRaster& shownRaster() const { return raster_; }
  // Drawn one cell per weight: each weight's state, 0 inactive, 1 active, 2 grown by the snapshot's mutation,
  // 3 dropped by it, row-major over the part drawn. Empty when the layer is drawn in blocks.
  std::vector<uint8_t> cellStates() const;
  int64_t shownActiveCount() const;  // active weights in the part drawn, grown ones included
  // Colours cells by |w| instead of by mask state: the magnitudes the shown snapshot kept, so the scrubber steps
  // through them too, or, for a run logged before snapshots kept them, its newest checkpoint's. False when the
  // run has neither.
  bool showWeightMagnitudes(bool on);
  float shownMagnitude(int row, int col) const;  // NaN unless magnitudes are shown
  // What the cell drawn over a weight holds, as the tooltip there says; empty outside the part drawn.
  QString describeCellAt(int64_t row, int64_t col) const;
  QCustomPlot* plot() const { return plot_; }
  QString caption() const;

 protected:
  void changeEvent(QEvent* event) override;  // a new palette recolours the cells and the legend

 private:
  // A layer's active positions and their |w|, from the newest checkpoint, for runs whose snapshots kept none.
  struct LayerWeights {
    int rows = 0, cols = 0;
    int64_t step = 0;
    std::vector<int64_t> positions;
    std::vector<float> magnitudes;
  };

  void showLegend(const QString& blocks = {});
  void showScale(bool on, const QString& label = {});  // the colour scale beside the map
  void layerChanged();
  void showWholeLayer();
  void draw();
  void drawMask(const MaskSnapshotRecord& snap);
  void drawMagnitudes(const MaskSnapshotRecord& snap);
  void drawRaster(const LayerMask& mask, bool magnitudes);
  void drawNothing(const QString& why);
  void showCellAt(QMouseEvent* event);
  bool readShown(const MaskSnapshotInfo& info);
  std::vector<const MaskSnapshotInfo*> layerSnapshots() const;
  WeightWindow windowToDraw(int64_t rows, int64_t cols) const;
  bool loadWeights();
  bool anySnapshotHasMagnitudes() const;  // of the shown layer
  bool magnitudesShown() const;

  QComboBox* layerBox_;
  QSlider* scrubber_;
  QLabel *caption_, *legend_;
  QCustomPlot* plot_;
  QCPColorMap* map_;        // one cell per weight
  ImagePlottable* blocks_;  // one pixel per block of weights
  QCPColorScale* scale_;
  QComboBox* colouring_;
  QTimer* zoomSettled_;  // draws the part of a large layer shown once a zoom or pan comes to rest
  CellBudget budget_;
  QString storePath_;
  HeldStore<StoreReader> store_;  // the store read on every epoch of a run followed
  int64_t runId_ = 0;
  std::string heldRun_;                          // name@start of the run whose history is held, "" for none
  std::vector<MaskSnapshotInfo> snapshots_;      // every layer's, in step order
  std::optional<MaskSnapshotRecord> shown_;      // the snapshot drawn, read when the scrubber comes to it
  std::optional<MaskChangeEvent> change_;        // the mutation that made it, if one did
  std::map<std::string, LayerWeights> weights_;  // from the newest checkpoint, read on first use
  enum class MagnitudeSource { None, Snapshot, Checkpoint } magnitudeSource_ = MagnitudeSource::None;
  MaskRaster raster_;
};

}  // namespace ss::ui
