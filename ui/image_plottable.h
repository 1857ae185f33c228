#pragma once

#include <qcustomplot.h>

#include <QImage>

namespace ss::ui {

// An image laid over a rectangle of plot coordinates and clipped to another, drawn by the painter as it is: zoomed
// far in, no scaled copy the size of the zoomed area is made (QCPItemPixmap makes one). The mask viewer draws a
// large layer's blocks with it, one pixel of the image per block. Its range, for rescaling the axes, is the clip
// rectangle: the whole layer, of which the image may show a part.
class ImagePlottable : public QCPAbstractPlottable {
  Q_OBJECT

 public:
  ImagePlottable(QCPAxis* keyAxis, QCPAxis* valueAxis);

  // The image's first row at values.lower, its first column at keys.lower.
  void setImage(const QImage& image, const QCPRange& keys, const QCPRange& values, const QCPRange& clipKeys,
                const QCPRange& clipValues);
  void clearImage();
  bool hasImage() const { return !image_.isNull(); }

  double selectTest(const QPointF& pos, bool onlySelectable, QVariant* details = nullptr) const override;
  QCPRange getKeyRange(bool& foundRange, QCP::SignDomain inSignDomain = QCP::sdBoth) const override;
  QCPRange getValueRange(bool& foundRange, QCP::SignDomain inSignDomain = QCP::sdBoth,
                         const QCPRange& inKeyRange = QCPRange()) const override;

 protected:
  void draw(QCPPainter* painter) override;
  void drawLegendIcon(QCPPainter* painter, const QRectF& rect) const override;

 private:
  QRectF pixelRect(const QCPRange& keys, const QCPRange& values) const;

  QImage image_;
  QCPRange keys_, values_, clipKeys_, clipValues_;
};

}  // namespace ss::ui
