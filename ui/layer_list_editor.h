#pragma once

#include <QString>
#include <QWidget>
#include <nlohmann/json.hpp>
#include <vector>

#include "project/project.h"

class QToolButton;
class QSpinBox;
class QTableWidget;

namespace ss::ui {

// A layer size as typed, for the project reader to check: the number when it is one, else the text, so that the
// reader's message quotes it.
nlohmann::json sizeJson(const QString& text);

// The model's hidden layers as a list to edit: convolutions (filters, each followed by ReLU and a 2x2 max pool),
// then fully connected layers (units, each followed by ReLU); the classifier the data set sizes comes last.
// Rows are added, removed, moved and edited in place; what the project format fixes (ReLU, one kernel size for
// every convolution) is shown, not offered. The preset follows from the rows: any convolution makes a convnet.
class LayerListEditor : public QWidget {
  Q_OBJECT

 public:
  enum class Kind { Convolution, FullyConnected };

  explicit LayerListEditor(QWidget* parent = nullptr);

  void setModel(const ModelSpec& model);  // shows a project's layers; emits nothing
  // The model section's layer keys as the project reader takes them: preset and hidden, or preset, channels, fc
  // and kernel. Throws InputError when convolutions follow a fully connected layer.
  nlohmann::json modelJson() const;

  // What the buttons and cells do, for keyboard-free tests.
  void addLayer(Kind kind, int size);  // after the selected row when the order allows, else where it must go
  void removeLayer(int row);
  void moveLayer(int row, int offset);  // -1 up, +1 down
  void setLayerSize(int row, const QString& size);
  void setLayerKind(int row, Kind kind);
  QSpinBox* kernelBox() const { return kernel_; }  // shown only when there are convolutions
  QTableWidget* table() const { return table_; }

 signals:
  void edited();

 private:
  struct Layer {
    Kind kind;
    QString size;  // as typed: the project reader names what is wrong with it
  };
  void showLayers(int selectRow);
  void updateButtons();
  int selectedRow() const;

  std::vector<Layer> layers_;
  bool showing_ = false;
  QTableWidget* table_;
  QSpinBox* kernel_;
  QWidget* kernelRow_;
  QToolButton *addConv_, *addDense_, *remove_, *up_, *down_;
};

}  // namespace ss::ui
