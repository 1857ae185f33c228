// Project files: valid ones load with defaults filled in; every kind of mistake is refused with the
// key path and the reason.
#include <QtTest>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "project/project.h"
#include "train/project_plan.h"

using namespace ss;

namespace {
std::string withTrain(const std::string& train) {
  return R"({"format": 1, "name": "t", "train": )" + train + "}";
}
}  // namespace

class TestProject : public QObject {
  Q_OBJECT

 private slots:
  void minimalProjectGetsDefaults();
  void badProjectIsRefusedWithKeyPath_data();
  void badProjectIsRefusedWithKeyPath();
  void serialisedProjectReadsBackTheSame();
  void decayNormAndBiasIsReadAndWrittenBackOnlyWhenOn();
  void convSparseExecutionBelowIsWrittenBackOnlyWhenNotTheDefault();
  void cifarProjectsReadAndWriteTheirLabels_data();
  void cifarProjectsReadAndWriteTheirLabels();
  void memoryBoundAcceptsUnits();
  void missingFileIsNamed();
  void shippedProjectsAreValid();
};

void TestProject::minimalProjectGetsDefaults() {
  const Project p = parseProject(R"({"format": 1, "name": "m"})", "m.json");
  QCOMPARE(p.data.dataset, std::string("fashion-mnist"));
  QCOMPARE(p.model.preset, std::string("mlp"));
  QCOMPARE(p.model.hidden, (std::vector<int>{300, 100}));
  QCOMPARE(p.train.epochs, 15);
  QCOMPARE(p.train.batchSize, 128);
  QCOMPARE(p.train.optimizer.nesterov, true);
  QCOMPARE(p.train.optimizer.decayNormAndBias, false);
  QCOMPARE(p.algorithm.name, std::string("dense"));
  QCOMPARE(p.sparsity.target, 0.0);
  QVERIFY(!p.memoryBoundBytes.has_value());
}

void TestProject::badProjectIsRefusedWithKeyPath_data() {
  QTest::addColumn<QString>("json");
  QTest::addColumn<QString>("expected");
  QTest::newRow("not json") << "{\"format\": 1,"
                            << "not valid JSON";
  // Found by fuzz_project: the parser reports this as out of range, not as a syntax error.
  QTest::newRow("number beyond a double") << R"({"format": 1, "name": "x", "train": {"epochs": 1E400}})"
                                          << "not valid JSON";
  QTest::newRow("top level array") << "[1, 2]"
                                   << "expected an object";
  QTest::newRow("no format") << R"({"name": "x"})"
                             << "format: missing";
  QTest::newRow("future format") << R"({"format": 9, "name": "x"})"
                                 << "format: version 9 is not supported";
  QTest::newRow("unknown top key") << R"({"format": 1, "name": "x", "modle": {}})"
                                   << "modle: unknown key (did you mean 'model'?)";
  QTest::newRow("unknown nested key") << QString::fromStdString(withTrain(R"({"epoch": 3})"))
                                      << "train.epoch: unknown key (did you mean 'epochs'?)";
  QTest::newRow("wrong type") << QString::fromStdString(withTrain(R"({"epochs": "ten"})"))
                              << "train.epochs: expected an integer, got a string";
  QTest::newRow("fractional integer") << QString::fromStdString(withTrain(R"({"epochs": 2.5})"))
                                      << "train.epochs: expected an integer";
  QTest::newRow("out of range") << QString::fromStdString(withTrain(R"({"epochs": 0})"))
                                << "train.epochs: must be between 1";
  QTest::newRow("negative lr") << QString::fromStdString(withTrain(R"({"optimizer": {"lr": -1}})"))
                               << "train.optimizer.lr: must be in (0, 10]";
  QTest::newRow("unknown optimizer") << QString::fromStdString(withTrain(R"({"optimizer": {"name": "adam"}})"))
                                     << "train.optimizer.name: 'adam' is not one of: sgd";
  QTest::newRow("nesterov without momentum")
      << QString::fromStdString(withTrain(R"({"optimizer": {"momentum": 0, "nesterov": true}})"))
      << "train.optimizer.nesterov";
  QTest::newRow("decay_norm_and_bias not a boolean")
      << QString::fromStdString(withTrain(R"({"optimizer": {"decay_norm_and_bias": "yes"}})"))
      << "train.optimizer.decay_norm_and_bias: expected true or false, got a string";
  QTest::newRow("unknown schedule") << QString::fromStdString(withTrain(R"({"schedule": {"name": "exp"}})"))
                                    << "train.schedule.name";
  QTest::newRow("warmup too long") << QString::fromStdString(
                                          withTrain(R"({"epochs": 3, "schedule": {"warmup_epochs": 3}})"))
                                   << "train.schedule.warmup_epochs";
  QTest::newRow("unknown dataset") << R"({"format": 1, "name": "x", "data": {"dataset": "imagenet"}})"
                                   << "data.dataset: 'imagenet' is not one of";
  QTest::newRow("idx without files") << R"({"format": 1, "name": "x", "data": {"dataset": "idx"}})"
                                     << "data.train_images: required with dataset 'idx'";
  QTest::newRow("csv key on idx") << R"({"format": 1, "name": "x", "data": {"train_csv": "a.csv"}})"
                                  << "data.train_csv: only used with dataset 'csv'";
  QTest::newRow("labels on cifar10")
      << R"({"format": 1, "name": "x", "data": {"dataset": "cifar10", "labels": "fine"}})"
      << "data.labels: only used with dataset 'cifar100'";
  QTest::newRow("labels on the default data set") << R"({"format": 1, "name": "x", "data": {"labels": "coarse"}})"
                                                  << "data.labels: only used with dataset 'cifar100'";
  QTest::newRow("unknown cifar100 labels")
      << R"({"format": 1, "name": "x", "data": {"dataset": "cifar100", "labels": "superclass"}})"
      << "data.labels: 'superclass' is not one of";
  QTest::newRow("bad validation fraction") << R"({"format": 1, "name": "x", "data": {"validation_fraction": 1.5}})"
                                           << "data.validation_fraction";
  QTest::newRow("empty hidden width") << R"({"format": 1, "name": "x", "model": {"hidden": [300, 0]}})"
                                      << "model.hidden: every width must be between 1 and 65536, found 0";
  QTest::newRow("hidden not list") << R"({"format": 1, "name": "x", "model": {"hidden": 300}})"
                                   << "model.hidden: expected a list of integers";
  QTest::newRow("even kernel") << R"({"format": 1, "name": "x", "model": {"preset": "convnet", "kernel": 4}})"
                               << "model.kernel: must be an odd size";
  QTest::newRow("sparsity out of range") << R"({"format": 1, "name": "x", "sparsity": {"target": 1.0}})"
                                         << "sparsity.target: must be a sparsity in [0, 1)";
  QTest::newRow("unknown scheme") << R"({"format": 1, "name": "x", "sparsity": {"scheme": "diagonal"}})"
                                  << "sparsity.scheme";
  QTest::newRow("unknown algorithm") << R"({"format": 1, "name": "x", "algorithm": {"name": "lottery"}})"
                                     << "algorithm.name";
  QTest::newRow("dense with options") << R"({"format": 1, "name": "x", "algorithm": {"name": "dense", "zeta": 0.3}})"
                                      << "algorithm.zeta: unknown key";
  QTest::newRow("memory bound unit") << R"({"format": 1, "name": "x", "memory_bound": "3 parsecs"})"
                                     << "memory_bound: unknown unit 'parsecs'";
  QTest::newRow("memory bound negative") << R"({"format": 1, "name": "x", "memory_bound": -5})"
                                         << "memory_bound: must be a positive number";
  QTest::newRow("removal epoch outside training")
      << R"({"format": 1, "name": "x", "train": {"epochs": 4}, "data_efficiency": {"enabled": true, "removal_epoch": 4}})"
      << "data_efficiency.removal_epoch: must fall inside training";
}

void TestProject::badProjectIsRefusedWithKeyPath() {
  QFETCH(QString, json);
  QFETCH(QString, expected);
  try {
    parseProject(json.toStdString(), "bad.json");
    QFAIL("the project was accepted");
  } catch (const InputError& e) {
    const QString message = QString::fromStdString(e.what());
    QVERIFY2(message.startsWith("bad.json: "), qPrintable(message));
    QVERIFY2(message.contains(expected), qPrintable(message));
  }
}

void TestProject::serialisedProjectReadsBackTheSame() {
  const Project p = parseProject(
      R"({"format": 1, "name": "c", "model": {"preset": "convnet", "channels": [8, 16], "fc": [32]},
          "train": {"epochs": 3, "seed": 99, "schedule": {"name": "step", "step_epochs": 2}},
          "sparsity": {"target": 0.9, "scheme": "nm", "scheme_options": {"n": 2, "m": 4}},
          "algorithm": {"name": "mest", "lambda": 0.01}, "memory_bound": "2MB"})",
      "c.json");
  const std::string once = projectToJson(p);
  const Project again = parseProject(once, "again.json");
  QCOMPARE(projectToJson(again), once);
  QCOMPARE(again.model.channels, (std::vector<int>{8, 16}));
  QCOMPARE(again.train.seed, uint64_t(99));
  QCOMPARE(again.memoryBoundBytes.value(), int64_t(2'000'000));
}

// Written back only when on: a project stored before the key existed serialises as it did then.
void TestProject::decayNormAndBiasIsReadAndWrittenBackOnlyWhenOn() {
  const Project on = parseProject(withTrain(R"({"optimizer": {"decay_norm_and_bias": true}})"), "on.json");
  QCOMPARE(on.train.optimizer.decayNormAndBias, true);
  const std::string written = projectToJson(on);
  QVERIFY2(QString::fromStdString(written).contains(R"("decay_norm_and_bias": true)"), written.c_str());
  const Project again = parseProject(written, "again.json");
  QCOMPARE(again.train.optimizer.decayNormAndBias, true);
  QCOMPARE(projectToJson(again), written);

  const Project off = parseProject(withTrain(R"({"optimizer": {"decay_norm_and_bias": false}})"), "off.json");
  QCOMPARE(off.train.optimizer.decayNormAndBias, false);
  QVERIFY(!QString::fromStdString(projectToJson(off)).contains("decay_norm_and_bias"));
  QCOMPARE(projectToJson(off), projectToJson(parseProject(withTrain("{}"), "plain.json")));
}

// Convolutions switch to the sparse kernels at a density of their own; written back only when not the default, so a
// project stored before the key existed serialises as it did then.
void TestProject::convSparseExecutionBelowIsWrittenBackOnlyWhenNotTheDefault() {
  const auto sparsity = [](const std::string& keys) {
    return R"({"format": 1, "name": "x", "sparsity": {"target": 0.9)" + keys + "}}";
  };
  const Project set = parseProject(sparsity(R"(, "conv_sparse_execution_below": 0.5)"), "set.json");
  QCOMPARE(set.sparsity.convSparseExecutionBelow, 0.5);
  QCOMPARE(set.sparsity.sparseExecutionBelow, 0.3);
  const std::string written = projectToJson(set);
  QVERIFY2(QString::fromStdString(written).contains(R"("conv_sparse_execution_below": 0.5)"), written.c_str());
  QCOMPARE(parseProject(written, "again.json").sparsity.convSparseExecutionBelow, 0.5);
  const Project plain = parseProject(sparsity(""), "plain.json");
  QCOMPARE(plain.sparsity.convSparseExecutionBelow, kDefaultConvSparseExecutionBelow);
  QVERIFY(!QString::fromStdString(projectToJson(plain)).contains("conv_sparse_execution_below"));
  try {
    parseProject(sparsity(R"(, "conv_sparse_execution_below": 1.5)"), "bad.json");
    QFAIL("a density of 1.5 was taken");
  } catch (const InputError& e) {
    QVERIFY2(QString(e.what()).contains("sparsity.conv_sparse_execution_below: must be a density in [0, 1]"), e.what());
  }
}

void TestProject::cifarProjectsReadAndWriteTheirLabels_data() {
  QTest::addColumn<QString>("data");
  QTest::addColumn<QString>("labels");  // as read; written back for cifar100 only
  QTest::addColumn<int>("classes");
  QTest::newRow("cifar100, fine by default") << R"({"dataset": "cifar100", "dir": "/data/c100"})"
                                             << "fine" << 100;
  QTest::newRow("cifar100, fine") << R"({"dataset": "cifar100", "labels": "fine"})"
                                  << "fine" << 100;
  QTest::newRow("cifar100, coarse") << R"({"dataset": "cifar100", "labels": "coarse"})"
                                    << "coarse" << 20;
  QTest::newRow("cifar10") << R"({"dataset": "cifar10", "dir": "/data/c10"})"
                           << "fine" << 10;
}

void TestProject::cifarProjectsReadAndWriteTheirLabels() {
  QFETCH(QString, data);
  QFETCH(QString, labels);
  QFETCH(int, classes);
  // Crops and flips are for image sets, and both CIFAR sets are.
  const Project p = parseProject(R"({"format": 1, "name": "c", "data": )" + data.toStdString() +
                                     R"(, "augmentation": {"random_crop": true, "horizontal_flip": true}})",
                                 "c.json");
  QCOMPARE(QString::fromStdString(p.data.labels), labels);
  const auto shape = knownInputShape(p.data);
  QVERIFY(shape.has_value());
  QCOMPARE(shape->first.channels, 3);
  QCOMPARE(shape->first.height, 32);
  QCOMPARE(shape->first.width, 32);
  QCOMPARE(shape->second, classes);
  const nlohmann::json written = nlohmann::json::parse(projectToJson(p))["data"];
  QCOMPARE(written.contains("labels"), p.data.dataset == "cifar100");
  if (p.data.dataset == "cifar100") QCOMPARE(QString::fromStdString(written["labels"].get<std::string>()), labels);
  const Project again = parseProject(projectToJson(p), "again.json");
  QCOMPARE(again.data.dataset, p.data.dataset);
  QCOMPARE(again.data.dir, p.data.dir);
  QCOMPARE(again.data.labels, p.data.labels);
}

void TestProject::memoryBoundAcceptsUnits() {
  auto bound = [](const std::string& v) {
    return parseProject(R"({"format": 1, "name": "x", "memory_bound": )" + v + "}", "x").memoryBoundBytes.value();
  };
  QCOMPARE(bound("1048576"), int64_t(1048576));
  QCOMPARE(bound("\"1.5MiB\""), int64_t(1572864));
  QCOMPARE(bound("\"512 KB\""), int64_t(512000));
}

void TestProject::missingFileIsNamed() {
  try {
    loadProject("/nonexistent/p.json");
    QFAIL("accepted a missing file");
  } catch (const InputError& e) {
    QVERIFY(QString(e.what()).contains("/nonexistent/p.json: cannot open"));
  }
}

void TestProject::shippedProjectsAreValid() {
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(SPARSESCOPE_SOURCE_DIR "/projects")) {
    if (entry.path().extension() != ".json") continue;
    if (entry.path().stem().string().ends_with("-sweep")) continue;  // sweep files: tst_sweep reads those
    const Project p = loadProject(entry.path().string());
    QCOMPARE(p.name + ".json", entry.path().filename().string());
    ++count;
  }
  QVERIFY(count >= 2);
}

QTEST_GUILESS_MAIN(TestProject)
#include "tst_project.moc"
