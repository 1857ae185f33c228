#include "example_grid_model.h"

#include <QGuiApplication>
#include <QImage>
#include <QPainter>
#include <QPalette>
#include <QPixmap>
#include <algorithm>

#include "core/tensor.h"
#include "plot_interaction.h"
#include "plot_theme.h"

namespace ss::ui {

int64_t forgettingScore(const ExampleStatRecord& s) {
  return s.firstLearnedEpoch < 0 ? s.presentations : s.forgettingEvents;
}

void ExampleGridModel::setData(std::shared_ptr<const Dataset> train) {
  data_ = std::move(train);
  rowOfIndex_.clear();
  if (data_)
    for (int64_t row = 0; row < data_->size(); ++row) rowOfIndex_.insert(data_->originalIndex[size_t(row)], row);
  rebuild();
}

void ExampleGridModel::setStats(std::vector<ExampleStatRecord> stats) {
  stats_ = std::move(stats);
  rebuild();
}

void ExampleGridModel::setOrder(Order order) {
  order_ = order;
  rebuild();
}

void ExampleGridModel::setClassFilter(int label) {
  classFilter_ = label;
  rebuild();
}

int ExampleGridModel::labelOf(const ExampleStatRecord& s) const {
  if (!data_) return -1;
  const auto it = rowOfIndex_.constFind(s.originalIndex);
  return it == rowOfIndex_.constEnd() ? -1 : data_->labels[size_t(*it)];
}

QString ExampleGridModel::className(const ExampleStatRecord& s) const {
  const int label = labelOf(s);
  if (label < 0) return "?";
  if (size_t(label) < data_->classNames.size()) return QString::fromStdString(data_->classNames[size_t(label)]);
  return QString::number(label);
}

void ExampleGridModel::rebuild() {
  beginResetModel();
  shown_.clear();
  for (size_t i = 0; i < stats_.size(); ++i)
    if (classFilter_ < 0 || labelOf(stats_[i]) == classFilter_) shown_.push_back(i);
  auto key = [this](size_t i) -> std::pair<int64_t, int64_t> {
    const ExampleStatRecord& s = stats_[i];
    switch (order_) {
      case Order::MostForgotten:
        return {-forgettingScore(s), s.originalIndex};
      case Order::LeastForgotten:
        return {forgettingScore(s), s.originalIndex};
      case Order::FirstLearned:
        return {s.firstLearnedEpoch < 0 ? INT64_MAX : s.firstLearnedEpoch, s.originalIndex};
      case Order::Removed:
        return {s.removedAtEpoch < 0 ? 1 : 0, s.originalIndex};
    }
    return {0, s.originalIndex};
  };
  std::stable_sort(shown_.begin(), shown_.end(), [&](size_t a, size_t b) { return key(a) < key(b); });
  endResetModel();
}

QString ExampleGridModel::describe(int row) const {
  const ExampleStatRecord& s = statAt(row);
  const QString cls = className(s);
  return tr("example %1 (class %2): seen %3 times, forgotten %4 times, %5, %6")
      .arg(s.originalIndex)
      .arg(cls)
      .arg(s.presentations)
      .arg(s.forgettingEvents)
      .arg(s.firstLearnedEpoch < 0 ? tr("never learned") : tr("first learned in epoch %1").arg(s.firstLearnedEpoch))
      .arg(s.removedAtEpoch < 0 ? tr("in use") : tr("removed after epoch %1").arg(s.removedAtEpoch));
}

QPixmap ExampleGridModel::thumbnail(const ExampleStatRecord& s) const {
  // Drawn in the application's colours: ink on paper in a light theme, light on dark in a dark one.
  const QPalette palette = QGuiApplication::palette();
  const QColor paper = palette.color(QPalette::Base), ink = palette.color(QPalette::Text);
  QPixmap pixmap(kThumbnail, kThumbnail);
  pixmap.fill(paper);
  QPainter paint(&pixmap);
  const auto it = data_ ? rowOfIndex_.constFind(s.originalIndex) : rowOfIndex_.constEnd();
  if (hasImages() && it != rowOfIndex_.constEnd()) {
    // Normalised features back to levels: the image's own range, so contrast survives standardising. A colour image
    // (three channels, as CIFAR's) in its own colours, one range over its three planes so that hues survive; a grey
    // one in the theme's ink on paper.
    const ExampleShape& shape = data_->shape;
    const int64_t row = *it;
    Matrix values(1, data_->features.cols());
    data_->features.copyRows({&row, 1}, values);
    const float* x = values.data();
    const int pixels = shape.height * shape.width;
    const bool colour = shape.channels == 3;
    const auto [lo, hi] = std::minmax_element(x, x + (colour ? 3 * pixels : pixels));
    const float scale = 1.0f / std::max(1e-6f, *hi - *lo);
    const auto level = [&](int plane, int i) { return (x[plane * pixels + i] - *lo) * scale; };
    QImage image(shape.width, shape.height, QImage::Format_RGB32);
    for (int y = 0; y < shape.height; ++y)
      for (int c = 0; c < shape.width; ++c) {
        const int i = y * shape.width + c;
        if (colour)
          image.setPixel(c, y, qRgb(qRound(255 * level(0, i)), qRound(255 * level(1, i)), qRound(255 * level(2, i))));
        else
          image.setPixelColor(c, y, blend(paper, ink, double(level(0, i))));
      }
    paint.drawImage(QRect(2, 2, kThumbnail - 4, kThumbnail - 4), image);
  }
  // The frame says what happened to the example: red removed, orange never learned.
  if (s.removedAtEpoch >= 0 || s.firstLearnedEpoch < 0) {
    const SeriesColour frame = s.removedAtEpoch >= 0 ? SeriesColour::Vermillion : SeriesColour::Orange;
    paint.setPen(QPen(QColor::fromRgb(seriesRgb(frame)), 3));
    paint.drawRect(1, 1, kThumbnail - 3, kThumbnail - 3);
  }
  paint.setPen(ink);
  paint.setFont(QFont(paint.font().family(), 7));
  paint.drawText(QRect(3, kThumbnail - 13, kThumbnail - 6, 11), Qt::AlignRight, QString::number(forgettingScore(s)));
  return pixmap;
}

QVariant ExampleGridModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid()) return {};
  const ExampleStatRecord& s = statAt(index.row());
  if (role == Qt::DecorationRole) return thumbnail(s);
  if (role == Qt::ToolTipRole) return describe(index.row());
  if (role == Qt::UserRole) return qlonglong(s.originalIndex);
  return {};
}

}  // namespace ss::ui
