#pragma once

#include <QWidget>
#include <map>
#include <string>
#include <vector>

#include "held_store.h"
#include "store/run_records.h"
#include "store/store_reader.h"

class QComboBox;
class QCustomPlot;
class QCPColorMap;
class QCPColorScale;
class QLabel;
class QSlider;

namespace ss::ui {

// Each layer's mask as a heat map (rows = outputs or filters, columns = inputs or C*k*k), one cell per
// weight, zoomable to single weights; a scrubber steps through the layer's snapshots, and the mutation that
// produced a snapshot is overlaid: weights it grew in one colour, weights it dropped in another. Structured
// schemes show as what they are: N:M runs, blocks, whole rows for channels, 3x3 patterns.
class MaskViewer : public QWidget {
  Q_OBJECT

 public:
  explicit MaskViewer(QWidget* parent = nullptr);

  // Reads the run's snapshots and mask changes from the store; keeps the chosen layer when it still exists.
  void showRun(const QString& storePath, int64_t runId);
  void clear();

  QStringList layers() const;
  void selectLayer(const QString& layer);
  int snapshotCount() const;
  void selectSnapshot(int index);
  // What is drawn: 0 inactive, 1 active, 2 grown by the snapshot's mutation, 3 dropped by it.
  std::vector<uint8_t> cellStates() const;
  int64_t shownActiveCount() const;
  // Colours cells by |w| instead of by mask state: the magnitudes the shown snapshot kept, so the scrubber steps
  // through them too, or, for a run logged before snapshots kept them, its newest checkpoint's. False when the
  // run has neither.
  bool showWeightMagnitudes(bool on);
  float shownMagnitude(int row, int col) const;  // NaN unless magnitudes are shown
  QCustomPlot* plot() const { return plot_; }
  QString caption() const;

 protected:
  void changeEvent(QEvent* event) override;  // a new palette recolours the cells and the legend

 private:
  void showLegend();
  void showScale(bool on);  // the |w| colour scale beside the map, in place of the mask states' legend
  void layerChanged();
  void draw();
  std::vector<const MaskSnapshotRecord*> layerSnapshots() const;

  QComboBox* layerBox_;
  QSlider* scrubber_;
  QLabel *caption_, *legend_;
  QCustomPlot* plot_;
  QCPColorMap* map_;
  QCPColorScale* scale_;
  std::vector<MaskSnapshotRecord> snapshots_;
  std::vector<MaskChangeEvent> events_;
  std::vector<uint8_t> states_;
  QComboBox* colouring_;
  QString storePath_;
  HeldStore<StoreReader> store_;  // the store read on every epoch of a run followed
  int64_t runId_ = 0;
  std::string heldRun_;  // name@start of the run whose history is held, "" for none
  struct LayerWeights {
    int rows = 0, cols = 0;
    int64_t step = 0;
    std::vector<float> magnitude;  // row-major, 0 where inactive
  };
  std::map<std::string, LayerWeights> weights_;  // from the newest checkpoint, read on first use
  bool loadWeights();
  bool anySnapshotHasMagnitudes() const;                // of the shown layer
  void drawMagnitudes(const MaskSnapshotRecord* snap);  // the checkpoint's when the snapshot has none
  std::vector<float> shownMagnitudes_;                  // rows x cols as drawn, 0 where inactive
  int shownRows_ = 0, shownCols_ = 0;
};

}  // namespace ss::ui
