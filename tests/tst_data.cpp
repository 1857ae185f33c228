#include <omp.h>
#include <zlib.h>

#include <QTemporaryDir>
#include <QtTest>
#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <functional>
#include <limits>
#include <numeric>
#include <set>
#include <tuple>
#include <utility>

#include "core/error.h"
#include "core/rng.h"
#include "data/batch_loader.h"
#include "data/cifar_class_names.h"
#include "data/data_source.h"
#include "data/dataset.h"
#include "data/pixel_scale.h"
#include "data/preprocessing.h"
#include "data/readers.h"
#include "data/synthetic.h"
#include "test_helpers.h"

using namespace ss;

namespace {

constexpr int kImages = 3;
constexpr int kHeight = 4;
constexpr int kWidth = 5;
constexpr int kCifarPixels = 3 * 32 * 32;
constexpr int kCifarRecord = 1 + kCifarPixels;
constexpr int kCifar100Record = 2 + kCifarPixels;
const QString kCifarSource = "https://www.cs.toronto.edu/~kriz/cifar.html";

unsigned char testPixel(int index) {
  return static_cast<unsigned char>((index * 37 + 11) % 256);
}

QByteArray idxImages(uint32_t count, uint32_t height, uint32_t width, int pixelBytes, unsigned char type = 0x08) {
  const std::vector<unsigned char> header = idxHeader({count, height, width}, type);
  QByteArray out(reinterpret_cast<const char*>(header.data()), qsizetype(header.size()));
  for (int i = 0; i < pixelBytes; ++i) out.append(char(testPixel(i)));
  return out;
}

QByteArray idxImages() {
  return idxImages(kImages, kHeight, kWidth, kImages * kHeight * kWidth);
}

QByteArray idxLabels(uint32_t count, const QByteArray& labels) {
  const std::vector<unsigned char> header = idxHeader({count});
  return QByteArray(reinterpret_cast<const char*>(header.data()), qsizetype(header.size())) + labels;
}

QByteArray testLabels() {
  return QByteArray("\x02\x00\x04", 3);
}

QByteArray gzip(const QByteArray& raw) {
  z_stream z{};
  deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  QByteArray out(int(deflateBound(&z, uLong(raw.size())) + 32), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data()));
  z.avail_in = uInt(raw.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = uInt(out.size());
  deflate(&z, Z_FINISH);
  out.resize(qsizetype(z.total_out));
  deflateEnd(&z);
  return out;
}

std::string writeBytes(const QTemporaryDir& dir, const std::string& name, const QByteArray& bytes) {
  return writeTestFile(dir, name, std::vector<unsigned char>(bytes.begin(), bytes.end()));
}

// The message of the InputError that f throws, or a note saying it threw nothing (or something else).
QString inputErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return QString::fromStdString(e.what());
  } catch (const std::exception& e) {
    return "not an InputError: " + QString::fromStdString(e.what());
  }
  return "no error thrown";
}

QByteArray cifarPixels(int seed) {
  QByteArray out;
  for (int i = 0; i < kCifarPixels; ++i) out.append(char((i * 13 + seed * 101) % 256));
  return out;
}

QByteArray cifarRecord(int label, int seed) {
  return QByteArray(1, char(label)) + cifarPixels(seed);
}

QByteArray cifar100Record(int coarse, int fine, int seed) {
  return QByteArray(1, char(coarse)) + QByteArray(1, char(fine)) + cifarPixels(seed);
}

// A folder of the binary version of `dataset` (cifar10 or cifar100) with `records` records in each file, leaving out
// the files named in `absent`.
void writeCifarFolder(const QTemporaryDir& dir, const std::string& dataset, int records,
                      const std::set<std::string>& absent = {}) {
  const bool cifar10 = dataset == "cifar10";
  const std::vector<std::string> files =
      cifar10 ? std::vector<std::string>{"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
                                         "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"}
              : std::vector<std::string>{"train.bin", "test.bin"};
  for (const std::string& file : files) {
    if (absent.count(file)) continue;
    QByteArray bytes;
    for (int r = 0; r < records; ++r) bytes += cifar10 ? cifarRecord(r % 10, r) : cifar100Record(r % 20, r % 100, r);
    writeBytes(dir, file, bytes);
  }
}

// Every value of a set as one float matrix, to compare with; the engine itself never makes one.
Matrix allValues(const FeatureRows& features) {
  std::vector<int64_t> rows(size_t(features.rows()));
  std::iota(rows.begin(), rows.end(), int64_t(0));
  Matrix values(features.rows(), features.cols());
  features.copyRows(rows, values);
  return values;
}

// Labels 0, 1, ..., classes - 1 in turn, original indices from 1000, and a flat shape of `features`.
void labelInTurn(Dataset& set, int64_t n, int classes, int features) {
  for (int64_t i = 0; i < n; ++i) {
    set.labels.push_back(int32_t(i % classes));
    set.originalIndex.push_back(1000 + i);
  }
  set.classCount = classes;
  set.shape = {1, 1, features};
}

Dataset countingSet(int64_t n, int features = 3) {
  Dataset set;
  set.name = "counting";
  Matrix values(n, features);
  for (int64_t i = 0; i < n; ++i)
    for (int f = 0; f < features; ++f) values(i, f) = float(i * 10 + f);
  set.features = FeatureRows(std::move(values));
  labelInTurn(set, n, 4, features);
  return set;
}

// A set of random pixel bytes, as an image reader makes it: `pixels` values per example in `channels` channels.
Dataset pixelSet(int64_t n, int pixels, uint64_t seed, int channels = 1) {
  Rng rng(seed);
  ByteMatrix bytes(n, pixels);
  for (Eigen::Index i = 0; i < bytes.size(); ++i) bytes.data()[i] = static_cast<uint8_t>(rng.below(256));
  Dataset set;
  set.name = "pixels";
  set.features = FeatureRows(std::move(bytes), pixelScale(), channels);
  labelInTurn(set, n, 3, pixels);
  return set;
}

// How every set was standardised before byte rows: in place, over a float matrix of the whole set.
Normalization wholeSetNormalization(const Matrix& values) {
  const double count = double(values.size());
  const double mean = values.cast<double>().sum() / count;
  const double variance = (values.cast<double>().array() - mean).square().sum() / count;
  const double stddev = std::sqrt(variance);
  return {float(mean), stddev > 1e-12 ? float(stddev) : 1.0f};
}

void standardiseWholeSet(Matrix& values, const Normalization& n) {
  values.array() = (values.array() - n.mean) / n.stddev;
}

Matrix rowsOf(const Matrix& values, const std::vector<int64_t>& rows) {
  Matrix out(Eigen::Index(rows.size()), values.cols());
  for (size_t i = 0; i < rows.size(); ++i) out.row(Eigen::Index(i)) = values.row(Eigen::Index(rows[i]));
  return out;
}

// Every batch a loader of the set hands out (shuffled with seed, or in order) holds exactly the floats of the
// same rows of expected.
void compareBatches(const Dataset& set, const Matrix& expected, int batchSize, bool shuffle, uint64_t seed) {
  BatchLoader loader(set, batchSize, shuffle);
  Rng rng(seed);
  loader.beginEpoch(rng);
  Matrix x;
  std::vector<int32_t> labels;
  std::vector<int64_t> rows;
  for (int64_t b = 0; b < loader.batchCount(); ++b) {
    loader.batch(b, x, labels, rows);
    QVERIFY2(x == rowsOf(expected, rows), qPrintable(QString("%1: batch %2 differs").arg(set.name.c_str()).arg(b)));
  }
}

// The splits' batches against the conversion every set went through before byte rows: the files' whole sets as
// floats, split by the examples' original indices and standardised with the training half's statistics.
void compareWithWholeSetConversion(const DataSplits& splits, const Matrix& trainFile, const Matrix& testFile,
                                   bool normalize, int batchSize) {
  Matrix train = rowsOf(trainFile, splits.train.originalIndex);
  Matrix validation = rowsOf(trainFile, splits.validation.originalIndex);
  Matrix test = testFile;
  if (normalize) {
    const Normalization n = wholeSetNormalization(train);
    for (Matrix* values : {&train, &validation, &test}) standardiseWholeSet(*values, n);
  }
  compareBatches(splits.train, train, batchSize, true, 21);
  compareBatches(splits.validation, validation, batchSize, false, 0);
  compareBatches(splits.test, test, 1000, false, 0);
}

std::vector<int64_t> epochRows(const BatchLoader& loader) {
  std::vector<int64_t> all;
  Matrix x;
  std::vector<int32_t> labels;
  std::vector<int64_t> rows;
  for (int64_t b = 0; b < loader.batchCount(); ++b) {
    loader.batch(b, x, labels, rows);
    all.insert(all.end(), rows.begin(), rows.end());
  }
  return all;
}

std::vector<int64_t> iotaRows(int64_t n) {
  std::vector<int64_t> rows(static_cast<size_t>(n));
  std::iota(rows.begin(), rows.end(), int64_t(0));
  return rows;
}

// Mean and standard deviation, in double, of the values of `count` columns from `first`, over every row: one
// channel's statistics, worked out here apart from the engine's.
std::pair<double, double> columnStatistics(const Matrix& values, int64_t first, int64_t count) {
  const Eigen::MatrixXd channel = values.middleCols(first, count).cast<double>();
  const double mean = channel.mean();
  return {mean, std::sqrt((channel.array() - mean).square().mean())};
}

// Pixels of three channels, each around its own level by up to its spread either way, as a photo's red, green and
// blue planes differ.
ByteMatrix colourPixels(int64_t examples, int64_t channelWidth, const std::array<int, 3>& levels,
                        const std::array<int, 3>& spreads, Rng& rng) {
  ByteMatrix pixels(examples, 3 * channelWidth);
  for (int64_t r = 0; r < examples; ++r)
    for (int c = 0; c < 3; ++c)
      for (int64_t i = 0; i < channelWidth; ++i)
        pixels(r, c * channelWidth + i) =
            static_cast<uint8_t>(levels[size_t(c)] + rng.below(2 * spreads[size_t(c)] + 1) - spreads[size_t(c)]);
  return pixels;
}

}  // namespace

class TestData : public QObject {
  Q_OBJECT

 private slots:
  void readsIdxExactly_data();
  void readsIdxExactly();
  void rejectsDamagedIdx_data();
  void rejectsDamagedIdx();
  void rejectsMissingIdxFile_data();
  void rejectsMissingIdxFile();
  void readsGzipWithSeveralMembers();
  void readsGzipLargerThanOneReadBuffer();
  void rejectsFolderAsDataFile();

  void readsCifarRecordsExactly();
  void readsCifarFilesInOrder();
  void rejectsDamagedCifar_data();
  void rejectsDamagedCifar();
  void readsCifar100FineOrCoarseLabels_data();
  void readsCifar100FineOrCoarseLabels();
  void rejectsDamagedCifar100_data();
  void rejectsDamagedCifar100();
  void missingCifarFilesAreNamedWithTheirSource_data();
  void missingCifarFilesAreNamedWithTheirSource();
  void cifarClassNamesComeFromTheFolderWhenItHasThem_data();
  void cifarClassNamesComeFromTheFolderWhenItHasThem();
  void refusesCifarNamesFileOfTheWrongLength();

  void readsCsv_data();
  void readsCsv();
  void rejectsBadCsv_data();
  void rejectsBadCsv();
  void readsGzippedCsv();

  void syntheticIsDeterministicForSeed_data();
  void syntheticIsDeterministicForSeed();
  void syntheticHasRequestedCountsAndClasses_data();
  void syntheticHasRequestedCountsAndClasses();
  void syntheticRejectsBadOptions();

  void subsetKeepsOriginalIndex();
  void subsetOfByteRowsStaysBytes_data();
  void subsetOfByteRowsStaysBytes();
  void featureRowsRefuseChannelsThatDoNotSplitTheRow();
  void residentBytesCountTheStoredForm_data();
  void residentBytesCountTheStoredForm();

  void batchLoaderVisitsEveryExampleOncePerEpoch_data();
  void batchLoaderVisitsEveryExampleOncePerEpoch();
  void batchLoaderCopiesTheRowsItNames_data();
  void batchLoaderCopiesTheRowsItNames();
  void batchLoaderShuffleDiffersBetweenEpochsButRepeatsForSeed();
  void batchLoaderWithoutShuffleKeepsFileOrder();
  void batchLoaderLastBatchIsShort_data();
  void batchLoaderLastBatchIsShort();
  void batchLoaderUsesOnlyRowsInUse();

  void validationSplitHasRequestedSizeAndIsDisjoint_data();
  void validationSplitHasRequestedSizeAndIsDisjoint();
  void validationSplitRejectsBadFraction_data();
  void validationSplitRejectsBadFraction();

  void normalisationGivesMeanZeroAndUnitStddev();
  void normalisationLeavesConstantSetUnscaled();
  void normalisationOfByteRowsMatchesTheWholeSetSums();
  void normalisationStandardisesEachChannelOnItsOwn_data();
  void normalisationStandardisesEachChannelOnItsOwn();
  void cifarChannelsAreStandardisedWithTheTrainingStatistics();
  void byteRowsGiveTheFloatsOfTheWholeSetConversion_data();
  void byteRowsGiveTheFloatsOfTheWholeSetConversion();

  void readsFashionMnist();
  void fashionMnistBatchesMatchTheWholeSetConversion();
  void refusesLabelsBeyondTheClassesOfFashionMnist();
};

void TestData::readsIdxExactly_data() {
  QTest::addColumn<bool>("gzipImages");
  QTest::addColumn<bool>("gzipLabels");
  QTest::newRow("raw") << false << false;
  QTest::newRow("gzip") << true << true;
  QTest::newRow("gzip images, raw labels") << true << false;
  QTest::newRow("raw images, gzip labels") << false << true;
}

void TestData::readsIdxExactly() {
  QFETCH(bool, gzipImages);
  QFETCH(bool, gzipLabels);
  QTemporaryDir dir;
  // Names without .gz: the format is detected from the content.
  const std::string images = writeBytes(dir, "images.idx", gzipImages ? gzip(idxImages()) : idxImages());
  const std::string labels =
      writeBytes(dir, "labels.idx", gzipLabels ? gzip(idxLabels(3, testLabels())) : idxLabels(3, testLabels()));

  const Dataset set = readIdx(images, labels, "tiny");
  QCOMPARE(set.name, std::string("tiny"));
  QCOMPARE(set.size(), int64_t(kImages));
  QCOMPARE(set.shape.channels, 1);
  QCOMPARE(set.shape.height, kHeight);
  QCOMPARE(set.shape.width, kWidth);
  QCOMPARE(set.features.rows(), int64_t(kImages));
  QCOMPARE(set.features.cols(), int64_t(kHeight * kWidth));
  QVERIFY(set.features.holdsBytes());
  Matrix expected(kImages, kHeight * kWidth);
  for (int i = 0; i < expected.size(); ++i) expected.data()[i] = float(testPixel(i)) / 255.0f;
  QVERIFY(allValues(set.features) == expected);
  QCOMPARE(set.labels, (std::vector<int32_t>{2, 0, 4}));
  QCOMPARE(set.originalIndex, (std::vector<int64_t>{0, 1, 2}));
  QCOMPARE(set.classCount, 5);
}

void TestData::rejectsDamagedIdx_data() {
  QTest::addColumn<QByteArray>("images");
  QTest::addColumn<QByteArray>("labels");
  QTest::addColumn<QString>("message");
  const QByteArray goodLabels = idxLabels(3, testLabels());
  QTest::newRow("truncated images") << idxImages(3, 4, 5, 20) << goodLabels
                                    << "images.idx: truncated: expected 60 pixel bytes, found 20";
  QTest::newRow("truncated labels") << idxImages() << idxLabels(3, QByteArray(2, '\1'))
                                    << "labels.idx: truncated: expected 3 label bytes, found 2";
  QTest::newRow("labels given as images")
      << goodLabels << goodLabels << "images.idx: wrong magic 0x00000801, expected 0x00000803 (idx3 images)";
  QTest::newRow("images given as labels")
      << idxImages() << idxImages() << "labels.idx: wrong magic 0x00000803, expected 0x00000801 (idx1 labels)";
  QTest::newRow("not idx at all") << QByteArray("hello, world, this is text") << goodLabels
                                  << "images.idx: wrong magic 0x68656C6C, expected 0x00000803";
  QTest::newRow("count mismatch") << idxImages() << idxLabels(2, QByteArray(2, '\1'))
                                  << "images and labels disagree: 3 images, 2 labels";
  QTest::newRow("float pixels") << idxImages(3, 4, 5, 60, 0x0D) << goodLabels
                                << "images.idx: data type 0x0D is not supported, expected 0x08";
  QTest::newRow("short header") << idxImages().left(10) << goodLabels
                                << "images.idx: truncated: 10 bytes, an idx3 images header needs 16";
  QTest::newRow("empty images file") << QByteArray() << goodLabels << "images.idx: truncated: 0 bytes";
  QTest::newRow("trailing bytes") << idxImages() + QByteArray(7, '\0') << goodLabels
                                  << "images.idx: 7 unexpected bytes after the 60 pixel bytes";
  // Found by fuzz_idx: the header's sizes were allocated before any pixel was read. 65536 images of
  // 32768x32768 pixels would take 256 TiB of floats, more than any address space, so this case fails without the
  // check instead of passing by virtual memory's grace.
  QTest::newRow("header claims more pixels than the file holds")
      << idxImages(65536, 32768, 32768, 100) << idxLabels(65536, QByteArray(65536, '\1'))
      << "images.idx: truncated: expected 70368744177664 pixel bytes, found 100";
  QTest::newRow("gzip header claims more pixels than the file holds")
      << gzip(idxImages(65536, 32768, 32768, 100)) << idxLabels(65536, QByteArray(65536, '\1'))
      << "images.idx: truncated: expected 70368744177664 pixel bytes, found 100";
  QTest::newRow("no images") << idxImages(0, 4, 5, 0) << idxLabels(0, {})
                             << "images.idx: the header announces no images";
  const QByteArray packed = gzip(idxImages());
  QTest::newRow("truncated gzip") << packed.left(packed.size() / 2) << goodLabels
                                  << "images.idx: truncated gzip stream";
  QByteArray corrupt = packed;
  for (int i = 10; i < corrupt.size() - 8; ++i) corrupt[i] = char(0xff);
  QTest::newRow("corrupt gzip") << corrupt << goodLabels << "images.idx: damaged gzip stream";
}

void TestData::rejectsDamagedIdx() {
  QFETCH(QByteArray, images);
  QFETCH(QByteArray, labels);
  QFETCH(QString, message);
  QTemporaryDir dir;
  const std::string imagesPath = writeBytes(dir, "images.idx", images);
  const std::string labelsPath = writeBytes(dir, "labels.idx", labels);
  const QString error = inputErrorOf([&] { readIdx(imagesPath, labelsPath, "bad"); });
  QVERIFY2(error.contains(message), qPrintable(error));
}

void TestData::rejectsMissingIdxFile_data() {
  QTest::addColumn<bool>("imagesMissing");
  QTest::newRow("images missing") << true;
  QTest::newRow("labels missing") << false;
}

void TestData::rejectsMissingIdxFile() {
  QFETCH(bool, imagesMissing);
  QTemporaryDir dir;
  const std::string present = writeBytes(dir, imagesMissing ? "labels.idx" : "images.idx",
                                         imagesMissing ? idxLabels(3, testLabels()) : idxImages());
  const std::string missing = dir.path().toStdString() + "/absent.idx.gz";
  const QString error =
      inputErrorOf([&] { imagesMissing ? readIdx(missing, present, "x") : readIdx(present, missing, "x"); });
  QVERIFY2(error.contains(QString::fromStdString(missing) + ": no such file"), qPrintable(error));
}

void TestData::readsGzipWithSeveralMembers() {
  QTemporaryDir dir;
  const QByteArray raw = idxImages();
  const std::string images = writeBytes(dir, "images.gz", gzip(raw.left(25)) + gzip(raw.mid(25)));
  const std::string labels = writeBytes(dir, "labels.gz", gzip(idxLabels(3, testLabels())));
  const Dataset set = readIdx(images, labels, "members");
  QCOMPARE(set.size(), int64_t(kImages));
  QCOMPARE(set.features.value(2, 19), float(testPixel(59)) / 255.0f);
}

void TestData::readsGzipLargerThanOneReadBuffer() {
  constexpr int count = 700;
  constexpr int side = 28;
  QByteArray raw = idxImages(count, side, side, 0);
  Rng rng(17);
  Matrix expected(count, side * side);
  for (int i = 0; i < count * side * side; ++i) {
    const auto pixel = static_cast<unsigned char>(rng.below(256));
    raw.append(char(pixel));
    expected.data()[i] = float(pixel) / 255.0f;
  }
  const QByteArray labels = idxLabels(count, QByteArray(count, '\3'));
  const QByteArray packed = gzip(raw);
  QVERIFY2(packed.size() > (1 << 18), "the test file must span several read buffers");
  QTemporaryDir dir;
  const Dataset set = readIdx(writeBytes(dir, "images.gz", packed), writeBytes(dir, "labels.gz", gzip(labels)), "big");
  QVERIFY(allValues(set.features) == expected);
  QCOMPARE(set.classCount, 4);
}

void TestData::rejectsFolderAsDataFile() {
  QTemporaryDir dir;
  const std::string folder = dir.path().toStdString();
  const QString error = inputErrorOf([&] { readCsv(folder, "x"); });
  QVERIFY2(error.contains(QString::fromStdString(folder) + ": is a folder, not a file"), qPrintable(error));
}

void TestData::readsCifarRecordsExactly() {
  QTemporaryDir dir;
  const std::string path = writeBytes(dir, "data_batch_1.bin", cifarRecord(3, 0) + cifarRecord(9, 1));
  const Dataset set = readCifar10({path}, "cifar");
  QCOMPARE(set.size(), int64_t(2));
  QCOMPARE(set.shape.channels, 3);
  QCOMPARE(set.shape.height, 32);
  QCOMPARE(set.shape.width, 32);
  QCOMPARE(set.classCount, 10);
  QCOMPARE(set.classNames.size(), size_t(10));
  QCOMPARE(set.classNames.front(), std::string("airplane"));
  QCOMPARE(set.classNames.back(), std::string("truck"));
  QCOMPARE(set.labels, (std::vector<int32_t>{3, 9}));
  QCOMPARE(set.originalIndex, (std::vector<int64_t>{0, 1}));
  Matrix expected(2, kCifarRecord - 1);
  for (int r = 0; r < 2; ++r) {
    const QByteArray record = cifarRecord(0, r);
    for (int i = 0; i < kCifarRecord - 1; ++i)
      expected(r, i) = float(static_cast<unsigned char>(record[1 + i])) / 255.0f;
  }
  QVERIFY(set.features.holdsBytes());
  QVERIFY(allValues(set.features) == expected);
}

void TestData::readsCifarFilesInOrder() {
  QTemporaryDir dir;
  const std::string first = writeBytes(dir, "data_batch_1.bin", cifarRecord(1, 0) + cifarRecord(2, 1));
  const std::string second = writeBytes(dir, "data_batch_2.bin", cifarRecord(7, 2));
  const Dataset set = readCifar10({first, second}, "cifar");
  QCOMPARE(set.labels, (std::vector<int32_t>{1, 2, 7}));
  QCOMPARE(set.originalIndex, (std::vector<int64_t>{0, 1, 2}));
  QCOMPARE(set.features.value(2, 0), float(static_cast<unsigned char>(cifarRecord(7, 2)[1])) / 255.0f);
}

void TestData::rejectsDamagedCifar_data() {
  QTest::addColumn<QByteArray>("bytes");
  QTest::addColumn<QString>("message");
  const QByteArray two = cifarRecord(3, 0) + cifarRecord(4, 1);
  QTest::newRow("truncated record")
      << two.left(two.size() - 100)
      << "data.bin: truncated: last record has 2973 of 3073 bytes (after 1 whole records)";
  QTest::newRow("label out of range") << cifarRecord(3, 0) + cifarRecord(12, 1)
                                      << "data.bin: record 1: label 12 out of range 0..9";
  QTest::newRow("empty file") << QByteArray() << "data.bin: empty file";
}

void TestData::rejectsDamagedCifar() {
  QFETCH(QByteArray, bytes);
  QFETCH(QString, message);
  QTemporaryDir dir;
  const std::string good = writeBytes(dir, "good.bin", cifarRecord(0, 0));
  const std::string path = writeBytes(dir, "data.bin", bytes);
  const QString error = inputErrorOf([&] { readCifar10({good, path}, "cifar"); });
  QVERIFY2(error.contains(message), qPrintable(error));
}

void TestData::readsCifar100FineOrCoarseLabels_data() {
  QTest::addColumn<bool>("coarse");
  QTest::addColumn<std::vector<int32_t>>("labels");
  QTest::addColumn<int>("classes");
  QTest::addColumn<QString>("firstName");
  QTest::addColumn<QString>("lastName");
  // The records' (coarse, fine) labels are (3, 47), (19, 99) and (0, 0).
  QTest::newRow("fine") << false << std::vector<int32_t>{47, 99, 0} << 100 << "apple"
                        << "worm";
  QTest::newRow("coarse") << true << std::vector<int32_t>{3, 19, 0} << 20 << "aquatic_mammals"
                          << "vehicles_2";
}

void TestData::readsCifar100FineOrCoarseLabels() {
  QFETCH(bool, coarse);
  QFETCH(std::vector<int32_t>, labels);
  QFETCH(int, classes);
  QFETCH(QString, firstName);
  QFETCH(QString, lastName);
  QTemporaryDir dir;
  const std::string path =
      writeBytes(dir, "train.bin", cifar100Record(3, 47, 0) + cifar100Record(19, 99, 1) + cifar100Record(0, 0, 2));
  const Dataset set = readCifar100({path}, "cifar100", coarse ? Cifar100Labels::Coarse : Cifar100Labels::Fine);
  QCOMPARE(set.size(), int64_t(3));
  QCOMPARE(set.labels, labels);
  QCOMPARE(set.originalIndex, (std::vector<int64_t>{0, 1, 2}));
  QCOMPARE(set.classCount, classes);
  QCOMPARE(set.classNames.size(), size_t(classes));
  QCOMPARE(QString::fromStdString(set.classNames.front()), firstName);
  QCOMPARE(QString::fromStdString(set.classNames.back()), lastName);
  QCOMPARE(set.shape.channels, 3);
  QCOMPARE(set.shape.height, 32);
  QCOMPARE(set.shape.width, 32);
  QVERIFY(set.features.holdsBytes());
  QCOMPARE(set.features.channels(), 3);
  Matrix expected(3, kCifarPixels);
  for (int r = 0; r < 3; ++r) {
    const QByteArray pixels = cifarPixels(r);
    for (int i = 0; i < kCifarPixels; ++i) expected(r, i) = float(static_cast<unsigned char>(pixels[i])) / 255.0f;
  }
  QVERIFY(allValues(set.features) == expected);
}

void TestData::rejectsDamagedCifar100_data() {
  QTest::addColumn<QByteArray>("bytes");
  QTest::addColumn<QString>("message");
  const QByteArray two = cifar100Record(3, 47, 0) + cifar100Record(4, 12, 1);
  QTest::newRow("truncated record")
      << two.left(two.size() - 100)
      << "data.bin: truncated: last record has 2974 of 3074 bytes (after 1 whole records)";
  QTest::newRow("fine label out of range") << cifar100Record(3, 47, 0) + cifar100Record(4, 100, 1)
                                           << "data.bin: record 1: fine label 100 out of range 0..99";
  // The coarse label is checked though the set keeps the fine one: out of range, the file is damaged or foreign.
  QTest::newRow("coarse label out of range") << cifar100Record(3, 47, 0) + cifar100Record(20, 12, 1)
                                             << "data.bin: record 1: coarse label 20 out of range 0..19";
  QTest::newRow("a CIFAR-10 file") << cifarRecord(3, 0) + cifarRecord(4, 1)
                                   << "data.bin: truncated: last record has 3072 of 3074 bytes (after 1 whole records)";
  QTest::newRow("empty file") << QByteArray() << "data.bin: empty file";
}

void TestData::rejectsDamagedCifar100() {
  QFETCH(QByteArray, bytes);
  QFETCH(QString, message);
  QTemporaryDir dir;
  const std::string good = writeBytes(dir, "good.bin", cifar100Record(0, 0, 0));
  const std::string path = writeBytes(dir, "data.bin", bytes);
  const QString error = inputErrorOf([&] { readCifar100({good, path}, "cifar100", Cifar100Labels::Fine); });
  QVERIFY2(error.contains(message), qPrintable(error));
}

void TestData::missingCifarFilesAreNamedWithTheirSource_data() {
  QTest::addColumn<QString>("dataset");
  QTest::addColumn<bool>("folderExists");
  QTest::addColumn<QString>("absentFile");  // left out of the folder; empty when the folder itself is absent
  QTest::addColumn<QString>("missing");     // the message's first words, after the folder
  QTest::addColumn<QString>("expectedFiles");
  QTest::addColumn<QString>("archive");
  const QString cifar10Files = "data_batch_1.bin .. data_batch_5.bin and test_batch.bin";
  QTest::newRow("cifar10, no folder") << "cifar10" << false << ""
                                      << ": data folder not found" << cifar10Files << "cifar-10-binary.tar.gz";
  QTest::newRow("cifar10, no test batch")
      << "cifar10" << true << "test_batch.bin"
      << "/test_batch.bin: data file not found" << cifar10Files << "cifar-10-binary.tar.gz";
  QTest::newRow("cifar10, a training batch missing")
      << "cifar10" << true << "data_batch_3.bin"
      << "/data_batch_3.bin: data file not found" << cifar10Files << "cifar-10-binary.tar.gz";
  QTest::newRow("cifar100, no folder") << "cifar100" << false << ""
                                       << ": data folder not found"
                                       << "train.bin and test.bin"
                                       << "cifar-100-binary.tar.gz";
  QTest::newRow("cifar100, no test file") << "cifar100" << true << "test.bin"
                                          << "/test.bin: data file not found"
                                          << "train.bin and test.bin"
                                          << "cifar-100-binary.tar.gz";
}

void TestData::missingCifarFilesAreNamedWithTheirSource() {
  QFETCH(QString, dataset);
  QFETCH(bool, folderExists);
  QFETCH(QString, absentFile);
  QFETCH(QString, missing);
  QFETCH(QString, expectedFiles);
  QFETCH(QString, archive);
  QTemporaryDir dir;
  writeCifarFolder(dir, dataset.toStdString(), 2, {absentFile.toStdString()});
  DataSpec spec;
  spec.dataset = dataset.toStdString();
  spec.dir = dir.path().toStdString() + (folderExists ? "" : "/absent");
  Rng rng(1);
  const QString error = inputErrorOf([&] { loadDataSplits(spec, rng); });
  QVERIFY2(error.startsWith(QString::fromStdString(spec.dir) + missing), qPrintable(error));
  QVERIFY2(error.contains(expectedFiles), qPrintable(error));
  QVERIFY2(error.contains(archive), qPrintable(error));
  QVERIFY2(error.contains(kCifarSource), qPrintable(error));
}

void TestData::cifarClassNamesComeFromTheFolderWhenItHasThem_data() {
  QTest::addColumn<QString>("dataset");
  QTest::addColumn<QString>("labels");
  QTest::addColumn<QString>("namesFile");  // empty for none
  QTest::addColumn<QStringList>("fileNames");
  QTest::addColumn<QStringList>("expected");
  QStringList fine, coarse;
  for (int i = 0; i < 100; ++i) fine << QString("fine-%1").arg(i);
  for (int i = 0; i < 20; ++i) coarse << QString("coarse %1").arg(i);
  QStringList publishedFine, publishedCoarse;
  for (const std::string& name : cifar100FineClassNames()) publishedFine << QString::fromStdString(name);
  for (const std::string& name : cifar100CoarseClassNames()) publishedCoarse << QString::fromStdString(name);
  const QStringList cifar10 = {"plane", "car", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "lorry"};
  const QStringList published10 = {"airplane", "automobile", "bird",  "cat",  "deer",
                                   "dog",      "frog",       "horse", "ship", "truck"};
  QTest::newRow("cifar10, batches.meta.txt") << "cifar10"
                                             << "fine"
                                             << "batches.meta.txt" << cifar10 << cifar10;
  QTest::newRow("cifar10, no names file") << "cifar10"
                                          << "fine"
                                          << "" << QStringList() << published10;
  QTest::newRow("cifar100 fine, fine_label_names.txt") << "cifar100"
                                                       << "fine"
                                                       << "fine_label_names.txt" << fine << fine;
  QTest::newRow("cifar100 coarse, coarse_label_names.txt") << "cifar100"
                                                           << "coarse"
                                                           << "coarse_label_names.txt" << coarse << coarse;
  // The fine names do not name the superclasses.
  QTest::newRow("cifar100 coarse, only fine_label_names.txt") << "cifar100"
                                                              << "coarse"
                                                              << "fine_label_names.txt" << fine << publishedCoarse;
  QTest::newRow("cifar100 fine, no names file") << "cifar100"
                                                << "fine"
                                                << "" << QStringList() << publishedFine;
}

void TestData::cifarClassNamesComeFromTheFolderWhenItHasThem() {
  QFETCH(QString, dataset);
  QFETCH(QString, labels);
  QFETCH(QString, namesFile);
  QFETCH(QStringList, fileNames);
  QFETCH(QStringList, expected);
  QTemporaryDir dir;
  writeCifarFolder(dir, dataset.toStdString(), 3);
  // As the published files are: one name a line, blank lines at the end; CRLF here.
  if (!namesFile.isEmpty())
    writeTestText(dir, namesFile.toStdString(), (fileNames.join("\r\n") + "\r\n\n\n").toStdString());
  DataSpec spec;
  spec.dataset = dataset.toStdString();
  spec.dir = dir.path().toStdString();
  spec.labels = labels.toStdString();
  Rng rng(1);
  const DataSplits splits = loadDataSplits(spec, rng);
  QCOMPARE(splits.train.classCount, int(expected.size()));
  QStringList names;
  for (const std::string& name : splits.train.classNames) names << QString::fromStdString(name);
  QCOMPARE(names, expected);
  QCOMPARE(splits.test.classNames, splits.train.classNames);
}

void TestData::refusesCifarNamesFileOfTheWrongLength() {
  QTemporaryDir dir;
  writeCifarFolder(dir, "cifar10", 2);
  const std::string path = writeTestText(dir, "batches.meta.txt", "a\nb\nc\nd\ne\nf\ng\nh\ni\n\n");
  DataSpec spec;
  spec.dataset = "cifar10";
  spec.dir = dir.path().toStdString();
  Rng rng(1);
  const QString error = inputErrorOf([&] { loadDataSplits(spec, rng); });
  QVERIFY2(error.contains(QString::fromStdString(path) + ": 9 class names, expected 10, one a line"),
           qPrintable(error));
}

void TestData::readsCsv_data() {
  QTest::addColumn<QString>("text");
  QTest::addColumn<QList<int>>("labels");
  QTest::addColumn<QList<float>>("features");
  QTest::addColumn<int>("featureCount");
  QTest::newRow("no header") << "1,0.5,2\n0,-1,3e2\n2,4,5\n"
                             << QList<int>{1, 0, 2} << QList<float>{0.5f, 2, -1, 300, 4, 5} << 2;
  QTest::newRow("header") << "label,x,y\n1,0.5,2\n0,-1,3e2\n"
                          << QList<int>{1, 0} << QList<float>{0.5f, 2, -1, 300} << 2;
  QTest::newRow("CRLF, blank lines, no final newline")
      << "label,a,b,c\r\n\r\n3,1,2,3\r\n\r\n0,4,5,6" << QList<int>{3, 0} << QList<float>{1, 2, 3, 4, 5, 6} << 3;
  QTest::newRow("spaces and plus signs") << " 1 , +0.25 ,\t7\n" << QList<int>{1} << QList<float>{0.25f, 7} << 2;
}

void TestData::readsCsv() {
  QFETCH(QString, text);
  QFETCH(QList<int>, labels);
  QFETCH(QList<float>, features);
  QFETCH(int, featureCount);
  QTemporaryDir dir;
  const std::string path = writeTestText(dir, "x.csv", text.toStdString());
  const Dataset set = readCsv(path, "table");
  QCOMPARE(set.name, std::string("table"));
  QCOMPARE(set.size(), int64_t(labels.size()));
  QCOMPARE(set.features.cols(), int64_t(featureCount));
  QVERIFY(!set.features.holdsBytes());
  QCOMPARE(set.shape.size(), featureCount);
  QCOMPARE(set.shape.width, featureCount);
  for (qsizetype i = 0; i < labels.size(); ++i) {
    QCOMPARE(set.labels[size_t(i)], labels[i]);
    QCOMPARE(set.originalIndex[size_t(i)], int64_t(i));
  }
  const Matrix values = allValues(set.features);
  for (qsizetype i = 0; i < features.size(); ++i) QCOMPARE(values.data()[i], features[i]);
  QCOMPARE(set.classCount, *std::max_element(labels.begin(), labels.end()) + 1);
}

void TestData::rejectsBadCsv_data() {
  QTest::addColumn<QString>("text");
  QTest::addColumn<QString>("message");
  QTest::newRow("ragged line") << "label,a,b\n1,2,3\n0,1\n"
                               << "x.csv:3: expected 3 fields, found 2";
  QTest::newRow("too many fields") << "1,2,3\n0,1,2,3\n"
                                   << "x.csv:2: expected 3 fields, found 4";
  QTest::newRow("non-numeric field") << "1,2,3\n0,1,abc\n"
                                     << "x.csv:2: field 3 \"abc\" is not a finite number";
  QTest::newRow("non-finite field") << "1,2,nan\n"
                                    << "x.csv:1: field 3 \"nan\" is not a finite number";
  QTest::newRow("empty field") << "1,,3\n"
                               << "x.csv:1: field 2 is empty";
  QTest::newRow("negative label") << "1,2,3\n-1,1,2\n"
                                  << "x.csv:2: label -1 out of range";
  QTest::newRow("fractional label") << "1.5,2,3\n"
                                    << "x.csv:1: label \"1.5\" is not an integer";
  QTest::newRow("huge label") << "70000,2,3\n"
                              << "x.csv:1: label 70000 out of range 0..65535";
  QTest::newRow("label only") << "1\n2\n"
                              << "x.csv:1: expected a label and at least one feature, found 1 field";
  QTest::newRow("empty file") << ""
                              << "x.csv: no examples";
  QTest::newRow("header only") << "label,a,b\n"
                               << "x.csv: no examples";
}

void TestData::rejectsBadCsv() {
  QFETCH(QString, text);
  QFETCH(QString, message);
  QTemporaryDir dir;
  const std::string path = writeTestText(dir, "x.csv", text.toStdString());
  const QString error = inputErrorOf([&] { readCsv(path, "table"); });
  QVERIFY2(error.contains(message), qPrintable(error));
}

void TestData::readsGzippedCsv() {
  QTemporaryDir dir;
  const std::string path = writeBytes(dir, "x.csv.gz", gzip("label,a\n4,0.5\n1,1.5\n"));
  const Dataset set = readCsv(path, "packed");
  QCOMPARE(set.labels, (std::vector<int32_t>{4, 1}));
  QCOMPARE(set.features.value(1, 0), 1.5f);
  QCOMPARE(set.classCount, 5);
}

void TestData::syntheticIsDeterministicForSeed_data() {
  QTest::addColumn<int>("kind");
  QTest::addColumn<int>("classes");
  QTest::newRow("spirals 2") << int(SyntheticKind::Spirals) << 2;
  QTest::newRow("spirals 5") << int(SyntheticKind::Spirals) << 5;
  QTest::newRow("blobs 3") << int(SyntheticKind::Blobs) << 3;
  QTest::newRow("circles") << int(SyntheticKind::Circles) << 2;
}

void TestData::syntheticIsDeterministicForSeed() {
  QFETCH(int, kind);
  QFETCH(int, classes);
  SyntheticOptions options;
  options.kind = SyntheticKind(kind);
  options.classes = classes;
  options.examples = 300;
  Rng a(42), b(42), c(43);
  const Dataset first = makeSynthetic(options, a);
  const Dataset again = makeSynthetic(options, b);
  const Dataset other = makeSynthetic(options, c);
  QVERIFY(allValues(first.features) == allValues(again.features));
  QCOMPARE(first.labels, again.labels);
  QVERIFY(allValues(first.features) != allValues(other.features));
  QVERIFY(allValues(first.features).allFinite());
}

void TestData::syntheticHasRequestedCountsAndClasses_data() {
  QTest::addColumn<int>("kind");
  QTest::addColumn<int>("examples");
  QTest::addColumn<int>("classes");
  QTest::addColumn<int>("expectedClasses");
  QTest::newRow("spirals 1000 / 2") << int(SyntheticKind::Spirals) << 1000 << 2 << 2;
  QTest::newRow("spirals 101 / 3") << int(SyntheticKind::Spirals) << 101 << 3 << 3;
  QTest::newRow("blobs 500 / 4") << int(SyntheticKind::Blobs) << 500 << 4 << 4;
  QTest::newRow("blobs 7 / 7") << int(SyntheticKind::Blobs) << 7 << 7 << 7;
  QTest::newRow("circles ignore classes") << int(SyntheticKind::Circles) << 201 << 5 << 2;
}

void TestData::syntheticHasRequestedCountsAndClasses() {
  QFETCH(int, kind);
  QFETCH(int, examples);
  QFETCH(int, classes);
  QFETCH(int, expectedClasses);
  SyntheticOptions options;
  options.kind = SyntheticKind(kind);
  options.examples = examples;
  options.classes = classes;
  Rng rng(7);
  const Dataset set = makeSynthetic(options, rng);
  QCOMPARE(set.size(), int64_t(examples));
  QCOMPARE(set.features.rows(), int64_t(examples));
  QCOMPARE(set.features.cols(), int64_t(2));
  QCOMPARE(set.shape.size(), 2);
  QCOMPARE(set.classCount, expectedClasses);
  QCOMPARE(set.originalIndex, iotaRows(examples));
  std::vector<int> perClass(size_t(expectedClasses), 0);
  for (int32_t label : set.labels) {
    QVERIFY(label >= 0 && label < expectedClasses);
    ++perClass[size_t(label)];
  }
  const auto [fewest, most] = std::minmax_element(perClass.begin(), perClass.end());
  QVERIFY2(*most - *fewest <= 1, "classes are not evenly spread");
}

void TestData::syntheticRejectsBadOptions() {
  Rng rng(1);
  SyntheticOptions options;
  options.examples = 0;
  QVERIFY(inputErrorOf([&] { makeSynthetic(options, rng); }).contains("examples must be at least 1, got 0"));
  options.examples = 10;
  options.classes = 1;
  QVERIFY(inputErrorOf([&] { makeSynthetic(options, rng); }).contains("classes must be at least 2, got 1"));
  options.classes = 2;
  options.noise = -1.0f;
  QVERIFY(inputErrorOf([&] { makeSynthetic(options, rng); }).contains("noise must be 0 or more"));
}

void TestData::subsetKeepsOriginalIndex() {
  Dataset set = countingSet(6);
  set.classNames = {"a", "b", "c", "d"};
  const Dataset part = set.subset({4, 1, 3});
  QCOMPARE(part.size(), int64_t(3));
  QCOMPARE(part.originalIndex, (std::vector<int64_t>{1004, 1001, 1003}));
  QCOMPARE(part.labels, (std::vector<int32_t>{0, 1, 3}));
  QVERIFY(allValues(part.features).row(0) == allValues(set.features).row(4));
  QVERIFY(allValues(part.features).row(2) == allValues(set.features).row(3));
  QCOMPARE(part.classCount, 4);
  QCOMPARE(part.classNames, set.classNames);
  QCOMPARE(part.name, set.name);
  const Dataset nested = part.subset({2});
  QCOMPARE(nested.originalIndex, (std::vector<int64_t>{1003}));
}

void TestData::subsetOfByteRowsStaysBytes_data() {
  QTest::addColumn<int>("channels");
  QTest::newRow("one channel") << 1;
  QTest::newRow("three channels") << 3;
}

void TestData::subsetOfByteRowsStaysBytes() {
  QFETCH(int, channels);
  Dataset set = pixelSet(40, 12, 5, channels);
  const std::vector<Normalization> perChannel = {{0.25f, 0.5f}, {0.75f, 2.0f}, {-0.5f, 0.25f}};
  applyNormalization(set, {perChannel.begin(), perChannel.begin() + channels});
  const std::vector<int64_t> rows = {39, 0, 17, 17, 3};
  const Dataset part = set.subset(rows);
  QVERIFY(part.features.holdsBytes());
  QCOMPARE(part.features.cols(), int64_t(12));
  QCOMPARE(part.features.channels(), channels);
  const Matrix values = allValues(set.features);
  QVERIFY(allValues(part.features) == rowsOf(values, rows));
  for (int col = 0; col < 12; ++col) QCOMPARE(part.features.value(2, col), values(17, col));
  QCOMPARE(part.residentBytes(), set.residentBytes() - 35 * (12 + 4 + 8));
}

void TestData::featureRowsRefuseChannelsThatDoNotSplitTheRow() {
  QVERIFY_THROWS_EXCEPTION(std::invalid_argument, FeatureRows(ByteMatrix::Zero(2, 10), pixelScale(), 3));
  QVERIFY_THROWS_EXCEPTION(std::invalid_argument, FeatureRows(Matrix::Zero(2, 10), 0));
  QCOMPARE(FeatureRows(Matrix::Zero(2, 12), 3).channelWidth(), int64_t(4));
}

void TestData::residentBytesCountTheStoredForm_data() {
  QTest::addColumn<bool>("bytes");
  QTest::addColumn<int>("examples");
  QTest::addColumn<int>("features");
  QTest::addColumn<int>("channels");
  QTest::addColumn<qint64>("expected");
  // Feature rows, then 4 bytes of label and 8 of original index per example; byte rows add a 256-float table for
  // each channel.
  QTest::newRow("byte rows") << true << 100 << 784 << 1 << qint64(100 * 784 + 256 * 4 + 100 * (4 + 8));
  QTest::newRow("byte rows, three channels")
      << true << 100 << 3072 << 3 << qint64(100 * 3072 + 3 * 256 * 4 + 100 * (4 + 8));
  QTest::newRow("float rows") << false << 100 << 784 << 1 << qint64(100 * 784 * 4 + 100 * (4 + 8));
  QTest::newRow("no examples") << false << 0 << 3 << 1 << qint64(0);
}

void TestData::residentBytesCountTheStoredForm() {
  QFETCH(bool, bytes);
  QFETCH(int, examples);
  QFETCH(int, features);
  QFETCH(int, channels);
  QFETCH(qint64, expected);
  const Dataset set = bytes ? pixelSet(examples, features, 1, channels) : countingSet(examples, features);
  QCOMPARE(set.residentBytes(), int64_t(expected));
}

void TestData::batchLoaderVisitsEveryExampleOncePerEpoch_data() {
  QTest::addColumn<int>("examples");
  QTest::addColumn<int>("batchSize");
  QTest::addColumn<bool>("shuffle");
  QTest::newRow("exact batches, shuffled") << 64 << 16 << true;
  QTest::newRow("short last batch, shuffled") << 103 << 10 << true;
  QTest::newRow("batch larger than set") << 5 << 32 << true;
  QTest::newRow("batch of one") << 9 << 1 << true;
  QTest::newRow("in order") << 103 << 10 << false;
}

void TestData::batchLoaderVisitsEveryExampleOncePerEpoch() {
  QFETCH(int, examples);
  QFETCH(int, batchSize);
  QFETCH(bool, shuffle);
  const Dataset set = countingSet(examples);
  BatchLoader loader(set, batchSize, shuffle);
  Rng rng(5);
  for (int epoch = 0; epoch < 3; ++epoch) {
    loader.beginEpoch(rng);
    QCOMPARE(loader.batchCount(), int64_t((examples + batchSize - 1) / batchSize));
    std::vector<int64_t> rows = epochRows(loader);
    std::sort(rows.begin(), rows.end());
    QCOMPARE(rows, iotaRows(examples));
  }
}

void TestData::batchLoaderCopiesTheRowsItNames_data() {
  QTest::addColumn<int>("batchSize");
  QTest::addColumn<int>("threads");
  QTest::addColumn<bool>("bytes");
  QTest::newRow("batch 6") << 6 << 2 << false;
  // Large enough that each thread copies its own share of the batch, as the model splits it.
  QTest::newRow("batch 100, two threads") << 100 << 2 << false;
  QTest::newRow("batch 100, three threads") << 100 << 3 << false;
  QTest::newRow("byte rows, batch 6") << 6 << 2 << true;
  QTest::newRow("byte rows, batch 100, two threads") << 100 << 2 << true;
  QTest::newRow("byte rows, batch 100, three threads") << 100 << 3 << true;
}

void TestData::batchLoaderCopiesTheRowsItNames() {
  QFETCH(int, batchSize);
  QFETCH(int, threads);
  QFETCH(bool, bytes);
  const int threadsBefore = omp_get_max_threads();
  const auto restore = qScopeGuard([&] { omp_set_num_threads(threadsBefore); });
  omp_set_num_threads(threads);
  const Dataset set = bytes ? pixelSet(250, 4, 9) : countingSet(250, 4);
  const Matrix values = allValues(set.features);
  BatchLoader loader(set, batchSize, true);
  Rng rng(3);
  loader.beginEpoch(rng);
  Matrix x;
  std::vector<int32_t> labels;
  std::vector<int64_t> rows;
  for (int64_t b = 0; b < loader.batchCount(); ++b) {
    loader.batch(b, x, labels, rows);
    QCOMPARE(x.rows(), Eigen::Index(rows.size()));
    QCOMPARE(x.cols(), Eigen::Index(4));
    QCOMPARE(labels.size(), rows.size());
    for (size_t i = 0; i < rows.size(); ++i) {
      QVERIFY(x.row(Eigen::Index(i)) == values.row(rows[i]));
      QCOMPARE(labels[i], set.labels[size_t(rows[i])]);
      QCOMPARE(rows[i], loader.order()[size_t(b * batchSize) + i]);
    }
  }
}

void TestData::batchLoaderShuffleDiffersBetweenEpochsButRepeatsForSeed() {
  const Dataset set = countingSet(50);
  BatchLoader first(set, 8, true);
  BatchLoader second(set, 8, true);
  Rng a(99), b(99);
  first.beginEpoch(a);
  second.beginEpoch(b);
  const std::vector<int64_t> epoch1 = epochRows(first);
  QCOMPARE(epochRows(second), epoch1);
  QVERIFY(epoch1 != iotaRows(50));
  first.beginEpoch(a);
  second.beginEpoch(b);
  const std::vector<int64_t> epoch2 = epochRows(first);
  QCOMPARE(epochRows(second), epoch2);
  QVERIFY(epoch2 != epoch1);

  BatchLoader other(set, 8, true);
  Rng c(100);
  other.beginEpoch(c);
  QVERIFY(epochRows(other) != epoch1);
}

void TestData::batchLoaderWithoutShuffleKeepsFileOrder() {
  const Dataset set = countingSet(17);
  BatchLoader loader(set, 4, false);
  Rng rng(1);
  loader.beginEpoch(rng);
  QCOMPARE(epochRows(loader), iotaRows(17));
  loader.beginEpoch(rng);
  QCOMPARE(epochRows(loader), iotaRows(17));
}

void TestData::batchLoaderLastBatchIsShort_data() {
  QTest::addColumn<int>("examples");
  QTest::addColumn<int>("batchSize");
  QTest::addColumn<int>("lastSize");
  QTest::newRow("103 by 10") << 103 << 10 << 3;
  QTest::newRow("100 by 10") << 100 << 10 << 10;
  QTest::newRow("5 by 32") << 5 << 32 << 5;
  QTest::newRow("33 by 32") << 33 << 32 << 1;
}

void TestData::batchLoaderLastBatchIsShort() {
  QFETCH(int, examples);
  QFETCH(int, batchSize);
  QFETCH(int, lastSize);
  const Dataset set = countingSet(examples);
  BatchLoader loader(set, batchSize, true);
  Rng rng(2);
  loader.beginEpoch(rng);
  Matrix x;
  std::vector<int32_t> labels;
  std::vector<int64_t> rows;
  loader.batch(0, x, labels, rows);
  QCOMPARE(x.rows(), Eigen::Index(std::min(batchSize, examples)));
  loader.batch(loader.batchCount() - 1, x, labels, rows);
  QCOMPARE(x.rows(), Eigen::Index(lastSize));
  QCOMPARE(labels.size(), size_t(lastSize));
  QCOMPARE(rows.size(), size_t(lastSize));
}

void TestData::batchLoaderUsesOnlyRowsInUse() {
  const Dataset set = countingSet(30);
  BatchLoader loader(set, 3, true);
  Rng rng(8);
  loader.beginEpoch(rng);
  QCOMPARE(loader.examplesInUse(), int64_t(30));
  const std::vector<int64_t> kept = {29, 2, 5, 7, 11, 0, 13};
  loader.setRowsInUse(kept);
  QCOMPARE(loader.examplesInUse(), int64_t(kept.size()));
  for (int epoch = 0; epoch < 3; ++epoch) {
    loader.beginEpoch(rng);
    QCOMPARE(loader.batchCount(), int64_t(3));
    std::vector<int64_t> rows = epochRows(loader);
    std::sort(rows.begin(), rows.end());
    QCOMPARE(rows, (std::vector<int64_t>{0, 2, 5, 7, 11, 13, 29}));
  }
  loader.setRowsInUse(iotaRows(30));
  loader.beginEpoch(rng);
  QCOMPARE(loader.examplesInUse(), int64_t(30));
}

void TestData::validationSplitHasRequestedSizeAndIsDisjoint_data() {
  QTest::addColumn<int>("examples");
  QTest::addColumn<double>("fraction");
  QTest::addColumn<int>("validationSize");
  QTest::newRow("tenth of 1000") << 1000 << 0.1 << 100;
  QTest::newRow("fifth of 61") << 61 << 0.2 << 12;
  QTest::newRow("none") << 50 << 0.0 << 0;
  QTest::newRow("most") << 10 << 0.9 << 9;
}

void TestData::validationSplitHasRequestedSizeAndIsDisjoint() {
  QFETCH(int, examples);
  QFETCH(double, fraction);
  QFETCH(int, validationSize);
  DataSplits splits;
  splits.train = countingSet(examples);
  splits.test = countingSet(5);
  Rng rng(11);
  splitValidation(splits, fraction, rng);
  QCOMPARE(splits.validation.size(), int64_t(validationSize));
  QCOMPARE(splits.train.size(), int64_t(examples - validationSize));
  QCOMPARE(splits.test.size(), int64_t(5));
  QCOMPARE(splits.validation.classCount, 4);

  std::vector<int64_t> all = splits.train.originalIndex;
  all.insert(all.end(), splits.validation.originalIndex.begin(), splits.validation.originalIndex.end());
  std::sort(all.begin(), all.end());
  QVERIFY2(std::adjacent_find(all.begin(), all.end()) == all.end(), "an example is in both halves");
  std::vector<int64_t> expected = iotaRows(examples);
  for (auto& index : expected) index += 1000;
  QCOMPARE(all, expected);
  QVERIFY(std::is_sorted(splits.train.originalIndex.begin(), splits.train.originalIndex.end()));
  for (int64_t i = 0; i < splits.validation.size(); ++i) {
    const int64_t row = splits.validation.originalIndex[size_t(i)] - 1000;
    QCOMPARE(splits.validation.features.value(i, 1), float(row * 10 + 1));
  }

  DataSplits again;
  again.train = countingSet(examples);
  Rng sameSeed(11);
  splitValidation(again, fraction, sameSeed);
  QCOMPARE(again.validation.originalIndex, splits.validation.originalIndex);
}

void TestData::validationSplitRejectsBadFraction_data() {
  QTest::addColumn<double>("fraction");
  QTest::newRow("negative") << -0.1;
  QTest::newRow("one") << 1.0;
  QTest::newRow("NaN") << std::numeric_limits<double>::quiet_NaN();
}

void TestData::validationSplitRejectsBadFraction() {
  QFETCH(double, fraction);
  DataSplits splits;
  splits.train = countingSet(10);
  Rng rng(1);
  const QString error = inputErrorOf([&] { splitValidation(splits, fraction, rng); });
  QVERIFY2(error.startsWith("validation fraction"), qPrintable(error));
  QCOMPARE(splits.train.size(), int64_t(10));
}

void TestData::normalisationGivesMeanZeroAndUnitStddev() {
  Dataset set = countingSet(200, 5);
  Rng rng(4);
  Matrix values(200, 5);
  for (Eigen::Index i = 0; i < values.size(); ++i) values.data()[i] = rng.normal(3.0f, 2.5f);
  set.features = FeatureRows(std::move(values));
  const std::vector<Normalization> measured = measureNormalization(set);
  QCOMPARE(measured.size(), size_t(1));
  QVERIFY(std::abs(measured[0].mean - 3.0f) < 0.3f);
  QVERIFY(std::abs(measured[0].stddev - 2.5f) < 0.3f);
  applyNormalization(set, measured);
  const Normalization after = measureNormalization(set)[0];
  QVERIFY2(std::abs(after.mean) < 1e-5f, qPrintable(QString::number(after.mean)));
  QVERIFY2(std::abs(after.stddev - 1.0f) < 1e-5f, qPrintable(QString::number(after.stddev)));
}

void TestData::normalisationLeavesConstantSetUnscaled() {
  Dataset set = countingSet(10, 2);
  set.features = FeatureRows(Matrix::Constant(10, 2, 0.5f));
  const std::vector<Normalization> n = measureNormalization(set);
  QCOMPARE(n.size(), size_t(1));
  QCOMPARE(n[0].mean, 0.5f);
  QCOMPARE(n[0].stddev, 1.0f);
  applyNormalization(set, n);
  QVERIFY(allValues(set.features).isZero());
}

void TestData::normalisationOfByteRowsMatchesTheWholeSetSums() {
  // Equal to the last bit, not nearly: every float a run trains on depends on these two.
  Dataset set = pixelSet(3000, 784, 12);
  const Matrix values = allValues(set.features);
  const std::vector<Normalization> perChannel = measureNormalization(set);
  QCOMPARE(perChannel.size(), size_t(1));
  const Normalization measured = perChannel[0];
  const Normalization whole = wholeSetNormalization(values);
  QVERIFY2(measured.mean == whole.mean, qPrintable(QString::number(double(measured.mean), 'g', 9)));
  QVERIFY2(measured.stddev == whole.stddev, qPrintable(QString::number(double(measured.stddev), 'g', 9)));
  applyNormalization(set, perChannel);
  Matrix standardised = values;
  standardiseWholeSet(standardised, whole);
  QVERIFY(allValues(set.features) == standardised);
}

void TestData::normalisationStandardisesEachChannelOnItsOwn_data() {
  QTest::addColumn<bool>("bytes");
  QTest::newRow("byte rows") << true;
  QTest::newRow("float rows") << false;
}

void TestData::normalisationStandardisesEachChannelOnItsOwn() {
  QFETCH(bool, bytes);
  constexpr int64_t kExamples = 300, kChannelWidth = 16;
  Rng rng(8);
  const ByteMatrix pixels = colourPixels(kExamples, kChannelWidth, {200, 100, 30}, {10, 40, 5}, rng);
  Dataset set;
  set.name = "colour";
  set.features = bytes ? FeatureRows(pixels, pixelScale(), 3) : FeatureRows(Matrix(pixels.cast<float>() / 255.0f), 3);
  labelInTurn(set, kExamples, 2, 3 * kChannelWidth);
  set.shape = {3, 4, 4};
  const Matrix before = allValues(set.features);

  const std::vector<Normalization> measured = measureNormalization(set);
  QCOMPARE(measured.size(), size_t(3));
  for (int c = 0; c < 3; ++c) {
    const auto [mean, stddev] = columnStatistics(before, c * kChannelWidth, kChannelWidth);
    QVERIFY2(std::abs(measured[size_t(c)].mean - mean) < 1e-6, qPrintable(QString("channel %1 mean").arg(c)));
    QVERIFY2(std::abs(measured[size_t(c)].stddev - stddev) < 1e-6, qPrintable(QString("channel %1 stddev").arg(c)));
  }
  applyNormalization(set, measured);
  const Matrix after = allValues(set.features);
  for (int c = 0; c < 3; ++c) {
    const auto [mean, stddev] = columnStatistics(after, c * kChannelWidth, kChannelWidth);
    QVERIFY2(std::abs(mean) < 1e-5, qPrintable(QString("channel %1 mean %2").arg(c).arg(mean)));
    QVERIFY2(std::abs(stddev - 1.0) < 1e-5, qPrintable(QString("channel %1 stddev %2").arg(c).arg(stddev)));
  }
}

void TestData::cifarChannelsAreStandardisedWithTheTrainingStatistics() {
  // The test images are redder and greener than the training images: standardised with their own statistics, or
  // with one pair for all channels, they would come out elsewhere.
  constexpr int kTrainPerFile = 12, kTest = 20;
  QTemporaryDir dir;
  Rng rng(5);
  Matrix trainFile(5 * kTrainPerFile, kCifarPixels), testFile;
  const auto writeFile = [&](const std::string& name, int records, const std::array<int, 3>& levels) {
    const ByteMatrix pixels = colourPixels(records, kCifarPixels / 3, levels, {10, 40, 5}, rng);
    QByteArray bytes;
    for (int r = 0; r < records; ++r) {
      bytes.append(char(r % 10));
      bytes.append(reinterpret_cast<const char*>(pixels.row(r).data()), kCifarPixels);
    }
    writeBytes(dir, name, bytes);
    return Matrix(pixels.cast<float>() / 255.0f);
  };
  for (int i = 0; i < 5; ++i)
    trainFile.middleRows(i * kTrainPerFile, kTrainPerFile) =
        writeFile("data_batch_" + std::to_string(i + 1) + ".bin", kTrainPerFile, {200, 100, 30});
  testFile = writeFile("test_batch.bin", kTest, {230, 140, 30});
  DataSpec spec;
  spec.dataset = "cifar10";
  spec.dir = dir.path().toStdString();
  spec.validationFraction = 0.25;
  Rng splitRng(3);
  const DataSplits splits = loadDataSplits(spec, splitRng);
  QCOMPARE(splits.validation.size(), int64_t(15));

  // The statistics of the examples left for training, after the validation split took its share.
  const Matrix train = rowsOf(trainFile, splits.train.originalIndex);
  std::array<std::pair<double, double>, 3> statistics;
  for (int c = 0; c < 3; ++c) statistics[size_t(c)] = columnStatistics(train, c * 1024, 1024);
  const auto standardised = [&](Matrix values) {
    for (int c = 0; c < 3; ++c) {
      const auto [mean, stddev] = statistics[size_t(c)];
      values.middleCols(c * 1024, 1024) = ((values.middleCols(c * 1024, 1024).array() - float(mean)) / float(stddev));
    }
    return values;
  };
  const Matrix trainAfter = allValues(splits.train.features);
  for (int c = 0; c < 3; ++c) {
    const auto [mean, stddev] = columnStatistics(trainAfter, c * 1024, 1024);
    QVERIFY2(std::abs(mean) < 1e-4, qPrintable(QString("training channel %1 mean %2").arg(c).arg(mean)));
    QVERIFY2(std::abs(stddev - 1.0) < 1e-4, qPrintable(QString("training channel %1 stddev %2").arg(c).arg(stddev)));
  }
  QVERIFY((trainAfter - standardised(train)).cwiseAbs().maxCoeff() < 1e-4f);
  const Matrix validation = rowsOf(trainFile, splits.validation.originalIndex);
  QVERIFY((allValues(splits.validation.features) - standardised(validation)).cwiseAbs().maxCoeff() < 1e-4f);
  const Matrix testAfter = allValues(splits.test.features);
  QVERIFY((testAfter - standardised(testFile)).cwiseAbs().maxCoeff() < 1e-4f);
  // Red: 30 levels brighter than training's, about five of training's deviations.
  QVERIFY(columnStatistics(testAfter, 0, 1024).first > 3.0);
}

void TestData::byteRowsGiveTheFloatsOfTheWholeSetConversion_data() {
  QTest::addColumn<double>("validationFraction");
  QTest::addColumn<bool>("normalize");
  QTest::addColumn<int>("threads");
  QTest::newRow("standardised") << 0.0 << true << 2;
  QTest::newRow("standardised, one thread") << 0.0 << true << 1;
  QTest::newRow("scaled only") << 0.0 << false << 2;
  QTest::newRow("validation split, standardised") << 0.2 << true << 2;
}

void TestData::byteRowsGiveTheFloatsOfTheWholeSetConversion() {
  QFETCH(double, validationFraction);
  QFETCH(bool, normalize);
  QFETCH(int, threads);
  const int threadsBefore = omp_get_max_threads();
  const auto restore = qScopeGuard([&] { omp_set_num_threads(threadsBefore); });
  omp_set_num_threads(threads);
  constexpr int kSide = 9;
  QTemporaryDir dir;
  Rng pixelRng(3);
  const auto writeSet = [&](const std::string& prefix, int count, Matrix& floats) {
    QByteArray images = idxImages(uint32_t(count), kSide, kSide, 0);
    QByteArray labels;
    floats.resize(count, kSide * kSide);
    for (Eigen::Index i = 0; i < floats.size(); ++i) {
      const auto pixel = static_cast<unsigned char>(pixelRng.below(256));
      images.append(char(pixel));
      floats.data()[i] = float(pixel) / 255.0f;
    }
    for (int i = 0; i < count; ++i) labels.append(char(i % 10));
    return std::pair{writeBytes(dir, prefix + "-images.gz", gzip(images)),
                     writeBytes(dir, prefix + "-labels.gz", gzip(idxLabels(uint32_t(count), labels)))};
  };
  Matrix trainFile, testFile;
  DataSpec spec;
  spec.dataset = "idx";
  std::tie(spec.trainImages, spec.trainLabels) = writeSet("train", 1000, trainFile);
  std::tie(spec.testImages, spec.testLabels) = writeSet("test", 300, testFile);
  spec.validationFraction = validationFraction;
  spec.normalize = normalize;
  Rng rng(7);
  const DataSplits splits = loadDataSplits(spec, rng);
  QVERIFY(splits.train.features.holdsBytes() && splits.test.features.holdsBytes());
  QCOMPARE(splits.validation.size(), int64_t(std::llround(validationFraction * 1000)));
  compareWithWholeSetConversion(splits, trainFile, testFile, normalize, 128);
}

void TestData::readsFashionMnist() {
  const std::string dir = "/usr/share/datasets/fashion-mnist/";
  if (!std::filesystem::exists(dir + "train-images-idx3-ubyte.gz")) QSKIP("Fashion-MNIST is not installed");
  const Dataset train = readIdx(dir + "train-images-idx3-ubyte.gz", dir + "train-labels-idx1-ubyte.gz", "fashion");
  QCOMPARE(train.size(), int64_t(60000));
  QCOMPARE(train.features.rows(), int64_t(60000));
  QCOMPARE(train.features.cols(), int64_t(784));
  QCOMPARE(train.shape.height, 28);
  QCOMPARE(train.shape.width, 28);
  QCOMPARE(train.classCount, 10);
  const Matrix values = allValues(train.features);
  QVERIFY(values.minCoeff() >= 0.0f && values.maxCoeff() <= 1.0f);
  std::vector<int> perClass(10, 0);
  for (int32_t label : train.labels) ++perClass[size_t(label)];
  QCOMPARE(perClass, std::vector<int>(10, 6000));

  const Dataset test = readIdx(dir + "t10k-images-idx3-ubyte.gz", dir + "t10k-labels-idx1-ubyte.gz", "fashion-test");
  QCOMPARE(test.size(), int64_t(10000));
  QCOMPARE(test.features.cols(), int64_t(784));
  QCOMPARE(test.classCount, 10);
  // 60,000 images of 784 bytes, a 256-float table, and a label and an original index per image.
  QCOMPARE(train.residentBytes(), int64_t(60000) * (784 + 4 + 8) + 256 * 4);
}

void TestData::fashionMnistBatchesMatchTheWholeSetConversion() {
  // The set and the splits the default project trains on, batch by batch through a shuffled epoch.
  const std::string dir = "/usr/share/datasets/fashion-mnist/";
  if (!std::filesystem::exists(dir + "train-images-idx3-ubyte.gz")) QSKIP("Fashion-MNIST is not installed");
  const Matrix trainFile =
      allValues(readIdx(dir + "train-images-idx3-ubyte.gz", dir + "train-labels-idx1-ubyte.gz", "train").features);
  const Matrix testFile =
      allValues(readIdx(dir + "t10k-images-idx3-ubyte.gz", dir + "t10k-labels-idx1-ubyte.gz", "test").features);
  DataSpec spec;
  spec.dir = dir;
  Rng rng(1);
  const DataSplits splits = loadDataSplits(spec, rng);
  compareWithWholeSetConversion(splits, trainFile, testFile, true, 128);
}

void TestData::refusesLabelsBeyondTheClassesOfFashionMnist() {
  // A Fashion-MNIST folder whose test labels hold a 12: ten classes, so the file is damaged or foreign.
  QTemporaryDir dir;
  for (const char* split : {"train", "t10k"}) {
    writeBytes(dir, std::string(split) + "-images-idx3-ubyte.gz", gzip(idxImages()));
    const QByteArray labels = std::string(split) == "t10k" ? QByteArray("\x02\x0c\x04", 3) : testLabels();
    writeBytes(dir, std::string(split) + "-labels-idx1-ubyte.gz", gzip(idxLabels(3, labels)));
  }
  DataSpec spec;
  spec.dataset = "fashion-mnist";
  spec.dir = dir.path().toStdString();
  Rng rng(1);
  const QString error = inputErrorOf([&] { loadDataSplits(spec, rng); });
  QVERIFY2(
      error.contains("t10k-labels-idx1-ubyte.gz: label 12 of example 1 is outside the 10 classes of fashion-mnist"),
      qPrintable(error));
}

QTEST_APPLESS_MAIN(TestData)
#include "tst_data.moc"
