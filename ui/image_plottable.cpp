#include "image_plottable.h"

namespace ss::ui {

ImagePlottable::ImagePlottable(QCPAxis* keyAxis, QCPAxis* valueAxis) : QCPAbstractPlottable(keyAxis, valueAxis) {
  setSelectable(QCP::stNone);
}

void ImagePlottable::setImage(const QImage& image, const QCPRange& keys, const QCPRange& values,
                              const QCPRange& clipKeys, const QCPRange& clipValues) {
  image_ = image;
  keys_ = keys;
  values_ = values;
  clipKeys_ = clipKeys;
  clipValues_ = clipValues;
}

void ImagePlottable::clearImage() {
  image_ = QImage();
}

double ImagePlottable::selectTest(const QPointF&, bool, QVariant*) const {
  return -1;
}

QCPRange ImagePlottable::getKeyRange(bool& foundRange, QCP::SignDomain) const {
  foundRange = hasImage();
  return clipKeys_;
}

QCPRange ImagePlottable::getValueRange(bool& foundRange, QCP::SignDomain, const QCPRange&) const {
  foundRange = hasImage();
  return clipValues_;
}

QRectF ImagePlottable::pixelRect(const QCPRange& keys, const QCPRange& values) const {
  return QRectF(coordsToPixels(keys.lower, values.lower), coordsToPixels(keys.upper, values.upper));
}

void ImagePlottable::draw(QCPPainter* painter) {
  if (!hasImage()) return;
  const QRectF target = pixelRect(keys_, values_);
  // A reversed axis mirrors the rectangle, and so the image (the key axis is taken to be horizontal).
  const bool mirrorX = target.width() < 0, mirrorY = target.height() < 0;
  const QImage shown = mirrorX || mirrorY ? image_.mirrored(mirrorX, mirrorY) : image_;
  painter->save();
  painter->setClipRect(pixelRect(clipKeys_, clipValues_).normalized().intersected(clipRect()), Qt::IntersectClip);
  painter->setRenderHint(QPainter::SmoothPixmapTransform, false);
  painter->drawImage(target.normalized(), shown);
  painter->restore();
}

void ImagePlottable::drawLegendIcon(QCPPainter* painter, const QRectF& rect) const {
  if (hasImage()) painter->drawImage(rect, image_);
}

}  // namespace ss::ui
