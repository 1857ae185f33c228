// Data augmentation: random crops from a zero-padded image and mirror images, for training batches only, drawn
// from the run's seed so that a run, and a run resumed half-way, trains on exactly the same pictures.
#include <QScopeGuard>
#include <QTemporaryDir>
#include <QTest>
#include <cstring>

#include "cancel_at_step.h"
#include "core/error.h"
#include "core/threads.h"
#include "data/batch_loader.h"
#include "data/image_augmentation.h"
#include "project/project.h"
#include "store/run_store.h"
#include "store_test_helpers.h"
#include "test_helpers.h"
#include "train/experiment.h"
#include "train/lr_schedule.h"
#include "train/run_inspection.h"
#include "train/trainer.h"

using namespace ss;

Q_DECLARE_METATYPE(std::vector<int>)

namespace {

// Byte b stands for b - 0.5, so a pixel that came from the padding (raw 0) reads -0.5, not 0.
ByteValues shiftedByHalf() {
  ByteValues v{};
  for (int b = 0; b < 256; ++b) v[size_t(b)] = float(b) - 0.5f;
  return v;
}

std::vector<float> transformed(const std::vector<uint8_t>& pixels, ExampleShape shape, ExampleTransform t) {
  std::vector<float> out(size_t(shape.size()), 12345.0f);
  copyTransformedImage(pixels.data(), shiftedByHalf(), shape, t, out.data());
  return out;
}

std::vector<float> asValues(const std::vector<int>& bytes) {
  std::vector<float> out;
  for (int b : bytes) out.push_back(float(b) - 0.5f);
  return out;
}

// A set of `count` random-looking single-channel images of side x side pixels, held as bytes like an IDX file's.
Dataset imageSet(int64_t count, int side) {
  ByteMatrix bytes(count, side * side);
  for (Eigen::Index i = 0; i < bytes.size(); ++i) bytes.data()[i] = uint8_t(mixBits(uint64_t(i)) & 0xFF);
  Dataset set;
  set.name = "images";
  set.features = FeatureRows(std::move(bytes), shiftedByHalf());
  set.shape = {1, side, side};
  set.classCount = 2;
  for (int64_t i = 0; i < count; ++i) {
    set.labels.push_back(int32_t(i % 2));
    set.originalIndex.push_back(i);
  }
  return set;
}

Matrix firstBatch(const Dataset& set, int batchSize, const EpochAugmentation* augmentation) {
  BatchLoader loader(set, batchSize, false);
  Matrix x;
  std::vector<int32_t> labels;
  std::vector<int64_t> rows;
  loader.batch(0, x, labels, rows, augmentation);
  return x;
}

bool bitIdentical(const Matrix& a, const Matrix& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::memcmp(a.data(), b.data(), size_t(a.size()) * sizeof(float)) == 0;
}

const ImageAugmentation kCropAndFlip{true, 2, true};

Project idxProject(const QTemporaryDir& dir, const std::string& augmentation) {
  const std::string d = dir.path().toStdString() + "/";
  return parseProject(R"({"format": 1, "name": "augmented",
      "data": {"dataset": "idx", "train_images": ")" +
                          d + R"(train-images", "train_labels": ")" + d + R"(train-labels", "test_images": ")" + d +
                          R"(test-images", "test_labels": ")" + d +
                          R"(test-labels"},
      "model": {"preset": "mlp", "hidden": [32]},
      "train": {"epochs": 3, "batch_size": 32, "threads": 2, "checkpoint_every_steps": 5,
                "optimizer": {"lr": 0.05}})" +
                          augmentation + "}",
                      "augmented.json");
}

uint64_t finalWeightsDigest(const RunStore& store, int64_t runId) {
  const RunDetails d = inspectRun(store, runId);
  if (!d.checkpoint || d.checkpoint->kind != "final") throw std::runtime_error("no final checkpoint");
  return *d.weightsDigest;
}

}  // namespace

class TestAugmentation : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase();
  void cropShiftsTheImageAndPadsWithRawZero_data();
  void cropShiftsTheImageAndPadsWithRawZero();
  void flipMirrorsEveryRow_data();
  void flipMirrorsEveryRow();
  void offLeavesBatchesBitIdentical();
  void drawsStayWithinThePaddingAndUseBothFlips();
  void sameSeedAndEpochDrawTheSameBatches();
  void drawsDoNotDependOnTheThreadCount();
  void evaluationBatchesAreNeverAugmented();
  void readerRefusesMalformedAugmentation_data();
  void readerRefusesMalformedAugmentation();
  void cropPaddingDefaultsToTheImageSize_data();
  void cropPaddingDefaultsToTheImageSize();
  void projectJsonWritesTheSectionOnlyWhenOn();
  void resumedAugmentedRunMatchesUninterruptedRun();

 private:
  QTemporaryDir dir_;
};

void TestAugmentation::initTestCase() {
  QVERIFY(dir_.isValid());
  writeIdxPair(dir_, "train", 256, 1);
  writeIdxPair(dir_, "test", 64, 2);
}

void TestAugmentation::cropShiftsTheImageAndPadsWithRawZero_data() {
  QTest::addColumn<int>("dx");
  QTest::addColumn<int>("dy");
  QTest::addColumn<std::vector<int>>("expected");  // bytes; 0 = padding
  // The image is 1 2 3 / 4 5 6 / 7 8 9, and a second channel of the same plus 10.
  QTest::newRow("no shift") << 0 << 0
                            << std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18, 19};
  QTest::newRow("right 1") << 1 << 0 << std::vector<int>{2, 3, 0, 5, 6, 0, 8, 9, 0, 12, 13, 0, 15, 16, 0, 18, 19, 0};
  QTest::newRow("left 1, down 1") << -1 << 1
                                  << std::vector<int>{0, 4, 5, 0, 7, 8, 0, 0, 0, 0, 14, 15, 0, 17, 18, 0, 0, 0};
  QTest::newRow("up 2") << 0 << -2 << std::vector<int>{0, 0, 0, 0, 0, 0, 1, 2, 3, 0, 0, 0, 0, 0, 0, 11, 12, 13};
  QTest::newRow("beyond the image") << 3 << 0 << std::vector<int>(18, 0);
}

void TestAugmentation::cropShiftsTheImageAndPadsWithRawZero() {
  QFETCH(int, dx);
  QFETCH(int, dy);
  QFETCH(std::vector<int>, expected);
  const std::vector<uint8_t> image = {1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18, 19};
  QCOMPARE(transformed(image, {2, 3, 3}, {dx, dy, false}), asValues(expected));
}

void TestAugmentation::flipMirrorsEveryRow_data() {
  QTest::addColumn<int>("dx");
  QTest::addColumn<std::vector<int>>("expected");
  // The image is 1 2 3 / 4 5 6; the flip mirrors the crop, so the padding ends up on the left.
  QTest::newRow("flip") << 0 << std::vector<int>{3, 2, 1, 6, 5, 4};
  QTest::newRow("crop right 1, then flip") << 1 << std::vector<int>{0, 3, 2, 0, 6, 5};
}

void TestAugmentation::flipMirrorsEveryRow() {
  QFETCH(int, dx);
  QFETCH(std::vector<int>, expected);
  QCOMPARE(transformed({1, 2, 3, 4, 5, 6}, {1, 2, 3}, {dx, 0, true}), asValues(expected));
}

void TestAugmentation::offLeavesBatchesBitIdentical() {
  const Dataset set = imageSet(64, 6);
  const EpochAugmentation off = ImageAugmenter(ImageAugmentation{}, 1).forEpoch(1);
  QVERIFY(bitIdentical(firstBatch(set, 64, &off), firstBatch(set, 64, nullptr)));
  const EpochAugmentation on = ImageAugmenter(kCropAndFlip, 1).forEpoch(1);
  QVERIFY(!bitIdentical(firstBatch(set, 64, &on), firstBatch(set, 64, nullptr)));
}

void TestAugmentation::drawsStayWithinThePaddingAndUseBothFlips() {
  const EpochAugmentation draws = ImageAugmenter(kCropAndFlip, 3).forEpoch(1);
  std::vector<int> dxSeen(5), dySeen(5), flips(2);
  for (int64_t row = 0; row < 2000; ++row) {
    const ExampleTransform t = draws.draw(row);
    QVERIFY(t.dx >= -2 && t.dx <= 2 && t.dy >= -2 && t.dy <= 2);
    ++dxSeen[size_t(t.dx + 2)];
    ++dySeen[size_t(t.dy + 2)];
    ++flips[t.flip ? 1 : 0];
  }
  // 400 of each offset and 1000 of each side are expected; a fair draw is far from these bounds.
  for (int n : dxSeen) QVERIFY2(n > 300 && n < 500, std::to_string(n).c_str());
  for (int n : dySeen) QVERIFY2(n > 300 && n < 500, std::to_string(n).c_str());
  QVERIFY(flips[0] > 900 && flips[1] > 900);
  const EpochAugmentation flipOnly = ImageAugmenter({false, 0, true}, 3).forEpoch(1);
  for (int64_t row = 0; row < 100; ++row) {
    QCOMPARE(flipOnly.draw(row).dx, 0);
    QCOMPARE(flipOnly.draw(row).dy, 0);
  }
}

void TestAugmentation::sameSeedAndEpochDrawTheSameBatches() {
  const Dataset set = imageSet(64, 8);
  const ImageAugmenter augmenter(kCropAndFlip, 7);
  const EpochAugmentation epoch1 = augmenter.forEpoch(1), again = ImageAugmenter(kCropAndFlip, 7).forEpoch(1);
  const EpochAugmentation epoch2 = augmenter.forEpoch(2), otherSeed = ImageAugmenter(kCropAndFlip, 8).forEpoch(1);
  QVERIFY(bitIdentical(firstBatch(set, 64, &epoch1), firstBatch(set, 64, &again)));
  QVERIFY(!bitIdentical(firstBatch(set, 64, &epoch1), firstBatch(set, 64, &epoch2)));
  QVERIFY(!bitIdentical(firstBatch(set, 64, &epoch1), firstBatch(set, 64, &otherSeed)));
  // An example's draw is its own: the same in a batch of 64 as alone in a batch of 1.
  BatchLoader single(set, 1, false);
  Matrix x;
  std::vector<int32_t> labels;
  std::vector<int64_t> rows;
  single.batch(37, x, labels, rows, &epoch1);
  QVERIFY(bitIdentical(x, firstBatch(set, 64, &epoch1).middleRows(37, 1)));
}

void TestAugmentation::drawsDoNotDependOnTheThreadCount() {
  const int threadsBefore = threadCount();
  const auto restore = qScopeGuard([&] { setThreadCount(threadsBefore); });
  const Dataset set = imageSet(256, 8);
  const EpochAugmentation draws = ImageAugmenter(kCropAndFlip, 5).forEpoch(4);
  setThreadCount(1);
  const Matrix one = firstBatch(set, 256, &draws);
  setThreadCount(2);
  QVERIFY(batchIsSplit(256, threadCount()));  // the two threads do copy a share each
  QVERIFY(bitIdentical(firstBatch(set, 256, &draws), one));
}

void TestAugmentation::evaluationBatchesAreNeverAugmented() {
  const Project project = idxProject(dir_, R"(, "augmentation": {"random_crop": true, "horizontal_flip": true})");
  Experiment experiment(project);
  const DataSplits& data = experiment.data();
  Sgd optimizer({0.9f, true, 0.0f});
  const LrSchedule schedule(project.train.schedule, 0.05, 8, 3);
  TrainerSettings plain;
  plain.batchSize = 32;
  TrainerSettings augmented = plain;
  augmented.augmentation.emplace(resolveAugmentation(project.augmentation, data.train), 1);
  Rng rngA(1), rngB(1);
  Trainer withAugmentation(experiment.model(), optimizer, schedule, data.train, data.test, augmented, rngA);
  Trainer without(experiment.model(), optimizer, schedule, data.train, data.test, plain, rngB);
  for (const Dataset* set : {&data.test, &data.train}) {
    const Evaluation a = withAugmentation.evaluate(*set), b = without.evaluate(*set);
    QCOMPARE(a.loss, b.loss);
    QCOMPARE(a.accuracy, b.accuracy);
  }
}

void TestAugmentation::readerRefusesMalformedAugmentation_data() {
  QTest::addColumn<QString>("dataset");
  QTest::addColumn<QString>("augmentation");
  QTest::addColumn<QString>("error");
  const QString fashion = R"("dataset": "fashion-mnist")";
  const QString spirals = R"("dataset": "spirals")";
  QTest::newRow("crop not a bool") << fashion << R"({"random_crop": 1})"
                                   << "p.json: augmentation.random_crop: expected true or false, got an integer";
  QTest::newRow("flip not a bool") << fashion << R"({"horizontal_flip": "yes"})"
                                   << "p.json: augmentation.horizontal_flip: expected true or false, got a string";
  QTest::newRow("padding not an integer") << fashion << R"({"random_crop": true, "crop_padding": 2.5})"
                                          << "p.json: augmentation.crop_padding: expected an integer, got a number";
  QTest::newRow("negative padding") << fashion << R"({"random_crop": true, "crop_padding": -1})"
                                    << "p.json: augmentation.crop_padding: must be between 0 and 64 pixels";
  QTest::newRow("padding without crop") << fashion << R"({"crop_padding": 4})"
                                        << "p.json: augmentation.crop_padding: only used with \"random_crop\": true";
  QTest::newRow("section not an object") << fashion << "true"
                                         << "p.json: augmentation: expected an object, got a boolean";
  QTest::newRow("misspelt key") << fashion << R"({"horizontal_flips": true})"
                                << "p.json: augmentation.horizontal_flips: unknown key (did you mean "
                                   "'horizontal_flip'?)";
  QTest::newRow("crop of spirals")
      << spirals << R"({"random_crop": true})"
      << "p.json: augmentation.random_crop: needs an image data set (fashion-mnist, mnist, idx, cifar10), not "
         "'spirals'";
  QTest::newRow("flip of a csv")
      << R"("dataset": "csv", "train_csv": "a.csv", "test_csv": "b.csv")"
      << R"({"horizontal_flip": true})"
      << "p.json: augmentation.horizontal_flip: needs an image data set (fashion-mnist, mnist, idx, cifar10), not "
         "'csv'";
}

void TestAugmentation::readerRefusesMalformedAugmentation() {
  QFETCH(QString, dataset);
  QFETCH(QString, augmentation);
  QFETCH(QString, error);
  const std::string text = R"({"format": 1, "data": {)" + dataset.toStdString() + R"(}, "augmentation": )" +
                           augmentation.toStdString() + "}";
  QCOMPARE(QString::fromStdString(errorMessage<InputError>([&] { parseProject(text, "p.json"); })), error);
}

void TestAugmentation::cropPaddingDefaultsToTheImageSize_data() {
  QTest::addColumn<int>("channels");
  QTest::addColumn<int>("side");
  QTest::addColumn<QString>("padding");  // the crop_padding key, or empty
  QTest::addColumn<int>("expected");
  QTest::newRow("fashion-mnist 28x28") << 1 << 28 << "" << 2;
  QTest::newRow("cifar 32x32") << 3 << 32 << "" << 4;
  QTest::newRow("other size") << 1 << 12 << "" << 4;
  QTest::newRow("given for 28x28") << 1 << 28 << R"(, "crop_padding": 5)" << 5;
  QTest::newRow("given as 0") << 3 << 32 << R"(, "crop_padding": 0)" << 0;
}

void TestAugmentation::cropPaddingDefaultsToTheImageSize() {
  QFETCH(int, channels);
  QFETCH(int, side);
  QFETCH(QString, padding);
  QFETCH(int, expected);
  const Project p =
      parseProject(R"({"format": 1, "augmentation": {"random_crop": true)" + padding.toStdString() + "}}", "p.json");
  QCOMPARE(p.augmentation.cropPadding.has_value(), !padding.isEmpty());
  Dataset set = imageSet(4, side);
  set.shape = {channels, side, side};
  set.features = FeatureRows(ByteMatrix::Zero(4, channels * side * side), shiftedByHalf());
  QCOMPARE(resolveAugmentation(p.augmentation, set).cropPadding, expected);
}

void TestAugmentation::projectJsonWritesTheSectionOnlyWhenOn() {
  const Project off = parseProject(R"({"format": 1})", "p.json");
  QVERIFY(!off.augmentation.any());
  QVERIFY(projectToJson(off).find("augmentation") == std::string::npos);
  const Project on =
      parseProject(R"({"format": 1, "augmentation": {"random_crop": true, "crop_padding": 3}})", "p.json");
  const Project back = parseProject(projectToJson(on), "back.json");
  QCOMPARE(back.augmentation.randomCrop, true);
  QCOMPARE(back.augmentation.horizontalFlip, false);
  QCOMPARE(back.augmentation.cropPadding.value_or(-1), 3);
  const Project flipOnly = parseProject(R"({"format": 1, "augmentation": {"horizontal_flip": true}})", "p.json");
  const Project flipBack = parseProject(projectToJson(flipOnly), "back.json");
  QCOMPARE(flipBack.augmentation.horizontalFlip, true);
  QVERIFY(!flipBack.augmentation.cropPadding);
}

void TestAugmentation::resumedAugmentedRunMatchesUninterruptedRun() {
  const Project project = idxProject(dir_, R"(, "augmentation": {"random_crop": true, "horizontal_flip": true})");
  RunStore whole(dir_.filePath("whole.db").toStdString());
  RunStore stopped(dir_.filePath("stopped.db").toStdString());
  RunStore plain(dir_.filePath("plain.db").toStdString());

  RunControl control;
  const RunOutcome a = Experiment(project).run(whole, control, {});
  QVERIFY2(a.status == RunStatus::Finished, a.message.c_str());
  const RunOutcome unaugmented = Experiment(idxProject(dir_, "")).run(plain, control, {});
  QVERIFY2(unaugmented.status == RunStatus::Finished, unaugmented.message.c_str());
  // The training batches were augmented: the same run without crops and flips ends elsewhere.
  QVERIFY(finalWeightsDigest(plain, unaugmented.runId) != finalWeightsDigest(whole, a.runId));

  // 8 steps an epoch: stop inside epoch 2, after a periodic checkpoint at step 10.
  RunControl stopControl;
  CancelAt cancel(stopControl, 13);
  const RunOutcome b = Experiment(project).run(stopped, stopControl, {&cancel});
  QVERIFY2(b.status == RunStatus::Cancelled, b.message.c_str());
  // As if killed: resume from the periodic checkpoint, not the one the cancel wrote.
  QCOMPARE(rawQuery(stopped.path(), "DELETE FROM checkpoints WHERE kind = 'cancel'"), std::string());
  QCOMPARE(rawQuery(stopped.path(), "UPDATE runs SET status = 'interrupted'"), std::string());
  QCOMPARE(stopped.latestCheckpoint(b.runId)->step, int64_t(10));

  RunControl resumeControl;
  const RunOutcome resumed = Experiment(project).resume(stopped, b.runId, resumeControl, {});
  QVERIFY2(resumed.status == RunStatus::Finished, resumed.message.c_str());
  QCOMPARE(*resumed.finalTestAccuracy, *a.finalTestAccuracy);
  QCOMPARE(finalWeightsDigest(stopped, b.runId), finalWeightsDigest(whole, a.runId));
}

QTEST_GUILESS_MAIN(TestAugmentation)
#include "tst_augmentation.moc"
