// The run browser groups a sweep's runs: choosing the sweep shows only them, and its summary plots final
// accuracy against sparsity (the seeds' mean, their range as error bars) and against training time.
// Set SPARSESCOPE_SCREENSHOT_DIR to keep a PNG of the summary.
#include <qcustomplot.h>

#include <QtTest>
#include <map>

#include "run_browser.h"
#include "store/run_store.h"
#include "store_test_helpers.h"
#include "sweep/sweep_plan.h"
#include "sweep_summary_view.h"
#include "train/experiment.h"

using namespace ss;

namespace {

constexpr const char* kSweep = R"({"sweep_format": 1, "id": "gui-sweep",
  "base": {"format": 1, "name": "base", "data": {"dataset": "spirals", "examples": 600, "classes": 3},
           "model": {"hidden": [16, 16]}, "sparsity": {"distribution": "uniform"},
           "train": {"epochs": 2, "batch_size": 32, "threads": 1}},
  "axes": [{"key": "algorithm.name", "values": ["static", "set"]},
           {"key": "sparsity.target", "values": [0.5, 0.8]},
           {"key": "train.seed", "values": [1, 2]}]})";

}  // namespace

class TestGuiSweep : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

  void aSweepIsGroupedAndSummarised() {
    QTemporaryDir dir;
    const std::string db = storePath(dir);
    const SweepPlan plan = parseSweep(kSweep, "gui-sweep.json");
    QCOMPARE(plan.runs.size(), size_t(8));
    std::map<std::pair<std::string, double>, std::vector<double>> accuracies;  // (algorithm, target) -> seeds
    {
      RunStore store(db);
      RunControl control;
      for (const SweepRun& r : plan.runs) {
        const Project project = parseProject(r.projectJson, r.name);
        const RunOutcome outcome = Experiment(project).run(store, control, {});
        accuracies[{project.algorithm.name, project.sparsity.target}].push_back(*outcome.finalTestAccuracy);
      }
      // A run of no sweep in the same store.
      Project alone = parseProject(plan.runs.front().projectJson, "alone");
      alone.sweep.reset();
      Experiment(alone).run(store, control, {});
    }
    {
      const RunStore store(db);
      const RunSummary first = store.run(1);
      QCOMPARE(first.sweepId, std::string("gui-sweep"));
      QCOMPARE(first.sweepSeries, std::string("static"));  // the label of its only axis but sparsity and seed
    }

    ui::RunBrowser browser;
    browser.refresh(QString::fromStdString(db));
    QCOMPARE(browser.rowCount(), 9);
    QCOMPARE(browser.sweeps(), QStringList{"gui-sweep"});
    QVERIFY(!browser.sweepSummary()->isVisibleTo(&browser));

    browser.showSweep("gui-sweep");
    QCOMPARE(browser.rowCount(), 8);
    QVERIFY(browser.sweepSummary()->isVisibleTo(&browser));
    ui::SweepSummaryView* summary = browser.sweepSummary();
    QCOMPARE(summary->seriesCount(), 2);
    QCustomPlot* bySparsity = summary->accuracyBySparsityPlot();
    for (int g = 0; g < bySparsity->graphCount(); ++g) {
      QCPGraph* curve = bySparsity->graph(g);
      const std::string algorithm = curve->name().toStdString();
      QCOMPARE(curve->dataCount(), 2);
      for (int i = 0; i < curve->dataCount(); ++i) {
        const double target = curve->data()->at(i)->key / 100.0;
        const std::vector<double>& seeds = accuracies.at({algorithm, std::round(target * 10) / 10});
        QCOMPARE(curve->data()->at(i)->value, 100.0 * (seeds[0] + seeds[1]) / 2);
      }
    }
    QCOMPARE(
        summary->accuracyByTimePlot()->graph(0)->dataCount() + summary->accuracyByTimePlot()->graph(1)->dataCount(), 8);

    const QByteArray shots = qgetenv("SPARSESCOPE_SCREENSHOT_DIR");
    if (!shots.isEmpty()) {
      browser.resize(1280, 800);
      browser.show();
      QTest::qWait(200);
      QVERIFY(browser.grab().save(QString::fromUtf8(shots) + "/sweep-summary-test-1280x800.png"));
    }

    browser.showSweep(QString());
    QCOMPARE(browser.rowCount(), 9);
    QVERIFY(!browser.sweepSummary()->isVisibleTo(&browser));
  }
};

QTEST_MAIN(TestGuiSweep)
#include "tst_gui_sweep.moc"
