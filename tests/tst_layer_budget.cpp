// Layer-wise densities for a global target: uniform, ER and ERK, with dense layers counted in the budget.
#include <QtTest>
#include <cmath>

#include "core/error.h"
#include "sparse/layer_budget.h"

using namespace ss;

Q_DECLARE_METATYPE(std::vector<BudgetLayer>)
Q_DECLARE_METATYPE(std::vector<double>)

namespace {

std::vector<BudgetLayer> mlp784() {
  return {{"fc1", 300, 784}, {"fc2", 100, 300}, {"fc3", 10, 100}};
}

// conv 3->16, conv 16->32 (3x3), then linear 2048->128 and 128->10.
std::vector<BudgetLayer> smallConvnet() {
  return {{"conv1", 16, 27, 3, 3}, {"conv2", 32, 144, 3, 3}, {"fc1", 128, 2048}, {"fc2", 10, 128}};
}

std::vector<BudgetLayer> withDense(std::vector<BudgetLayer> layers, bool first, bool last) {
  if (first) layers.front().sparse = false;
  if (last) layers.back().sparse = false;
  return layers;
}

int64_t totalSize(const std::vector<LayerDensity>& d) {
  int64_t n = 0;
  for (const auto& l : d) n += l.size;
  return n;
}

int64_t totalActive(const std::vector<LayerDensity>& d) {
  int64_t n = 0;
  for (const auto& l : d) n += l.active;
  return n;
}

QString errorOf(const std::vector<BudgetLayer>& layers, const std::string& distribution, double density) {
  try {
    distributeDensity(layers, distribution, density);
  } catch (const InputError& e) {
    return QString::fromStdString(e.what());
  }
  return {};
}

}  // namespace

class TestLayerBudget : public QObject {
  Q_OBJECT

 private slots:
  void erkMatchesRigLWorkedExample_data();
  void erkMatchesRigLWorkedExample();
  void activeCountsAddUpExactly_data();
  void activeCountsAddUpExactly();
  void uniformSharesOneDensity_data();
  void uniformSharesOneDensity();
  void erIsProportionalToRawDensity();
  void erkCountsKernelTermsForConvolutions();
  void largestRawLayersBecomeDenseUntilNoneExceedsOne();
  void denseLayersStayDense_data();
  void denseLayersStayDense();
  void infeasibleTargetNamesSmallestDensity();
  void badRequestsAreRejected_data();
  void badRequestsAreRejected();
  void tableListsEveryLayerAndTheTotal();
};

void TestLayerBudget::erkMatchesRigLWorkedExample_data() {
  QTest::addColumn<double>("sparsity");
  QTest::addColumn<std::vector<double>>("expected");
  // clang-format off
  QTest::newRow("90%") << 0.9 << std::vector<double>{0.079568, 0.230189, 1.0};
  QTest::newRow("98%") << 0.98 << std::vector<double>{0.015394, 0.044534, 0.367403};
  // clang-format on
}

void TestLayerBudget::erkMatchesRigLWorkedExample() {
  QFETCH(double, sparsity);
  QFETCH(std::vector<double>, expected);
  const auto d = distributeDensity(mlp784(), "erk", 1.0 - sparsity);
  QCOMPARE(d.size(), expected.size());
  for (size_t l = 0; l < d.size(); ++l) {
    QVERIFY2(std::abs(d[l].density - expected[l]) < 1e-5,
             qPrintable(QString("%1: %2, expected %3").arg(d[l].name.c_str()).arg(d[l].density).arg(expected[l])));
  }
  QCOMPARE(totalActive(d), std::llround((1.0 - sparsity) * double(totalSize(d))));
}

void TestLayerBudget::activeCountsAddUpExactly_data() {
  QTest::addColumn<std::vector<BudgetLayer>>("layers");
  QTest::addColumn<QString>("distribution");
  QTest::addColumn<double>("density");
  const std::vector<std::pair<const char*, std::vector<BudgetLayer>>> models = {
      {"mlp", mlp784()},
      {"mlp dense first", withDense(mlp784(), true, false)},
      {"convnet", smallConvnet()},
      {"convnet dense first+last", withDense(smallConvnet(), true, true)},
      {"odd shapes", {{"a", 7, 13}, {"b", 1, 1}, {"c", 3, 1}, {"d", 1, 9, 3, 3}, {"e", 5, 45, 3, 3}}},
      {"one element", {{"only", 1, 1}}},
  };
  for (const auto& [model, layers] : models)
    for (const char* distribution : {"uniform", "er", "erk"})
      for (double density : {0.0, 0.01, 0.1, 0.2, 0.5, 0.9, 1.0}) {
        if (errorOf(layers, distribution, density).isEmpty())
          QTest::addRow("%s %s d=%g", model, distribution, density) << layers << QString(distribution) << density;
      }
}

void TestLayerBudget::activeCountsAddUpExactly() {
  QFETCH(std::vector<BudgetLayer>, layers);
  QFETCH(QString, distribution);
  QFETCH(double, density);
  const auto d = distributeDensity(layers, distribution.toStdString(), density);
  QCOMPARE(d.size(), layers.size());
  QCOMPARE(totalActive(d), std::llround(density * double(totalSize(d))));
  double realTotal = 0.0;
  for (size_t l = 0; l < d.size(); ++l) {
    QCOMPARE(d[l].name, layers[l].name);
    QCOMPARE(d[l].size, int64_t(layers[l].rows) * layers[l].cols);
    QVERIFY(d[l].density >= 0.0 && d[l].density <= 1.0);
    QVERIFY(d[l].active >= 0 && d[l].active <= d[l].size);
    QVERIFY2(std::abs(double(d[l].active) - d[l].density * double(d[l].size)) < 1.0 + 1e-9, d[l].name.c_str());
    realTotal += d[l].density * double(d[l].size);
  }
  QVERIFY(std::abs(realTotal - density * double(totalSize(d))) < 1e-6 * double(totalSize(d)));
}

void TestLayerBudget::uniformSharesOneDensity_data() {
  QTest::addColumn<std::vector<BudgetLayer>>("layers");
  QTest::addColumn<double>("density");
  QTest::addColumn<double>("sparseDensity");
  // clang-format off
  QTest::newRow("mlp 0.1") << mlp784() << 0.1 << 0.1;
  QTest::newRow("convnet 0.05") << smallConvnet() << 0.05 << 0.05;
  // conv1 (432 weights) dense: the other 2048*128 + 144*32 + 1280 = 268032 share the rest.
  QTest::newRow("convnet dense first") << withDense(smallConvnet(), true, false) << 0.1
      << (0.1 * 268464.0 - 432.0) / 268032.0;
  // clang-format on
}

void TestLayerBudget::uniformSharesOneDensity() {
  QFETCH(std::vector<BudgetLayer>, layers);
  QFETCH(double, density);
  QFETCH(double, sparseDensity);
  const auto d = distributeDensity(layers, "uniform", density);
  for (size_t l = 0; l < d.size(); ++l) {
    if (layers[l].sparse)
      QVERIFY2(std::abs(d[l].density - sparseDensity) < 1e-12, d[l].name.c_str());
    else
      QCOMPARE(d[l].density, 1.0);
  }
}

void TestLayerBudget::erIsProportionalToRawDensity() {
  const auto d = distributeDensity(mlp784(), "er", 0.02);
  QVERIFY(d[2].density < 1.0);
  const double raw1 = (784.0 + 300.0) / (784.0 * 300.0), raw3 = (100.0 + 10.0) / (100.0 * 10.0);
  QVERIFY(std::abs(d[0].density / d[2].density - raw1 / raw3) < 1e-12);
}

void TestLayerBudget::erkCountsKernelTermsForConvolutions() {
  const std::vector<BudgetLayer> convs = {{"conv1", 16, 27, 3, 3}, {"conv2", 32, 144, 3, 3}};
  const auto erk = distributeDensity(convs, "erk", 0.1);
  const double raw1 = (3.0 + 16 + 3 + 3) / (3.0 * 16 * 9), raw2 = (16.0 + 32 + 3 + 3) / (16.0 * 32 * 9);
  QVERIFY(erk[0].density < 1.0);
  QVERIFY(std::abs(erk[0].density / erk[1].density - raw1 / raw2) < 1e-12);
  const auto er = distributeDensity(convs, "er", 0.1);
  QVERIFY(std::abs(er[0].density / er[1].density - ((3.0 + 16) / (3.0 * 16)) / ((16.0 + 32) / (16.0 * 32))) < 1e-12);
}

// 784-300-100-30-10 at density 0.5: fc4 exceeds 1 first; each re-solve raises eps, so fc3 and then fc2
// follow, one largest-raw layer at a time, and fc1 takes what is left.
void TestLayerBudget::largestRawLayersBecomeDenseUntilNoneExceedsOne() {
  const std::vector<BudgetLayer> layers = {{"fc1", 300, 784}, {"fc2", 100, 300}, {"fc3", 30, 100}, {"fc4", 10, 30}};
  const auto d = distributeDensity(layers, "erk", 0.5);
  QCOMPARE(d[1].density, 1.0);
  QCOMPARE(d[2].density, 1.0);
  QCOMPARE(d[3].density, 1.0);
  QVERIFY(std::abs(d[0].density - (0.5 * 268500.0 - 33300.0) / 235200.0) < 1e-12);
  const auto lower = distributeDensity(layers, "erk", 0.2);
  QCOMPARE(lower[2].density, 1.0);
  QCOMPARE(lower[3].density, 1.0);
  QVERIFY(lower[1].density < 1.0);
  const double raw1 = (784.0 + 300) / (784.0 * 300), raw2 = (300.0 + 100) / (300.0 * 100);
  QVERIFY(std::abs(lower[0].density / lower[1].density - raw1 / raw2) < 1e-12);
}

void TestLayerBudget::denseLayersStayDense_data() {
  QTest::addColumn<bool>("first");
  QTest::addColumn<bool>("last");
  QTest::addColumn<QString>("distribution");
  for (const char* distribution : {"uniform", "er", "erk"}) {
    QTest::addRow("first %s", distribution) << true << false << QString(distribution);
    QTest::addRow("last %s", distribution) << false << true << QString(distribution);
    QTest::addRow("first+last %s", distribution) << true << true << QString(distribution);
  }
}

void TestLayerBudget::denseLayersStayDense() {
  QFETCH(bool, first);
  QFETCH(bool, last);
  QFETCH(QString, distribution);
  const auto layers = withDense(smallConvnet(), first, last);
  const auto d = distributeDensity(layers, distribution.toStdString(), 0.1);
  for (size_t l = 0; l < d.size(); ++l) {
    if (layers[l].sparse) continue;
    QCOMPARE(d[l].density, 1.0);
    QCOMPARE(d[l].active, d[l].size);
  }
  QCOMPARE(totalActive(d), std::llround(0.1 * double(totalSize(d))));
}

void TestLayerBudget::infeasibleTargetNamesSmallestDensity() {
  // fc1 dense holds 235200 of 266200 weights: no global density below 0.883546 is reachable.
  const QString error = errorOf(withDense(mlp784(), true, false), "erk", 0.1);
  QVERIFY2(error.contains("smallest feasible density is 0.883546"), qPrintable(error));
  QVERIFY2(error.contains("fc1"), qPrintable(error));
  QVERIFY2(error.startsWith("sparsity.target"), qPrintable(error));
  QVERIFY(errorOf(withDense(mlp784(), true, false), "uniform", 235200.0 / 266200.0).isEmpty());
  const QString allDense = errorOf(withDense({{"only", 3, 3}}, true, false), "erk", 0.5);
  QVERIFY2(allDense.contains("smallest feasible density is 1"), qPrintable(allDense));
}

void TestLayerBudget::badRequestsAreRejected_data() {
  QTest::addColumn<std::vector<BudgetLayer>>("layers");
  QTest::addColumn<QString>("distribution");
  QTest::addColumn<double>("density");
  QTest::addColumn<QString>("message");
  // clang-format off
  QTest::newRow("unknown distribution") << mlp784() << "random" << 0.1 << "sparsity.distribution: 'random'";
  QTest::newRow("density above 1") << mlp784() << "erk" << 1.5 << "sparsity.target";
  QTest::newRow("negative density") << mlp784() << "erk" << -0.1 << "sparsity.target";
  QTest::newRow("NaN density") << mlp784() << "erk" << std::nan("") << "sparsity.target";
  QTest::newRow("partial kernels") << std::vector<BudgetLayer>{{"conv1", 8, 26, 3, 3}} << "erk" << 0.1
      << "layer conv1: 26 inputs are not whole 3x3 kernels";
  QTest::newRow("empty layer") << std::vector<BudgetLayer>{{"fc0", 0, 5}} << "er" << 0.1 << "layer fc0";
  // clang-format on
}

void TestLayerBudget::badRequestsAreRejected() {
  QFETCH(std::vector<BudgetLayer>, layers);
  QFETCH(QString, distribution);
  QFETCH(double, density);
  QFETCH(QString, message);
  const QString error = errorOf(layers, distribution.toStdString(), density);
  QVERIFY2(error.contains(message), qPrintable(error));
}

void TestLayerBudget::tableListsEveryLayerAndTheTotal() {
  const auto d = distributeDensity(mlp784(), "erk", 0.1);
  const QString table = QString::fromStdString(formatDensityTable(d));
  const QStringList lines = table.split('\n', Qt::SkipEmptyParts);
  QCOMPARE(lines.size(), 5);
  QVERIFY(lines[0].contains("layer") && lines[0].contains("size") && lines[0].contains("density") &&
          lines[0].contains("active"));
  QVERIFY2(lines[1].contains("fc1") && lines[1].contains("235200") && lines[1].contains("0.079568"),
           qPrintable(lines[1]));
  QVERIFY2(lines[3].contains("fc3") && lines[3].contains("1.000000"), qPrintable(lines[3]));
  QVERIFY2(lines[4].startsWith("total") && lines[4].contains("266200") && lines[4].contains("0.100000") &&
               lines[4].contains("26620"),
           qPrintable(lines[4]));
}

QTEST_GUILESS_MAIN(TestLayerBudget)
#include "tst_layer_budget.moc"
