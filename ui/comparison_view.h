#pragma once

#include <QWidget>
#include <vector>

#include "held_store.h"
#include "store/store_reader.h"

class QCustomPlot;
class QTableWidget;

namespace ss::ui {

// Several runs side by side: their test accuracy and test loss per epoch overlaid, and a table of what
// distinguishes them (algorithm, scheme, sparsity, final and best accuracy, time, memory model).
class ComparisonView : public QWidget {
  Q_OBJECT

 public:
  explicit ComparisonView(QWidget* parent = nullptr);

  // Reads the runs from the store; a run that cannot be read is named in the table instead.
  void compare(const QString& storePath, const std::vector<int64_t>& runIds);
  int curveCount() const;
  QTableWidget* table() const { return table_; }
  QCustomPlot* accuracyPlot() const { return accuracy_; }
  QCustomPlot* lossPlot() const { return loss_; }

 private:
  QCustomPlot *accuracy_, *loss_;
  QTableWidget* table_;
  HeldStore<StoreReader> store_;
};

}  // namespace ss::ui
