// Every example project a user opens first parses, and builds its model on its data set's image shape with the
// sparsity it asks for: a preset, key or layer name that an engine change broke shows here, without the data set.
#include <QtTest>
#include <filesystem>

#include "core/rng.h"
#include "nn/model_factory.h"
#include "project/project.h"
#include "sparse/layer_budget.h"
#include "sparse/weight_matrix.h"

using namespace ss;

class TestExampleProjects : public QObject {
  Q_OBJECT

 private slots:
  void everyProjectBuildsItsModel_data();
  void everyProjectBuildsItsModel();
};

namespace {

// The shape and classes of each data set the examples use, as its reader reports them.
std::pair<ExampleShape, int> dataShape(const DataSpec& d) {
  if (d.dataset == "fashion-mnist" || d.dataset == "mnist") return {{1, 28, 28}, 10};
  if (d.dataset == "cifar10") return {{3, 32, 32}, 10};
  if (d.dataset == "cifar100") return {{3, 32, 32}, 100};
  return {{1, 1, 2}, d.classes};  // the synthetic two-feature sets
}

}  // namespace

void TestExampleProjects::everyProjectBuildsItsModel_data() {
  QTest::addColumn<QString>("path");
  int projects = 0;
  for (const auto& entry : std::filesystem::directory_iterator(SPARSESCOPE_SOURCE_DIR "/projects")) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() != ".json" || name.find("sweep") != std::string::npos) continue;
    QTest::newRow(name.c_str()) << QString::fromStdString(entry.path().string());
    ++projects;
  }
  QVERIFY(projects >= 30);
}

void TestExampleProjects::everyProjectBuildsItsModel() {
  QFETCH(QString, path);
  const Project p = loadProject(path.toStdString());
  const auto [shape, classes] = dataShape(p.data);
  Rng init(p.train.seed), masks(p.train.seed + 1);
  std::vector<LayerDensity> plan;
  Model model = buildSparseModel(p.model, shape, classes, init, {p.sparsity, masks}, 0, plan);
  QVERIFY(!model.layers().empty());
  int64_t active = 0, size = 0;
  for (const LayerDensity& d : plan) {
    active += d.active;
    size += d.size;
  }
  if (p.sparsity.target > 0) {
    QVERIFY2(std::abs(1.0 - double(active) / double(size) - p.sparsity.target) < 1e-3,
             qPrintable(QString("sparsity %1").arg(1.0 - double(active) / double(size))));
    // "first" keeps the stem dense, as the residual projects ask.
    for (const std::string& kept : p.sparsity.denseLayers)
      if (kept == "first") QCOMPARE(plan.front().active, plan.front().size);
  }
}

QTEST_APPLESS_MAIN(TestExampleProjects)
#include "tst_example_projects.moc"
