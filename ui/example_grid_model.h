#pragma once

#include <QAbstractListModel>
#include <QHash>
#include <memory>
#include <vector>

#include "data/dataset.h"
#include "store/run_records.h"

namespace ss::ui {

// Training examples as a sortable, filterable list of thumbnails with their forgetting statistics. Images are
// drawn only when a view asks for them (the visible ones), from the data set the run trained on.
class ExampleGridModel : public QAbstractListModel {
  Q_OBJECT

 public:
  enum class Order { MostForgotten, LeastForgotten, FirstLearned, Removed };
  static constexpr int kThumbnail = 56;

  explicit ExampleGridModel(QObject* parent = nullptr) : QAbstractListModel(parent) {}

  void setData(std::shared_ptr<const Dataset> train);
  void setStats(std::vector<ExampleStatRecord> stats);
  void setOrder(Order order);
  void setClassFilter(int label);  // -1: every class

  const ExampleStatRecord& statAt(int row) const { return stats_[size_t(shown_[size_t(row)])]; }
  int labelOf(const ExampleStatRecord& s) const;
  QString className(const ExampleStatRecord& s) const;  // the data set's name for the label, or its number
  QString describe(int row) const;
  bool hasImages() const { return data_ && data_->shape.height > 1; }

  int rowCount(const QModelIndex& parent = {}) const override { return parent.isValid() ? 0 : int(shown_.size()); }
  QVariant data(const QModelIndex& index, int role) const override;

 private:
  void rebuild();
  QPixmap thumbnail(const ExampleStatRecord& s) const;

  std::shared_ptr<const Dataset> data_;
  QHash<int64_t, int64_t> rowOfIndex_;  // original index -> row of data_
  std::vector<ExampleStatRecord> stats_;
  std::vector<size_t> shown_;  // into stats_, in display order
  Order order_ = Order::MostForgotten;
  int classFilter_ = -1;
};

// The ranking key data efficiency uses: forgetting events, or presentations for an example never learned.
int64_t forgettingScore(const ExampleStatRecord& s);

}  // namespace ss::ui
