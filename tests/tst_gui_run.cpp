// The desktop explorer runs a project on its worker thread and shows it live: the dashboard holds every
// epoch, pause holds the run still, stop cancels it into the store, and the GUI thread keeps answering.
// Set SPARSESCOPE_SCREENSHOT_DIR to keep PNGs of the window for review.
#include <qcustomplot.h>

#include <QAction>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QtTest>

#include "comparison_view.h"
#include "example_grid_model.h"
#include "forgetting_view.h"
#include "layer_list_editor.h"
#include "main_window.h"
#include "mask_viewer.h"
#include "project_editor.h"
#include "run_browser.h"
#include "run_controller.h"
#include "store/run_store.h"
#include "test_helpers.h"
#include "test_palettes.h"
#include "train/checkpoint.h"
#include "train/experiment.h"
#include "training_dashboard.h"

using namespace ss;

namespace {

std::string spiralsProject(const QTemporaryDir& dir, int epochs) {
  return writeTestText(dir, "spirals.json",
                       R"({"format": 1, "name": "gui-spirals", "algorithm": {"name": "set"},
      "data": {"dataset": "spirals", "examples": 1600, "classes": 3, "noise": 0.05},
      "model": {"preset": "mlp", "hidden": [64, 64]},
      "sparsity": {"target": 0.8, "distribution": "uniform"},
      "train": {"epochs": )" +
                           std::to_string(epochs) + R"(, "batch_size": 32, "threads": 2,
                "optimizer": {"lr": 0.1, "weight_decay": 0.0001}}})");
}

struct Ended {
  bool done = false;
  RunStatus status = RunStatus::Running;
  int64_t runId = 0;
  QString message;
};

// Fills `ended` when the controller announces the end of its run.
void recordEnd(QObject* context, ui::RunController* controller, Ended& ended) {
  QObject::connect(controller, &ui::RunController::runEnded, context,
                   [&ended](RunStatus s, const QString& m, int64_t id) {
                     ended = {true, s, id, m};
                   });
}

// Saves a PNG of the window, sized for the README, when SPARSESCOPE_SCREENSHOT_DIR is set.
void screenshot(ui::MainWindow& window, QWidget* tab, const QString& name) {
  const QByteArray shots = qgetenv("SPARSESCOPE_SCREENSHOT_DIR");
  if (shots.isEmpty()) return;
  window.resize(1280, 800);
  window.show();
  if (tab) window.tabs()->setCurrentWidget(tab);
  QTest::qWait(300);
  QVERIFY(window.grab().save(QString::fromUtf8(shots) + "/" + name + "-1280x800.png"));
}

// Trains the project headless into the store at db, as a run the window then opens from the store.
int64_t runIntoStore(const Project& project, const QString& db) {
  RunStore store(db.toStdString());
  RunControl control;
  return Experiment(project).run(store, control, {}).runId;
}

// Records every gap between ticks of a 5 ms timer on the GUI thread: how long its event loop went without
// a turn (the timer's own 5 ms included).
struct StallMeter : QObject {
  QTimer timer;
  QElapsedTimer clock;
  std::vector<double> gapsMs;
  StallMeter() {
    clock.start();
    connect(&timer, &QTimer::timeout, this, [this] {
      gapsMs.push_back(double(clock.nsecsElapsed()) / 1e6);
      clock.restart();
    });
    timer.setTimerType(Qt::PreciseTimer);
    timer.start(5);
  }
  double worstMs() const { return gapsMs.empty() ? 0 : *std::max_element(gapsMs.begin(), gapsMs.end()); }
  double percentileMs(double p) const {
    if (gapsMs.empty()) return 0;
    std::vector<double> sorted = gapsMs;
    std::sort(sorted.begin(), sorted.end());
    return sorted[std::min(sorted.size() - 1, size_t(p * double(sorted.size())))];
  }
};

// Runs the application's own event loop for up to `ms`, or until `controller` announces the end of its run.
// QTest::qWait and QTRY_* would not do for measuring stalls: between rounds of events they sleep up to 10 ms
// themselves, and those sleeps would be counted as the window's.
void runEventLoop(int ms, ui::RunController* controller) {
  QEventLoop loop;
  QTimer::singleShot(ms, &loop, &QEventLoop::quit);
  if (controller) QObject::connect(controller, &ui::RunController::runEnded, &loop, &QEventLoop::quit);
  loop.exec();
}

}  // namespace

class TestGuiRun : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() { QStandardPaths::setTestModeEnabled(true); }  // settings never touch the user's
  void runsToTheEndAndPlotsEveryEpoch();
  void aModelBuiltInTheLayerListRunsToTheEnd();
  void aResNetRunsAndShowsEachLayer();
  void pauseHoldsTheRunAndStopCancelsIt();
  void aProjectThatCannotStartReportsWhy();
  void aStoppedRunOpensFromTheBrowserAndResumes();
  void closingTheWindowDuringARunCancelsItWithACheckpoint();
  void maskViewerShowsEverySnapshotAndItsMutation();
  void examplesViewShowsForgettingAndTheRemovedSet();
  void selectedRunsAreComparedSideBySide();
  void screenshotsOfAFashionRunInProgress();
  void eventLoopGapsDuringAFashionRun();

 private:
  QTemporaryDir dir_;
};

void TestGuiRun::runsToTheEndAndPlotsEveryEpoch() {
  ui::MainWindow window;
  window.setStorePath(dir_.filePath("gui.db"));
  window.show();
  QVERIFY(!window.runAction()->isEnabled());  // nothing to run before a project is open
  QVERIFY(window.openProject(QString::fromStdString(spiralsProject(dir_, 12))));
  QVERIFY(window.runAction()->isEnabled());
  Ended ended;
  recordEnd(this, window.runController(), ended);
  int maskEvents = 0;
  connect(window.runController(), &ui::RunController::maskChanged, this, [&] { ++maskEvents; });
  StallMeter stall;
  window.runAction()->trigger();
  QVERIFY(!window.runAction()->isEnabled());
  QVERIFY(window.stopAction()->isEnabled());
  QTRY_VERIFY_WITH_TIMEOUT(ended.done, 120000);
  QVERIFY2(ended.status == RunStatus::Finished, qPrintable(ended.message));
  qInfo("longest GUI event-loop gap during the run: %.1f ms", stall.worstMs());

  ui::TrainingDashboard* d = window.dashboard();
  QCOMPARE(d->accuracyPlot()->graph(1)->dataCount(), 12);  // test accuracy, one point per epoch
  QCOMPARE(d->lossPlot()->graph(2)->dataCount(), 12);
  QVERIFY(maskEvents > 0);
  RunStore store(window.storePath().toStdString());
  const auto epochs = store.epochs(ended.runId);
  QCOMPARE(epochs.size(), size_t(12));
  QCOMPARE(int64_t(d->lossPlot()->graph(0)->dataCount()), epochs.back().step);  // every step's loss
  QCOMPARE(d->schedulePlot()->graph(1)->data()->at(11)->value, epochs.back().density);
  QCOMPARE(d->memoryPlot()->graph(0)->dataCount(), 12);  // the measured peak above the base, every epoch
  // The model's lines stacked: the top band is the model's peak.
  QCPGraph* top = d->memoryPlot()->graph(d->memoryPlot()->graphCount() - 1);
  QVERIFY(qFuzzyCompare(top->data()->at(0)->value, double(epochs.back().memoryBytes) / 1e6));
  QVERIFY(std::abs(epochs.back().density - 0.2) < 0.001);  // SET keeps the density at 1 - 0.8
  QCOMPARE(d->accuracyPlot()->graph(1)->data()->at(11)->value, 100.0 * epochs.back().testAccuracy);
  QVERIFY(window.runAction()->isEnabled());
  if (const QByteArray shots = qgetenv("SPARSESCOPE_SCREENSHOT_DIR"); !shots.isEmpty()) {
    for (QSize size : {QSize(1280, 800), QSize(1920, 1080)}) {
      window.resize(size);
      QTest::qWait(300);
      QVERIFY(window.grab().save(
          QString("%1/dashboard-%2x%3.png").arg(QString::fromUtf8(shots)).arg(size.width()).arg(size.height())));
    }
  }
}

// The model as a user builds it: buttons and cells of the layer list, then Run.
void TestGuiRun::aModelBuiltInTheLayerListRunsToTheEnd() {
  ui::MainWindow window;
  window.setStorePath(dir_.filePath("layers.db"));
  window.show();
  QVERIFY(window.openProject(QString::fromStdString(spiralsProject(dir_, 4))));
  window.tabs()->setCurrentWidget(window.projectEditor());
  ui::LayerListEditor* layers = window.projectEditor()->layerList();
  QTableWidget* table = layers->table();
  auto button = [layers](const char* name) { return layers->findChild<QAbstractButton*>(name); };
  table->selectRow(1);
  button("addDense")->click();  // below the selected layer: 64, 64, 128
  table->item(2, 1)->setText("32");
  table->selectRow(0);
  button("removeLayer")->click();
  button("addDense")->click();  // 64, 128 (new), 32 after Remove left the first row selected
  QVERIFY(window.projectEditor()->problem().isEmpty());
  table->selectRow(2);
  button("moveLayerUp")->click();
  const std::vector<int> built{64, 32, 128};
  QCOMPARE(window.projectEditor()->project()->model.hidden, built);
  QTRY_VERIFY(!window.projectEditor()->planPending());
  QCOMPARE(window.projectEditor()->layerTable()->item(6, 0)->text(), QString("fc4"));  // the plan's classifier

  Ended ended;
  recordEnd(this, window.runController(), ended);
  window.runAction()->trigger();
  QTRY_VERIFY_WITH_TIMEOUT(ended.done, 120000);
  QVERIFY2(ended.status == RunStatus::Finished, qPrintable(ended.message));
  QCOMPARE(window.dashboard()->accuracyPlot()->graph(1)->dataCount(), 4);
  RunStore store(window.storePath().toStdString());
  QCOMPARE(parseProject(store.projectJson(ended.runId), "stored").model.hidden, built);
  QCOMPARE(window.maskViewer()->layers(), (QStringList{"fc1", "fc2", "fc3", "fc4"}));
}

// A ResNet-8 (one basic block per stage, projection shortcuts where a stage halves the image) on generated 12x12
// images, cropped and flipped, sparse under RigL so that masks change within its one short epoch: run from the
// window, its layers, the blocks' shortcuts among them, reach the dashboard and the mask viewer.
void TestGuiRun::aResNetRunsAndShowsEachLayer() {
  QTemporaryDir data;
  writeIdxPair(data, "train", 256, 1);
  writeIdxPair(data, "test", 64, 2);
  const std::string d = data.path().toStdString() + "/";
  const std::string path =
      writeTestText(data, "resnet.json",
                    R"({"format": 1, "name": "gui-resnet8",
      "data": {"dataset": "idx", "train_images": ")" +
                        d + R"(train-images", "train_labels": ")" + d + R"(train-labels", "test_images": ")" + d +
                        R"(test-images", "test_labels": ")" + d +
                        R"(test-labels"},
      "model": {"preset": "resnet", "depth": 8},
      "augmentation": {"random_crop": true, "horizontal_flip": true},
      "sparsity": {"target": 0.5, "distribution": "uniform"},
      "algorithm": {"name": "rigl", "update_steps": 3},
      "train": {"epochs": 1, "batch_size": 32, "threads": 2, "log_every_steps": 1, "optimizer": {"lr": 0.05}}})");
  ui::MainWindow window;
  window.setStorePath(dir_.filePath("resnet.db"));
  window.show();
  QVERIFY(window.openProject(QString::fromStdString(path)));
  ui::ProjectEditor* editor = window.projectEditor();
  QCOMPARE(editor->presetBox()->currentText(), QString("resnet"));
  QCOMPARE(editor->resnetDepthBox()->value(), 8);

  Ended ended;
  recordEnd(this, window.runController(), ended);
  QSet<QString> mutated;
  const bool shots = !qgetenv("SPARSESCOPE_SCREENSHOT_DIR").isEmpty();
  connect(window.runController(), &ui::RunController::maskChanged, this, [&](const MaskChangeEvent& e) {
    if (e.step > 0 && mutated.isEmpty() && shots) window.pauseAction()->trigger();  // a picture of it running
    if (e.step > 0) mutated.insert(QString::fromStdString(e.layer));
  });
  window.runAction()->trigger();
  if (shots) {
    QTRY_VERIFY_WITH_TIMEOUT(window.runController()->paused() || ended.done, 120000);
    screenshot(window, window.dashboard(), "resnet-running-dashboard");
    window.pauseAction()->trigger();
  }
  QTRY_VERIFY_WITH_TIMEOUT(ended.done, 120000);
  QVERIFY2(ended.status == RunStatus::Finished, qPrintable(ended.message));
  QVERIFY(mutated.contains("stage2.block1.shortcut"));  // RigL's updates inside the epoch reach every layer

  RunStore store(window.storePath().toStdString());
  const auto epochs = store.epochs(ended.runId);
  QCOMPARE(epochs.size(), size_t(1));
  QCOMPARE(window.dashboard()->accuracyPlot()->graph(1)->dataCount(), 1);
  QCOMPARE(window.dashboard()->accuracyPlot()->graph(1)->data()->at(0)->value, 100.0 * epochs[0].testAccuracy);
  // Ten layers' densities (eight and two shortcuts) share one legend entry beside the learning rate's and the model's.
  QCPLegend* legend = window.dashboard()->schedulePlot()->legend;
  QCOMPARE(legend->itemCount(), 3);
  auto* layersEntry = qobject_cast<QCPPlottableLegendItem*>(legend->item(2));
  QVERIFY(layersEntry);
  QCOMPARE(layersEntry->plottable()->name(), QString("density of each of 10 layers"));
  const QStringList layers = window.maskViewer()->layers();
  for (const char* layer : {"conv1", "stage1.block1.conv1", "stage2.block1.conv2", "stage2.block1.shortcut",
                            "stage3.block1.shortcut", "fc"})
    QVERIFY2(layers.contains(layer), qPrintable(layers.join(", ")));
  window.maskViewer()->selectLayer("stage2.block1.shortcut");
  QVERIFY(window.maskViewer()->snapshotCount() >= 2);                       // the start and the end at least
  QCOMPARE(window.maskViewer()->shownActiveCount(), int64_t(32 * 16 / 2));  // 16 to 32 channels, 1x1, half kept
  screenshot(window, window.dashboard(), "resnet-finished-dashboard");
  screenshot(window, window.maskViewer(), "resnet-finished-masks");
}

void TestGuiRun::pauseHoldsTheRunAndStopCancelsIt() {
  ui::MainWindow window;
  window.setStorePath(dir_.filePath("pause.db"));
  QVERIFY(window.openProject(QString::fromStdString(spiralsProject(dir_, 100000))));
  Ended ended;
  recordEnd(this, window.runController(), ended);
  int64_t lastStep = 0;
  connect(window.runController(), &ui::RunController::stepsArrived, this,
          [&](const QVector<StepRecord>& steps) { lastStep = steps.back().step; });
  window.runAction()->trigger();
  QTRY_VERIFY_WITH_TIMEOUT(lastStep > 100, 60000);

  window.pauseAction()->trigger();
  QVERIFY(window.runController()->paused());
  QCOMPARE(window.pauseAction()->text(), QString("&Resume"));
  // The step under way when pause was pressed still finishes and arrives; then nothing moves.
  int64_t heldAt = -1;
  for (int tries = 0; tries < 50 && heldAt != lastStep; ++tries) {
    heldAt = lastStep;
    QTest::qWait(300);
  }
  QTest::qWait(500);
  QCOMPARE(lastStep, heldAt);

  window.pauseAction()->trigger();
  QVERIFY(!window.runController()->paused());
  QTRY_VERIFY_WITH_TIMEOUT(lastStep > heldAt + 50, 30000);

  window.stopAction()->trigger();
  QTRY_VERIFY_WITH_TIMEOUT(ended.done, 30000);
  QVERIFY2(ended.status == RunStatus::Cancelled, qPrintable(ended.message));
  RunStore store(window.storePath().toStdString());
  QCOMPARE(store.run(ended.runId).status, std::string("cancelled"));
  QVERIFY(store.latestCheckpoint(ended.runId));  // so it can be resumed
}

void TestGuiRun::aProjectThatCannotStartReportsWhy() {
  ui::RunController controller;
  Project p =
      parseProject(R"({"format": 1, "name": "nodata", "data": {"dataset": "idx", "train_images": "/nonexistent/x",
      "train_labels": "/nonexistent/y", "test_images": "/nonexistent/z", "test_labels": "/nonexistent/w"}})",
                   "nodata.json");
  Ended ended;
  recordEnd(this, &controller, ended);
  QVERIFY(controller.start(p, dir_.filePath("nodata.db")));
  QVERIFY(!controller.start(p, dir_.filePath("nodata.db")));  // one run at a time
  QTRY_VERIFY_WITH_TIMEOUT(ended.done, 30000);
  QVERIFY(ended.status == RunStatus::Failed);
  QVERIFY2(ended.message.contains("/nonexistent/"), qPrintable(ended.message));
  QVERIFY(!controller.running());
}

void TestGuiRun::aStoppedRunOpensFromTheBrowserAndResumes() {
  ui::MainWindow window;
  window.setStorePath(dir_.filePath("browse.db"));
  QVERIFY(window.openProject(QString::fromStdString(spiralsProject(dir_, 40))));
  Ended ended;
  recordEnd(this, window.runController(), ended);
  int epochsSeen = 0;
  connect(window.runController(), &ui::RunController::epochEnded, this, [&] {
    if (++epochsSeen == 3) window.stopAction()->trigger();
  });
  window.runAction()->trigger();
  QTRY_VERIFY_WITH_TIMEOUT(ended.done, 60000);
  QVERIFY2(ended.status == RunStatus::Cancelled, qPrintable(ended.message));

  window.tabs()->setCurrentWidget(window.runBrowser());  // showing the tab reads the store
  QCOMPARE(window.runBrowser()->rowCount(), 1);
  QVERIFY(window.openStoredRun(ended.runId));
  const int logged = window.dashboard()->accuracyPlot()->graph(1)->dataCount();
  QVERIFY2(logged >= 3 && logged < 40, qPrintable(QString::number(logged)));
  QVERIFY(window.dashboard()->lossPlot()->graph(0)->dataCount() > 0);

  const int64_t id = ended.runId;
  ended = {};
  QVERIFY(window.resumeStoredRun(id));
  QTRY_VERIFY_WITH_TIMEOUT(ended.done, 120000);
  QVERIFY2(ended.status == RunStatus::Finished, qPrintable(ended.message));
  QCOMPARE(window.dashboard()->accuracyPlot()->graph(1)->dataCount(), 40);
  RunStore store(window.storePath().toStdString());
  QCOMPARE(store.run(id).status, std::string("finished"));
  QCOMPARE(store.epochs(id).size(), size_t(40));
}

void TestGuiRun::closingTheWindowDuringARunCancelsItWithACheckpoint() {
  const QString db = dir_.filePath("closing.db");
  int epochsSeen = 0;
  {
    ui::MainWindow window;
    window.setStorePath(db);
    QVERIFY(window.openProject(QString::fromStdString(spiralsProject(dir_, 400))));
    connect(window.runController(), &ui::RunController::epochEnded, this, [&] { ++epochsSeen; });
    window.runAction()->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(epochsSeen >= 2, 60000);
    QVERIFY(window.close());
  }  // the window is gone: its controller has waited for the worker to stop
  RunStore store(db.toStdString());
  const std::vector<RunSummary> runs = store.listRuns();
  QCOMPARE(runs.size(), size_t(1));
  QCOMPARE(runs.front().status, std::string("cancelled"));
  const int logged = runs.front().epochsLogged;
  QVERIFY2(logged >= 2 && logged < 400, qPrintable(QString::number(logged)));
  const std::optional<CheckpointRecord> checkpoint = store.latestCheckpoint(runs.front().id);
  QVERIFY(checkpoint);
  QCOMPARE(checkpoint->kind, std::string("cancel"));
  // Taken where the run stopped: at the end of the last logged epoch or inside the next one.
  QVERIFY2(checkpoint->epoch == logged || checkpoint->epoch == logged + 1,
           qPrintable(QString::number(checkpoint->epoch)));
  QCOMPARE(store.integrityCheck(), std::string("ok"));
}

void TestGuiRun::maskViewerShowsEverySnapshotAndItsMutation() {
  const QString db = dir_.filePath("masks.db");
  const int64_t runId = runIntoStore(parseProject(R"({"format": 1, "name": "nm-set", "algorithm": {"name": "set"},
        "data": {"dataset": "spirals", "examples": 1600, "classes": 3},
        "model": {"preset": "mlp", "hidden": [96, 64]},
        "sparsity": {"target": 0.5, "scheme": "nm", "scheme_options": {"n": 2, "m": 4}, "distribution": "uniform"},
        "train": {"epochs": 6, "batch_size": 32, "threads": 2}})",
                                                  "nm.json"),
                                     db);
  ui::MainWindow window;
  window.setStorePath(db);
  QVERIFY(window.openStoredRun(runId));
  ui::MaskViewer* viewer = window.maskViewer();
  QCOMPARE(viewer->layers(), (QStringList{"fc1", "fc2", "fc3"}));
  viewer->selectLayer("fc2");
  RunStore store(db.toStdString());
  std::vector<MaskSnapshotRecord> fc2;
  for (auto& s : store.maskSnapshots(runId))
    if (s.layer == "fc2") fc2.push_back(s);
  QCOMPARE(viewer->snapshotCount(), int(fc2.size()));
  QVERIFY(fc2.size() >= 3);  // start, mutations, end
  for (int i = 0; i < viewer->snapshotCount(); ++i) {
    viewer->selectSnapshot(i);
    QCOMPARE(viewer->shownActiveCount(), fc2[size_t(i)].active);
    int64_t active = 0;
    for (uint8_t s : viewer->cellStates()) active += s == 1 || s == 2;
    QCOMPARE(active, fc2[size_t(i)].active);  // exactly the layer's density, grown weights included
  }
  // A mutation snapshot marks exactly the event's grown and dropped weights.
  const auto events = store.maskChanges(runId);
  const auto event =
      std::find_if(events.begin(), events.end(), [](const MaskChangeEvent& e) { return e.layer == "fc2"; });
  QVERIFY(event != events.end());
  const auto at =
      std::find_if(fc2.begin(), fc2.end(), [&](const MaskSnapshotRecord& s) { return s.step == event->step; });
  viewer->selectSnapshot(int(at - fc2.begin()));
  const auto states = viewer->cellStates();
  QCOMPARE(int64_t(std::count(states.begin(), states.end(), 2)), event->grown);
  QCOMPARE(int64_t(std::count(states.begin(), states.end(), 3)), event->dropped);

  // Weight magnitudes follow the scrubber: every snapshot's sit exactly on its own mask's active weights.
  QVERIFY(viewer->showWeightMagnitudes(true));
  auto shownAt = [&](int i) {
    viewer->selectSnapshot(i);
    const MaskSnapshotRecord& s = fc2[size_t(i)];
    std::vector<float> active;  // in row-major order of the mask's active positions
    int64_t nonzero = 0;
    for (int r = 0; r < s.rows; ++r)
      for (int c = 0; c < s.cols; ++c) {
        const float m = viewer->shownMagnitude(r, c);
        if (!(m >= 0.0f)) qFatal("snapshot %d: no magnitude at (%d, %d)", i, r, c);
        const bool on =
            std::binary_search(s.positions.begin(), s.positions.end(), int64_t(r) * int64_t(s.cols) + int64_t(c));
        if (m > 0.0f && !on) qFatal("snapshot %d: a magnitude at inactive (%d, %d)", i, r, c);
        nonzero += m > 0.0f;
        if (on) active.push_back(m);
      }
    // Not all: weights grown at zero whose input unit is a dead ReLU get no gradient and stay exactly zero.
    if (nonzero <= s.active / 2)
      qFatal("snapshot %d: %lld of %lld nonzero", i, qlonglong(nonzero), qlonglong(s.active));
    return active;
  };
  const std::vector<float> first = shownAt(0), last = shownAt(int(fc2.size()) - 1);
  QVERIFY(first != last);  // training moved the weights between the first snapshot and the last
  // The last is the final mask, and its magnitudes are the final checkpoint's weights to a byte of the largest.
  const Checkpoint final = decodeCheckpoint(store.latestCheckpoint(runId)->bytes, "final checkpoint");
  const auto weights = std::find_if(final.parameters.begin(), final.parameters.end(),
                                    [](const NamedFloats& p) { return p.name == "fc2.weight"; });
  QVERIFY(weights != final.parameters.end());
  std::vector<float> finalActive = weights->values;  // a sparse layer's checkpoint holds only the active ones
  if (finalActive.size() != last.size()) {
    finalActive.clear();
    for (int64_t p : fc2.back().positions)
      if (size_t(p) < weights->values.size()) finalActive.push_back(weights->values[size_t(p)]);
  }
  QCOMPARE(finalActive.size(), last.size());
  const float largest = *std::max_element(last.begin(), last.end());
  for (size_t k = 0; k < last.size(); ++k)
    QVERIFY2(std::abs(std::abs(finalActive[k]) - last[k]) <= largest / 255.0f,
             qPrintable(QString("weight %1: %2 shown as %3").arg(k).arg(finalActive[k]).arg(last[k])));
  QVERIFY(viewer->caption().contains(QString("step %1").arg(fc2.back().step)));
}

// Fashion-MNIST, as a user runs it: two epochs of the MLP with a fifth of the examples removed after the first.
void TestGuiRun::examplesViewShowsForgettingAndTheRemovedSet() {
  const QString db = dir_.filePath("examples.db");
  Project p = loadProject(SPARSESCOPE_SOURCE_DIR "/projects/fashion-mlp-mest-em-s-90.json");
  p.train.epochs = 2;
  p.dataEfficiency.enabled = true;
  p.dataEfficiency.removalEpoch = 1;
  p.dataEfficiency.removeFraction = 0.2;
  const int64_t runId = runIntoStore(p, db);
  ui::MainWindow window;
  window.setStorePath(db);
  QVERIFY(window.openStoredRun(runId));
  ui::ForgettingView* view = window.forgettingView();
  QCOMPARE(view->histogramTotal(), 60000);  // every training example was presented
  QCOMPARE(view->shownExamples(), 60000);
  QTRY_VERIFY_WITH_TIMEOUT(view->gridModel()->hasImages(), 60000);  // the thumbnails' data set loads aside
  ui::ExampleGridModel* model = view->gridModel();
  // A thumbnail draws its image (kept as bytes), not just the paper, the frame and the score: many greys.
  const QImage thumbnail = model->data(model->index(0), Qt::DecorationRole).value<QPixmap>().toImage();
  QSet<QRgb> greys;
  for (int y = 4; y < thumbnail.height() - 16; ++y)
    for (int x = 4; x < thumbnail.width() - 4; ++x) greys.insert(thumbnail.pixel(x, y));
  QVERIFY2(greys.size() > 16, qPrintable(QString::number(greys.size())));
  int64_t removed = 0;
  for (int row = 0; row < model->rowCount(); ++row) removed += model->statAt(row).removedAtEpoch == 1;
  QCOMPARE(removed, int64_t(12000));
  model->setOrder(ui::ExampleGridModel::Order::Removed);
  QVERIFY(model->statAt(0).removedAtEpoch == 1 && model->statAt(11999).removedAtEpoch == 1);
  QVERIFY(model->statAt(12000).removedAtEpoch == -1);
  model->setOrder(ui::ExampleGridModel::Order::MostForgotten);
  QVERIFY(ui::forgettingScore(model->statAt(0)) >= ui::forgettingScore(model->statAt(59999)));
  model->setClassFilter(3);
  QCOMPARE(model->rowCount(), 6000);  // Fashion-MNIST: 6000 training images a class
  for (int row = 0; row < 50; ++row) QCOMPARE(model->labelOf(model->statAt(row)), 3);
  model->setClassFilter(-1);
  QVERIFY(!model->data(model->index(0), Qt::DecorationRole).value<QPixmap>().isNull());
  // An example's history over the two epochs, from the store's per-epoch statistics.
  const QString history = view->historyOf(model->statAt(0).originalIndex);
  QVERIFY2(history.contains("epoch 1: seen 1") && history.contains("epoch 2: seen 2"), qPrintable(history));
  screenshot(window, view, "examples");
}

void TestGuiRun::selectedRunsAreComparedSideBySide() {
  const QString db = dir_.filePath("compare.db");
  std::vector<double> finals;
  {
    RunStore store(db.toStdString());
    for (const auto& [name, algorithm] :
         {std::pair{"spirals-static", R"({"name": "static"})"}, std::pair{"spirals-set", R"({"name": "set"})"},
          std::pair{"spirals-rigl", R"({"name": "rigl", "update_steps": 20})"}}) {
      Project p =
          parseProject(std::string(R"({"format": 1, "name": ")") + name + R"(", "algorithm": )" + algorithm + R"(,
          "data": {"dataset": "spirals", "examples": 1600, "classes": 3},
          "model": {"preset": "mlp", "hidden": [64, 64]}, "sparsity": {"target": 0.8, "distribution": "uniform"},
          "train": {"epochs": 15, "batch_size": 32, "threads": 2, "optimizer": {"lr": 0.1}}})",
                       "compare.json");
      RunControl control;
      finals.push_back(*Experiment(p).run(store, control, {}).finalTestAccuracy);
    }
  }
  ui::MainWindow window;
  window.setStorePath(db);
  window.resize(1280, 800);
  window.show();
  window.tabs()->setCurrentWidget(window.runBrowser());
  QCOMPARE(window.runBrowser()->rowCount(), 3);
  window.runBrowser()->table()->selectAll();
  screenshot(window, window.runBrowser(), "run-browser");
  QPushButton* button = nullptr;
  for (auto* b : window.runBrowser()->findChildren<QPushButton*>())
    if (b->text().contains("Compare")) button = b;
  QVERIFY(button && button->isEnabled());
  button->click();
  QCOMPARE(window.tabs()->currentWidget(), static_cast<QWidget*>(window.comparisonView()));
  QCOMPARE(window.comparisonView()->curveCount(), 3);
  QTableWidget* table = window.comparisonView()->table();
  QCOMPARE(table->rowCount(), 3);
  // The browser lists newest first; the table keeps that order.
  QCOMPARE(table->item(0, 2)->text(), QString("rigl"));
  QCOMPARE(table->item(0, 5)->text(), QString("%1%").arg(100.0 * finals[2], 0, 'f', 2));
  screenshot(window, nullptr, "compare");
}

// For the README: every view while a real Fashion-MNIST run trains. Only with SPARSESCOPE_SCREENSHOT_DIR.
void TestGuiRun::screenshotsOfAFashionRunInProgress() {
  const QByteArray shots = qgetenv("SPARSESCOPE_SCREENSHOT_DIR");
  if (shots.isEmpty()) QSKIP("set SPARSESCOPE_SCREENSHOT_DIR to take the README's screenshots");
  QTemporaryDir dir;
  Project p = loadProject(SPARSESCOPE_SOURCE_DIR "/projects/fashion-mlp-mest-em-s-90.json");
  p.dataEfficiency.enabled = true;
  p.dataEfficiency.removalEpoch = 5;
  const std::string path = writeTestText(dir, "fashion.json", projectToJson(p));
  ui::MainWindow window;
  window.setStorePath(dir.filePath("shots.db"));
  QVERIFY(window.openProject(QString::fromStdString(path)));
  int epochs = 0;
  connect(window.runController(), &ui::RunController::epochEnded, this, [&] { ++epochs; });
  window.runAction()->trigger();
  QTRY_VERIFY_WITH_TIMEOUT(epochs >= 9, 300000);
  window.pauseAction()->trigger();  // hold the picture still; the run continues afterwards
  QTest::qWait(1500);               // the mask view re-reads the store
  for (QSize size : {QSize(1280, 800), QSize(1920, 1080)}) {
    window.resize(size);
    window.show();
    for (int tab = 0; tab < window.tabs()->count(); ++tab) {
      window.tabs()->setCurrentIndex(tab);
      QTest::qWait(400);
      const QString name = window.tabs()->tabText(tab).toLower();
      if (name == "runs" || name == "compare" || name == "project") continue;
      QVERIFY(window.grab().save(
          QString("%1/%2-%3x%4.png").arg(QString::fromUtf8(shots), name).arg(size.width()).arg(size.height())));
    }
  }
  // fc1 coloured by weight magnitude at the newest snapshot.
  window.resize(1280, 800);
  window.tabs()->setCurrentWidget(window.maskViewer());
  QVERIFY(window.maskViewer()->showWeightMagnitudes(true));
  QTest::qWait(400);
  QVERIFY(window.grab().save(QString::fromUtf8(shots) + "/masks-magnitudes-1280x800.png"));
  QVERIFY(window.maskViewer()->showWeightMagnitudes(false));
  // The same views under a desktop's dark theme: plots, masks and thumbnails follow the palette.
  const QPalette light = QApplication::palette();
  QApplication::setPalette(darkTestPalette());
  for (QSize size : {QSize(1280, 800), QSize(1920, 1080)}) {
    window.resize(size);
    for (QWidget* view : {static_cast<QWidget*>(window.dashboard()), static_cast<QWidget*>(window.maskViewer()),
                          static_cast<QWidget*>(window.forgettingView())}) {
      window.tabs()->setCurrentWidget(view);
      QTest::qWait(400);
      const QString name = window.tabs()->tabText(window.tabs()->currentIndex()).toLower();
      QVERIFY(window.grab().save(
          QString("%1/%2-dark-%3x%4.png").arg(QString::fromUtf8(shots), name).arg(size.width()).arg(size.height())));
    }
  }
  QApplication::setPalette(light);
  window.stopAction()->trigger();
  QTRY_VERIFY_WITH_TIMEOUT(!window.runController()->running(), 60000);
}

// The issue's "no stall over 50 ms during training", measured: the GUI event loop's gaps while the window trains
// Fashion-MNIST and shows it live, once with the dashboard in front and once moving to the next view (dashboard,
// masks, examples) at every epoch's end. A figure to read, not an assertion: a busy machine's scheduler alone
// makes gaps. Only with SPARSESCOPE_MEASURE_STALLS=<epochs>; SPARSESCOPE_MEASURE_THREADS=<n> trains on n threads
// (default 1; 0 is every core, where the run's OpenMP team competes with the GUI thread for a core).
void TestGuiRun::eventLoopGapsDuringAFashionRun() {
  const int epochs = qEnvironmentVariableIntValue("SPARSESCOPE_MEASURE_STALLS");
  if (epochs <= 0) QSKIP("set SPARSESCOPE_MEASURE_STALLS to the epochs of a Fashion-MNIST run to measure");
  QTemporaryDir dir;
  Project p = loadProject(SPARSESCOPE_SOURCE_DIR "/projects/fashion-mlp-mest-em-s-90.json");
  p.train.epochs = epochs;
  p.train.threads = qEnvironmentVariableIsSet("SPARSESCOPE_MEASURE_THREADS")
                        ? qEnvironmentVariableIntValue("SPARSESCOPE_MEASURE_THREADS")
                        : 1;
  p.dataEfficiency.enabled = true;
  p.dataEfficiency.removalEpoch = 1;
  const std::string path = writeTestText(dir, "fashion.json", projectToJson(p));
  auto report = [](const char* what, const StallMeter& stall) {
    auto over = [&stall](double ms) {
      return std::count_if(stall.gapsMs.begin(), stall.gapsMs.end(), [ms](double g) { return g > ms; });
    };
    qInfo("%s: %zu gaps of a 5 ms timer, median %.1f ms, p99 %.1f ms, max %.1f ms; over 50 ms: %td, over 100 ms: %td",
          what, stall.gapsMs.size(), stall.percentileMs(0.5), stall.percentileMs(0.99), stall.worstMs(), over(50),
          over(100));
  };
  {
    // The floor this machine sets: the same window idle for 10 s, so that gaps of the scheduler alone (other
    // processes on the cores) are not read as the window's.
    ui::MainWindow window;
    window.resize(1280, 800);
    window.show();
    StallMeter stall;
    runEventLoop(10000, nullptr);
    report("idle window, no run", stall);
  }
  for (const bool moveThroughViews : {false, true}) {
    ui::MainWindow window;
    window.setStorePath(dir.filePath("stalls.db"));
    window.resize(1280, 800);
    window.show();
    QVERIFY(window.openProject(QString::fromStdString(path)));
    Ended ended;
    recordEnd(this, window.runController(), ended);
    int epochsSeen = 0;
    QWidget* views[] = {window.dashboard(), window.maskViewer(), window.forgettingView()};
    window.tabs()->setCurrentWidget(window.dashboard());
    if (moveThroughViews)
      connect(window.runController(), &ui::RunController::epochEnded, &window,
              [&] { window.tabs()->setCurrentWidget(views[++epochsSeen % 3]); });
    StallMeter stall;
    window.runAction()->trigger();
    runEventLoop(1800000, window.runController());
    QVERIFY(ended.done);
    QVERIFY2(ended.status == RunStatus::Finished, qPrintable(ended.message));
    report(moveThroughViews ? "moving through the views" : "dashboard in front", stall);
  }
}

QTEST_MAIN(TestGuiRun)
#include "tst_gui_run.moc"
