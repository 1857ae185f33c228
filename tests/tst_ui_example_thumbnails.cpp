// The examples view's thumbnails: a grey image in the theme's ink on paper, a colour image (CIFAR's three planes) in
// its own colours.
#include <QApplication>
#include <QTest>
#include <memory>

#include "example_grid_model.h"

using namespace ss;

class TestUiExampleThumbnails : public QObject {
  Q_OBJECT

 private slots:
  void colourImagesKeepTheirColours();
};

namespace {

// One 3 x 8 x 8 example: its left half red, its right half blue, standardised-looking values.
std::shared_ptr<const Dataset> redAndBlueImage(int channels) {
  auto set = std::make_shared<Dataset>();
  set->shape = {channels, 8, 8};
  set->classCount = 2;
  set->classNames = {"a", "b"};
  Matrix values = Matrix::Constant(1, channels * 64, -1.2f);
  for (int y = 0; y < 8; ++y)
    for (int x = 0; x < 8; ++x) {
      const int plane = channels == 3 ? (x < 4 ? 0 : 2) : 0;
      values(0, plane * 64 + y * 8 + x) = x < 4 || channels == 3 ? 1.7f : -1.2f;
    }
  set->features = FeatureRows(values, channels);
  set->labels = {1};
  set->originalIndex = {0};
  return set;
}

QRgb centreOf(ui::ExampleGridModel& model, int dx) {
  ExampleStatRecord stat;
  model.setStats({stat});
  const QImage image = model.data(model.index(0), Qt::DecorationRole).value<QPixmap>().toImage();
  return image.pixel(image.width() / 2 + dx, image.height() / 2);
}

}  // namespace

void TestUiExampleThumbnails::colourImagesKeepTheirColours() {
  ui::ExampleGridModel colour;
  colour.setData(redAndBlueImage(3));
  const QRgb left = centreOf(colour, -12), right = centreOf(colour, 12);
  QVERIFY2(qRed(left) > 200 && qGreen(left) < 40 && qBlue(left) < 40, qPrintable(QString::number(left, 16)));
  QVERIFY2(qBlue(right) > 200 && qRed(right) < 40 && qGreen(right) < 40, qPrintable(QString::number(right, 16)));

  ui::ExampleGridModel grey;
  grey.setData(redAndBlueImage(1));
  const QRgb bright = centreOf(grey, -12), dark = centreOf(grey, 12);
  QCOMPARE(qRed(bright), qBlue(bright));  // grey levels
  QVERIFY(qRed(bright) != qRed(dark));
}

QTEST_MAIN(TestUiExampleThumbnails)
#include "tst_ui_example_thumbnails.moc"
