// Position coding: a layer's active positions as a bitmap or as varint gaps, whichever is smaller, and the
// errors a damaged blob gives.
#include <QTest>
#include <stdexcept>

#include "core/compression.h"
#include "core/error.h"
#include "random_positions.h"
#include "sparse/position_coding.h"
#include "store_test_helpers.h"

using namespace ss;

Q_DECLARE_METATYPE(std::vector<int64_t>)
Q_DECLARE_METATYPE(std::vector<uint8_t>)

namespace {

// A blob as encodePositions lays it out, from a form's byte and the bytes before compression, so a test can
// write what the encoder never would.
std::vector<uint8_t> blobOf(uint8_t coding, const std::vector<uint8_t>& raw) {
  std::vector<uint8_t> blob{coding};
  const std::vector<uint8_t> packed = compressBytes(raw);
  blob.insert(blob.end(), packed.begin(), packed.end());
  return blob;
}

constexpr uint8_t kBitmap = uint8_t(PositionCoding::Bitmap), kGaps = uint8_t(PositionCoding::Gaps);

}  // namespace

class TestPositionCoding : public QObject {
  Q_OBJECT

 private slots:
  void positionsRoundTrip_data();
  void positionsRoundTrip();
  void theSmallerFormIsChosen_data();
  void theSmallerFormIsChosen();
  void aSparseLayerCostsAboutItsPositions();
  void positionsNotAscendingOrOutsideAreRefused_data();
  void positionsNotAscendingOrOutsideAreRefused();
  void damagedBlobsNameWhatAndWhy_data();
  void damagedBlobsNameWhatAndWhy();
  void setBitsBecomePositions();
};

void TestPositionCoding::positionsRoundTrip_data() {
  QTest::addColumn<int64_t>("rows");
  QTest::addColumn<int64_t>("cols");
  QTest::addColumn<double>("density");
  QTest::newRow("empty layer") << int64_t(0) << int64_t(0) << 0.0;
  QTest::newRow("one entry, inactive") << int64_t(1) << int64_t(1) << 0.0;
  QTest::newRow("one entry, active") << int64_t(1) << int64_t(1) << 1.0;
  QTest::newRow("no active entry") << int64_t(300) << int64_t(784) << 0.0;
  QTest::newRow("full") << int64_t(300) << int64_t(784) << 1.0;
  QTest::newRow("a row vector") << int64_t(1) << int64_t(1000) << 0.3;
  QTest::newRow("a column vector") << int64_t(1000) << int64_t(1) << 0.05;
  QTest::newRow("odd size, half") << int64_t(13) << int64_t(7) << 0.5;
  QTest::newRow("mlp layer, 10%") << int64_t(300) << int64_t(784) << 0.1;
  QTest::newRow("mlp layer, 90%") << int64_t(300) << int64_t(784) << 0.9;
  QTest::newRow("conv layer, 1%") << int64_t(64) << int64_t(288) << 0.01;
  QTest::newRow("wide, 0.1%") << int64_t(3) << int64_t(65536) << 0.001;
  QTest::newRow("large, 0.01%") << int64_t(4096) << int64_t(4096) << 0.0001;
  QTest::newRow("large, 20%") << int64_t(2048) << int64_t(1500) << 0.2;
}

void TestPositionCoding::positionsRoundTrip() {
  QFETCH(int64_t, rows);
  QFETCH(int64_t, cols);
  QFETCH(double, density);
  const int64_t size = rows * cols;
  const std::vector<int64_t> positions = randomPositions(size, density, uint64_t(size) * 31 + 7);
  const std::vector<uint8_t> blob = encodePositions(positions, size);
  QCOMPARE(decodePositions(blob, size, "layer"), positions);
}

void TestPositionCoding::theSmallerFormIsChosen_data() {
  QTest::addColumn<int64_t>("size");
  QTest::addColumn<double>("density");
  QTest::addColumn<int>("expected");
  // A bitmap costs size / 8 bytes; a gap under 128 costs one byte per position, so the gaps win below 1/8.
  QTest::newRow("0.1%: gaps") << (int64_t(1) << 22) << 0.001 << int(PositionCoding::Gaps);
  QTest::newRow("5%: gaps") << int64_t(200000) << 0.05 << int(PositionCoding::Gaps);
  QTest::newRow("30%: bitmap") << int64_t(200000) << 0.3 << int(PositionCoding::Bitmap);
  QTest::newRow("full: bitmap") << int64_t(4096) << 1.0 << int(PositionCoding::Bitmap);
  QTest::newRow("empty: gaps") << int64_t(4096) << 0.0 << int(PositionCoding::Gaps);
  QTest::newRow("one entry of one, a tie: gaps") << int64_t(1) << 1.0 << int(PositionCoding::Gaps);
}

void TestPositionCoding::theSmallerFormIsChosen() {
  QFETCH(int64_t, size);
  QFETCH(double, density);
  QFETCH(int, expected);
  const std::vector<int64_t> positions = randomPositions(size, density, 5);
  const int64_t bitmap = bitmapCodingBytes(int64_t(positions.size()), size), gaps = gapCodingBytes(positions);
  const std::vector<uint8_t> blob = encodePositions(positions, size);
  QCOMPARE(int(positionCodingOf(blob, "layer")), expected);
  // The bitmap only when strictly smaller: on a tie the gaps are kept, which never grow with the layer.
  QCOMPARE(positionCodingOf(blob, "layer") == PositionCoding::Bitmap, bitmap < gaps);
}

void TestPositionCoding::aSparseLayerCostsAboutItsPositions() {
  // fc2 of a 2-65536-65536-3 MLP at 99.9% sparsity, one row band of it: the bitmap would be 64 MB.
  const int64_t size = int64_t(8192) * 65536;
  const std::vector<int64_t> positions = randomPositions(size, 0.001, 11);
  const std::vector<uint8_t> blob = encodePositions(positions, size);
  QCOMPARE(positionCodingOf(blob, "fc2"), PositionCoding::Gaps);
  // A gap around 1000 takes two bytes; zlib takes a little off that.
  QVERIFY2(blob.size() < positions.size() * 2 + 64, qPrintable(QString::number(blob.size())));
  QVERIFY(blob.size() * 25 < size_t(size / 8));
  QCOMPARE(decodePositions(blob, size, "fc2"), positions);
}

void TestPositionCoding::positionsNotAscendingOrOutsideAreRefused_data() {
  QTest::addColumn<std::vector<int64_t>>("positions");
  QTest::addColumn<int64_t>("size");
  QTest::newRow("descending") << std::vector<int64_t>{3, 2} << int64_t(10);
  QTest::newRow("repeated") << std::vector<int64_t>{1, 4, 4} << int64_t(10);
  QTest::newRow("negative") << std::vector<int64_t>{-1, 4} << int64_t(10);
  QTest::newRow("past the end") << std::vector<int64_t>{2, 10} << int64_t(10);
  QTest::newRow("negative size") << std::vector<int64_t>{} << int64_t(-1);
}

void TestPositionCoding::positionsNotAscendingOrOutsideAreRefused() {
  QFETCH(std::vector<int64_t>, positions);
  QFETCH(int64_t, size);
  QVERIFY_THROWS_EXCEPTION(std::invalid_argument, encodePositions(positions, size));
}

void TestPositionCoding::damagedBlobsNameWhatAndWhy_data() {
  QTest::addColumn<std::vector<uint8_t>>("blob");
  QTest::addColumn<int64_t>("size");
  QTest::addColumn<QString>("reason");
  const std::vector<uint8_t> threeGaps = encodePositions(std::vector<int64_t>{1, 5, 9}, 1000);
  const std::vector<uint8_t> threeBits = encodePositions(std::vector<int64_t>{0, 1, 2, 4, 5, 6, 7}, 16);
  std::vector<uint8_t> truncated = threeGaps;
  truncated.resize(truncated.size() - 3);
  QTest::newRow("empty") << std::vector<uint8_t>{} << int64_t(16) << "layer: damaged (empty)";
  QTest::newRow("unknown form") << blobOf(7, {0}) << int64_t(16) << "layer: damaged (unknown position coding 7)";
  QTest::newRow("zlib cut short") << truncated << int64_t(16) << "layer: damaged (";
  QTest::newRow("no count") << blobOf(kGaps, {}) << int64_t(16) << "layer: damaged (cut short in the position count)";
  QTest::newRow("count above the gaps") << blobOf(kGaps, {3, 1, 3}) << int64_t(16)
                                        << "layer: damaged (claims 3 positions in 2 bytes)";
  QTest::newRow("gap cut short") << blobOf(kGaps, {2, 1, 0x80}) << int64_t(1000)
                                 << "layer: damaged (cut short in a gap)";
  QTest::newRow("count below the gaps") << blobOf(kGaps, {2, 1, 3, 3, 3}) << int64_t(16)
                                        << "layer: damaged (2 bytes after the last of 2 positions)";
  QTest::newRow("gap past the layer") << threeGaps << int64_t(9)
                                      << "layer: damaged (position 2 lies past the layer's 9";
  QTest::newRow("gap wrapping round") << blobOf(kGaps, {2, 0, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1})
                                      << int64_t(16) << "layer: damaged (position 1 lies past";
  QTest::newRow("varint over 64 bits") << blobOf(kGaps, {1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f})
                                       << int64_t(16) << "layer: damaged (a gap does not fit 64 bits)";
  QTest::newRow("bitmap of another layer") << threeBits << int64_t(24) << "layer: damaged (a bitmap of 2 bytes for 24";
  QTest::newRow("bitmap with another count")
      << blobOf(kBitmap, {3, 0x0f, 0}) << int64_t(16) << "layer: damaged (a bitmap of 4 positions claims 3)";
  QTest::newRow("bitmap count beyond the layer")
      << blobOf(kBitmap, {20, 0xff, 0xff}) << int64_t(16) << "layer: damaged (claims 20 positions in a layer of 16)";
  QTest::newRow("bit past the layer") << blobOf(kBitmap, {6, 0xff}) << int64_t(6)
                                      << "layer: damaged (a bit set at 6, past the layer's 6 entries)";
  QTest::newRow("negative size") << threeGaps << int64_t(-4) << "layer: damaged (a layer of -4 entries)";
}

void TestPositionCoding::damagedBlobsNameWhatAndWhy() {
  QFETCH(std::vector<uint8_t>, blob);
  QFETCH(int64_t, size);
  QFETCH(QString, reason);
  const std::string message = errorMessage<RunError>([&] { decodePositions(blob, size, "layer"); });
  QVERIFY2(message.rfind(reason.toStdString(), 0) == 0, message.c_str());
}

void TestPositionCoding::setBitsBecomePositions() {
  const std::vector<uint8_t> bits{0x81, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04};
  QCOMPARE(positionsOfSetBits(bits, 67, "bits"), (std::vector<int64_t>{0, 7, 66}));
  QCOMPARE(positionsOfSetBits(bits, 72, "bits"), (std::vector<int64_t>{0, 7, 66}));
  QVERIFY(errorMessage<RunError>([&] { positionsOfSetBits(bits, 66, "bits"); }).find("a bit set at 66") !=
          std::string::npos);
  QVERIFY(errorMessage<RunError>([&] { positionsOfSetBits(bits, 73, "bits"); }).find("cannot hold 73") !=
          std::string::npos);
}

QTEST_APPLESS_MAIN(TestPositionCoding)
#include "tst_position_coding.moc"
