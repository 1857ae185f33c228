// The main window opens projects, shows their settings and refuses bad ones without losing the
// current project. Set SPARSESCOPE_SCREENSHOT_DIR to keep a PNG of the window for review.
#include <qcustomplot.h>

#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QPlainTextEdit>
#include <QSlider>
#include <QSpinBox>
#include <QTableWidget>
#include <QUndoStack>
#include <QtTest>

#include "core/machine_memory.h"
#include "held_store.h"
#include "layer_list_editor.h"
#include "main_window.h"
#include "project_editor.h"
#include "run_controller.h"
#include "store/run_store.h"
#include "test_helpers.h"

namespace {

// A shown window with the Fashion-MNIST MEST+EM&S project in its editor, from settings that start and end
// empty, and a folder to save into.
struct FashionProjectOpen {
  QTemporaryDir dir;
  ss::ui::MainWindow window;
  bool opened = false;
  FashionProjectOpen() {
    QSettings().clear();
    window.show();
    opened = window.openProject(SPARSESCOPE_SOURCE_DIR "/projects/fashion-mlp-mest-em-s-90.json");
  }
  ~FashionProjectOpen() { QSettings().clear(); }
};

std::string modelKey(const ss::Project& p, const char* key) {
  return nlohmann::json::parse(ss::projectToJson(p))["model"].value(key, nlohmann::json()).dump();
}

// Sets a control of the form as a user would: a spin box typed into and Enter, a combo box's entry picked, a line
// edited and left.
void setControl(QWidget* control, const QString& value) {
  if (auto* spin = qobject_cast<QSpinBox*>(control)) {
    spin->selectAll();
    QTest::keyClicks(spin, value);
    QTest::keyClick(spin, Qt::Key_Enter);
  } else if (auto* combo = qobject_cast<QComboBox*>(control)) {
    combo->setCurrentText(value);
  } else if (auto* line = qobject_cast<QLineEdit*>(control)) {
    line->setText(value);
    emit line->editingFinished();
  } else {
    QFAIL("not a control the form has");
  }
}

}  // namespace

class TestUiMainWindow : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase();
  void opensAProjectAndShowsIt();
  void sessionAndRecentProjectsPersist();
  void firstStartRunsTheQuickExample();
  void editorValidatesPlansUndoesAndSaves();
  void layerListBuildsAConvnetThatRoundTrips();
  void resNetProjectRoundTripsThroughTheForm();
  void presetControlsWriteTheirKeys_data();
  void presetControlsWriteTheirKeys();
  void eachPresetShowsItsOwnRows();
  void aProjectsOwnLayerListIsShownAndKept();
  void augmentationControlsRoundTrip_data();
  void augmentationControlsRoundTrip();
  void augmentationIsForImageDataSetsOnly();
  void planOfALargeModelDoesNotHoldTheForm();
  void refusesABadProjectAndKeepsTheCurrentOne();
  void hasFileAndHelpMenus();
  void heldStoreFollowsItsPathAndAReplacedFile();
};

void TestUiMainWindow::initTestCase() {
  QStandardPaths::setTestModeEnabled(true);  // settings go to a test location, never the user's
  QSettings().clear();
}

void TestUiMainWindow::sessionAndRecentProjectsPersist() {
  QSettings().clear();
  const QString dense = SPARSESCOPE_SOURCE_DIR "/projects/fashion-mlp-dense.json";
  const QString mest = SPARSESCOPE_SOURCE_DIR "/projects/fashion-mlp-mest-em-s-90.json";
  {
    ss::ui::MainWindow window;
    QVERIFY(!window.restoreSession());  // nothing remembered yet
    QVERIFY(window.openProject(dense));
    QVERIFY(window.openProject(mest));
    QVERIFY(window.openProject(dense));
    QCOMPARE(window.recentProjects(),
             (QStringList{QFileInfo(dense).absoluteFilePath(), QFileInfo(mest).absoluteFilePath()}));
    window.setStorePath("/tmp/elsewhere.db");
    window.resize(1111, 777);
    window.show();
    window.close();  // saves the layout and the store
  }
  ss::ui::MainWindow again;
  QVERIFY(again.restoreSession());
  QVERIFY(again.windowTitle().contains("fashion-mlp-dense"));
  QCOMPARE(again.storePath(), QString("/tmp/elsewhere.db"));
  QCOMPARE(again.size(), QSize(1111, 777));
  QSettings().clear();
}

void TestUiMainWindow::firstStartRunsTheQuickExample() {
  QSettings().clear();
  QTemporaryDir dir;
  ss::ui::MainWindow window;
  window.setStorePath(dir.filePath("first.db"));
  QVERIFY(!window.restoreSession());
  QVERIFY(window.runFirstExample(SPARSESCOPE_SOURCE_DIR "/projects"));
  QVERIFY(window.runController()->running());
  QTRY_VERIFY_WITH_TIMEOUT(!window.runController()->running(), 120000);
  QVERIFY(window.windowTitle().contains("spirals"));
  QSettings().clear();
}

void TestUiMainWindow::opensAProjectAndShowsIt() {
  ss::ui::MainWindow window;
  window.show();
  QVERIFY(window.openProject(SPARSESCOPE_SOURCE_DIR "/projects/fashion-mlp-dense.json"));
  QVERIFY(window.windowTitle().contains("fashion-mlp-dense"));
  auto* view = window.findChild<QPlainTextEdit*>();
  QVERIFY(view->toPlainText().contains("\"hidden\""));
  if (const QByteArray dir = qgetenv("SPARSESCOPE_SCREENSHOT_DIR"); !dir.isEmpty())
    QVERIFY(window.grab().save(QString::fromUtf8(dir) + "/main_window.png"));
}

void TestUiMainWindow::refusesABadProjectAndKeepsTheCurrentOne() {
  QTemporaryDir dir;
  const std::string bad = writeTestText(dir, "bad.json", R"({"format": 1, "name": "x", "train": {"epochs": -1}})");
  ss::ui::MainWindow window;
  QVERIFY(window.openProject(SPARSESCOPE_SOURCE_DIR "/projects/fashion-mlp-dense.json"));
  // The warning box is modal; close it as soon as it appears.
  QTimer::singleShot(0, [] {
    if (QWidget* box = QApplication::activeModalWidget()) box->close();
  });
  QVERIFY(!window.openProject(QString::fromStdString(bad)));
  QVERIFY(window.windowTitle().contains("fashion-mlp-dense"));
}

void TestUiMainWindow::hasFileAndHelpMenus() {
  ss::ui::MainWindow window;
  QStringList titles;
  for (QAction* a : window.menuBar()->actions()) titles << a->text();
  QCOMPARE(titles, (QStringList{"&File", "&Edit", "&Run", "&Help"}));
}

void TestUiMainWindow::editorValidatesPlansUndoesAndSaves() {
  FashionProjectOpen open;
  QVERIFY(open.opened);
  ss::ui::ProjectEditor* editor = open.window.projectEditor();
  QTableWidget* table = editor->layerTable();
  QTRY_VERIFY(!editor->planPending());  // plans are worked out on a worker thread
  QCOMPARE(table->rowCount(), 5);       // fc1, relu, fc2, relu, fc3
  QCOMPARE(table->item(0, 0)->text(), QString("fc1"));
  const double fc1At90 = table->item(0, 2)->text().toDouble();
  QVERIFY(!open.window.hasUnsavedChanges());
  // MEST+EM&S's planned mutations: prune to the target, grow back below it by 2, then 1, then 0 points.
  QCustomPlot* schedule = editor->schedulePlot();
  QVERIFY(schedule->isVisibleTo(&open.window));
  QCOMPARE(schedule->graph(0)->dataCount(), 11);  // epochs 2..12: mutations stop at 75% of 15 epochs
  for (int i = 0; i < 11; ++i) QCOMPARE(schedule->graph(0)->data()->at(i)->value, 90.0);
  QCOMPARE(schedule->graph(1)->data()->at(0)->value, 88.0);
  QCOMPARE(schedule->graph(1)->data()->at(10)->value, 90.0);

  editor->targetSlider()->setValue(95);  // as a drag would
  QCOMPARE(editor->project()->sparsity.target, 0.95);
  QTRY_VERIFY(!editor->planPending());
  QVERIFY(table->item(0, 2)->text().toDouble() < fc1At90);  // the plan follows the slider
  QVERIFY(open.window.hasUnsavedChanges());
  QVERIFY(open.window.windowTitle().contains("*"));
  editor->undoStack()->undo();
  QCOMPARE(editor->project()->sparsity.target, 0.9);
  QCOMPARE(editor->targetSlider()->value(), 90);
  editor->undoStack()->redo();
  QCOMPARE(editor->project()->sparsity.target, 0.95);

  // A wrong value is refused with the reader's reason; the last valid project stays and Run waits.
  ss::ui::LayerListEditor* layers = editor->layerList();
  layers->setLayerSize(1, "many");
  QVERIFY2(editor->problem().contains("model.hidden"), qPrintable(editor->problem()));
  QVERIFY(!open.window.runAction()->isEnabled());
  QCOMPARE(editor->project()->model.hidden, (std::vector<int>{300, 100}));
  layers->setLayerSize(1, "128");
  layers->setLayerSize(0, "256");
  QVERIFY(editor->problem().isEmpty());
  QVERIFY(open.window.runAction()->isEnabled());
  QCOMPARE(editor->project()->model.hidden, (std::vector<int>{256, 128}));

  // A memory bound too small for the target names the smallest sparsity that fits.
  editor->memoryBoundEdit()->setText("200KB");
  emit editor->memoryBoundEdit()->editingFinished();
  QTRY_VERIFY(!editor->planPending());
  const QLabel* memory = nullptr;
  for (auto* l : editor->findChildren<QLabel*>())
    if (l->text().contains("training needs")) memory = l;
  QVERIFY(memory && memory->text().contains("memory_bound"));

  const QString saved = open.dir.filePath("edited.json");
  QVERIFY(open.window.saveProject(saved));
  QVERIFY(!open.window.hasUnsavedChanges());
  const ss::Project back = ss::loadProject(saved.toStdString());
  QCOMPARE(back.sparsity.target, 0.95);
  QCOMPARE(back.model.hidden, (std::vector<int>{256, 128}));
  if (const QByteArray shots = qgetenv("SPARSESCOPE_SCREENSHOT_DIR"); !shots.isEmpty()) {
    open.window.resize(1280, 800);
    QTest::qWait(200);
    QVERIFY(open.window.grab().save(QString::fromUtf8(shots) + "/project-1280x800.png"));
  }
}

// A plan grows with the model (a 28 M-weight convnet: 1.4 s). Edits return before their plans are worked out on the
// planner's thread, and the plan shown at the end is the newest edit's, not one that finished later.
void TestUiMainWindow::planOfALargeModelDoesNotHoldTheForm() {
  FashionProjectOpen open;
  QVERIFY(open.opened);
  ss::ui::ProjectEditor* editor = open.window.projectEditor();
  QTRY_VERIFY(!editor->planPending());
  editor->layerList()->setLayerSize(0, "4096");
  editor->layerList()->setLayerSize(1, "4096");
  QVERIFY(editor->planPending());              // the edits returned before their plans were worked out
  editor->layerList()->setLayerSize(1, "64");  // made while the first plan runs: only the newest is planned next
  QCOMPARE(editor->project()->model.hidden, (std::vector<int>{4096, 64}));
  QTRY_VERIFY_WITH_TIMEOUT(!editor->planPending(), 60000);
  QTableWidget* table = editor->layerTable();
  QCOMPARE(table->item(0, 0)->text(), QString("fc1"));
  QCOMPARE(table->item(0, 1)->text(), QString::number(784 * 4096));
  QCOMPARE(table->item(2, 0)->text(), QString("fc2"));
  QCOMPARE(table->item(2, 1)->text(), QString::number(4096 * 64));
  QVERIFY(editor->planStatus()->isHidden());

  // A plan that takes a while (20 M weights: about a second) says that it is coming; the newest plan hides it.
  editor->layerList()->setLayerSize(1, "4096");
  QVERIFY(editor->planStatus()->isHidden());  // not at once: most plans take milliseconds
  QTRY_VERIFY(!editor->planStatus()->isHidden() || !editor->planPending());
  QVERIFY2(editor->planPending(), "the 20 M-weight plan was done before its status line was due");
  QVERIFY(editor->planStatus()->text().contains("Working out the plan"));
  if (const QByteArray shots = qgetenv("SPARSESCOPE_SCREENSHOT_DIR"); !shots.isEmpty()) {
    open.window.resize(1280, 800);
    QVERIFY(open.window.grab().save(QString::fromUtf8(shots) + "/project-planning.png"));
  }
  QCOMPARE(table->item(2, 1)->text(), QString::number(4096 * 64));  // the previous plan stays until then
  QTRY_VERIFY_WITH_TIMEOUT(!editor->planPending(), 60000);
  QVERIFY(editor->planStatus()->isHidden());
  QCOMPARE(table->item(2, 1)->text(), QString::number(4096 * 4096));

  // A model beyond this machine's memory is refused before it is built: only the reason is shown. The refusal
  // judges the planned footprint (sparse layers are born sparse): 4.3 G weights at 20% sparsity run masked-dense,
  // about 56 GB.
  if (ss::physicalMemoryBytes() >= int64_t(52e9)) return;
  ss::Project huge = *editor->project();
  huge.model.hidden = {65536, 65536};
  huge.sparsity.target = 0.2;
  editor->setProject(huge);  // in one step: an edit of one width at a time would plan 55 M weights on the way
  QTRY_VERIFY_WITH_TIMEOUT(!editor->planPending(), 60000);
  QVERIFY(!table->isVisibleTo(&open.window));
  bool reasonShown = false;
  for (auto* l : editor->findChildren<QLabel*>()) reasonShown |= l->text().contains("with layer fc2 the model has");
  QVERIFY(reasonShown);
  editor->layerList()->setLayerSize(0, "16");  // 16, 65536: 1.8 M weights
  editor->layerList()->setLayerSize(1, "64");
  QTRY_VERIFY_WITH_TIMEOUT(!editor->planPending(), 60000);
  QVERIFY(table->isVisibleTo(&open.window));
  QCOMPARE(table->item(2, 1)->text(), QString::number(16 * 64));
}

// The layer list edits the model within what the project format holds: convolutions first, one kernel size, and
// a preset that follows from the layers. Every edit goes through the project reader, the plan and the undo stack.
void TestUiMainWindow::layerListBuildsAConvnetThatRoundTrips() {
  FashionProjectOpen open;
  QVERIFY(open.opened);
  ss::ui::ProjectEditor* editor = open.window.projectEditor();
  ss::ui::LayerListEditor* layers = editor->layerList();
  QCOMPARE(layers->table()->rowCount(), 2);  // 300 and 100 units
  QVERIFY(!layers->kernelBox()->isVisibleTo(layers));

  using Kind = ss::ui::LayerListEditor::Kind;
  layers->addLayer(Kind::Convolution, 16);
  QCOMPARE(editor->project()->model.preset, std::string("convnet"));
  QCOMPARE(editor->presetBox()->currentText(), QString("convnet"));
  QCOMPARE(editor->project()->model.channels, (std::vector<int>{16}));
  QCOMPARE(editor->project()->model.fc, (std::vector<int>{300, 100}));
  QTRY_VERIFY(!editor->planPending());
  QCOMPARE(editor->layerTable()->item(0, 0)->text(), QString("conv1"));  // the plan shows the new layer
  QVERIFY(layers->kernelBox()->isVisibleTo(layers));

  layers->kernelBox()->setValue(4);
  QVERIFY2(editor->problem().contains("model.kernel"), qPrintable(editor->problem()));
  layers->kernelBox()->setValue(5);
  QVERIFY(editor->problem().isEmpty());
  QCOMPARE(editor->project()->model.kernel, 5);

  layers->moveLayer(1, -1);  // a fully connected layer before the convolution
  QVERIFY2(editor->problem().contains("convolutions come first"), qPrintable(editor->problem()));
  QVERIFY(!open.window.runAction()->isEnabled());
  layers->moveLayer(0, +1);
  QVERIFY(editor->problem().isEmpty());
  layers->addLayer(Kind::Convolution, 24);  // goes after the first convolution, before the dense layers
  layers->removeLayer(3);
  QCOMPARE(editor->project()->model.channels, (std::vector<int>{16, 24}));
  QCOMPARE(editor->project()->model.fc, (std::vector<int>{300}));

  const QString saved = open.dir.filePath("convnet.json");
  QVERIFY(open.window.saveProject(saved));
  const ss::Project back = ss::loadProject(saved.toStdString());
  QCOMPARE(back.model.preset, std::string("convnet"));
  QCOMPARE(back.model.channels, (std::vector<int>{16, 24}));
  QCOMPARE(back.model.fc, (std::vector<int>{300}));
  QCOMPARE(back.model.kernel, 5);
  QVERIFY(open.window.openProject(saved));
  QCOMPARE(layers->table()->rowCount(), 3);
  QCOMPARE(layers->kernelBox()->value(), 5);

  // Without convolutions it is an MLP again; undo brings them back.
  layers->setLayerKind(1, Kind::FullyConnected);
  layers->removeLayer(0);
  QCOMPARE(editor->project()->model.preset, std::string("mlp"));
  QCOMPARE(editor->presetBox()->currentText(), QString("mlp"));
  QCOMPARE(editor->project()->model.hidden, (std::vector<int>{24, 300}));
  QVERIFY(!layers->kernelBox()->isVisibleTo(layers));
  editor->undoStack()->undo();
  QCOMPARE(editor->project()->model.channels, (std::vector<int>{16}));
  QCOMPARE(layers->table()->rowCount(), 3);

  // Picking a preset brings the preset's layers.
  editor->presetBox()->setCurrentText("mlp");
  QCOMPARE(editor->project()->model.hidden, ss::ModelSpec().hidden);
  QCOMPARE(layers->table()->rowCount(), int(ss::ModelSpec().hidden.size()));
}

// The example ResNet-20 shows as a resnet with its depth, width and shortcut, and its crops and flips; edits
// elsewhere in the form keep them, and saving it unedited writes the same project.
void TestUiMainWindow::resNetProjectRoundTripsThroughTheForm() {
  FashionProjectOpen open;
  const QString path = SPARSESCOPE_SOURCE_DIR "/projects/fashion-resnet20-dense.json";
  QVERIFY(open.window.openProject(path));
  const std::string original = ss::projectToJson(ss::loadProject(path.toStdString()));
  ss::ui::ProjectEditor* editor = open.window.projectEditor();
  open.window.tabs()->setCurrentWidget(editor);
  QCOMPARE(editor->presetBox()->currentText(), QString("resnet"));
  QCOMPARE(editor->resnetDepthBox()->value(), 20);
  QCOMPARE(editor->resnetWidthBox()->value(), 1);
  QCOMPARE(editor->shortcutBox()->currentData().toString(), QString("projection"));
  QVERIFY(editor->resnetDepthBox()->isVisibleTo(editor));
  QVERIFY(!editor->layerList()->isVisibleTo(editor));  // it holds only mlp and convnet layers
  QVERIFY(editor->randomCropBox()->isChecked());
  QVERIFY(editor->horizontalFlipBox()->isChecked());
  QCOMPARE(editor->cropPaddingBox()->text(), QString("auto"));

  editor->epochsBox()->setValue(3);
  QVERIFY(editor->problem().isEmpty());
  QCOMPARE(modelKey(*editor->project(), "preset"), std::string("\"resnet\""));
  editor->epochsBox()->setValue(15);
  QCOMPARE(ss::projectToJson(*editor->project()), original);
  const QString saved = open.dir.filePath("resnet.json");
  QVERIFY(open.window.saveProject(saved));
  QCOMPARE(ss::projectToJson(ss::loadProject(saved.toStdString())), original);

  QTRY_VERIFY(!editor->planPending());
  QVERIFY(!editor->layerTable()->findItems("stage3.block1.shortcut", Qt::MatchExactly).isEmpty());
  if (const QByteArray shots = qgetenv("SPARSESCOPE_SCREENSHOT_DIR"); !shots.isEmpty()) {
    open.window.resize(1280, 800);
    QTest::qWait(200);
    QVERIFY(open.window.grab().save(QString::fromUtf8(shots) + "/project-resnet-1280x800.png"));
  }
}

// Each row: a preset picked in the form, one of its controls set, and the model key that control writes.
void TestUiMainWindow::presetControlsWriteTheirKeys_data() {
  QTest::addColumn<QString>("preset");
  QTest::addColumn<QString>("control");
  QTest::addColumn<QString>("value");
  QTest::addColumn<QString>("key");
  QTest::addColumn<QString>("written");
  QTest::newRow("resnet depth") << "resnet"
                                << "resnetDepth"
                                << "32"
                                << "depth"
                                << "32";
  QTest::newRow("resnet depth 110") << "resnet"
                                    << "resnetDepth"
                                    << "110"
                                    << "depth"
                                    << "110";
  QTest::newRow("resnet depth between two is the nearer") << "resnet"
                                                          << "resnetDepth"
                                                          << "34"
                                                          << "depth"
                                                          << "32";
  QTest::newRow("resnet depth below 8") << "resnet"
                                        << "resnetDepth"
                                        << "4"
                                        << "depth"
                                        << "8";
  QTest::newRow("resnet width") << "resnet"
                                << "resnetWidth"
                                << "4"
                                << "width"
                                << "4";
  QTest::newRow("resnet zero-padded shortcut") << "resnet"
                                               << "resnetShortcut"
                                               << "zero-padded identity"
                                               << "shortcut"
                                               << "\"zero_pad\"";
  QTest::newRow("vgg depth") << "vgg"
                             << "vggDepth"
                             << "11"
                             << "depth"
                             << "11";
  QTest::newRow("vgg dense layers") << "vgg"
                                    << "vggFc"
                                    << "512, 256"
                                    << "fc"
                                    << "[512,256]";
  QTest::newRow("vgg one dense layer") << "vgg"
                                       << "vggFc"
                                       << " 4096 "
                                       << "fc"
                                       << "[4096]";
}

void TestUiMainWindow::presetControlsWriteTheirKeys() {
  QFETCH(QString, preset);
  QFETCH(QString, control);
  QFETCH(QString, value);
  QFETCH(QString, key);
  QFETCH(QString, written);
  FashionProjectOpen open;
  QVERIFY(open.opened);
  ss::ui::ProjectEditor* editor = open.window.projectEditor();
  open.window.tabs()->setCurrentWidget(editor);
  editor->presetBox()->setCurrentText(preset);
  QCOMPARE(editor->project()->model.preset, preset.toStdString());
  auto* widget = editor->findChild<QWidget*>(control);
  QVERIFY(widget && widget->isVisibleTo(editor));
  setControl(widget, value);
  QVERIFY2(editor->problem().isEmpty(), qPrintable(editor->problem()));
  QCOMPARE(QString::fromStdString(modelKey(*editor->project(), key.toUtf8().constData())), written);
  QCOMPARE(editor->project()->model.preset, preset.toStdString());

  const QString saved = open.dir.filePath("preset.json");
  QVERIFY(open.window.saveProject(saved));
  QVERIFY(open.window.openProject(saved));
  QCOMPARE(QString::fromStdString(modelKey(*editor->project(), key.toUtf8().constData())), written);
  QCOMPARE(editor->presetBox()->currentText(), preset);
}

// The form shows only the preset's own keys, so nothing it shows is ignored; a width the reader refuses is named.
void TestUiMainWindow::eachPresetShowsItsOwnRows() {
  FashionProjectOpen open;
  QVERIFY(open.opened);
  ss::ui::ProjectEditor* editor = open.window.projectEditor();
  auto shown = [editor] {
    QStringList names;
    for (QWidget* w : {static_cast<QWidget*>(editor->layerList()), static_cast<QWidget*>(editor->resnetDepthBox()),
                       static_cast<QWidget*>(editor->resnetWidthBox()), static_cast<QWidget*>(editor->shortcutBox()),
                       static_cast<QWidget*>(editor->vggDepthBox()), static_cast<QWidget*>(editor->vggFcEdit()),
                       static_cast<QWidget*>(editor->layersSummary())})
      if (w->isVisibleTo(editor)) names << w->objectName();
    return names;
  };
  QCOMPARE(shown(), QStringList{"layerList"});
  editor->presetBox()->setCurrentText("resnet");
  QCOMPARE(shown(), (QStringList{"resnetDepth", "resnetWidth", "resnetShortcut"}));
  QCOMPARE(editor->resnetDepthBox()->value(), 20);                         // the preset's defaults
  QCOMPARE(modelKey(*editor->project(), "dropout"), std::string("null"));  // resnet reads no dropout
  editor->presetBox()->setCurrentText("vgg");
  QCOMPARE(shown(), (QStringList{"vggDepth", "vggFc"}));
  QCOMPARE(editor->vggDepthBox()->currentText(), QString("16"));
  QCOMPARE(editor->vggFcEdit()->text(), QString());

  setControl(editor->vggFcEdit(), "512, many");
  QVERIFY2(editor->problem().contains("model.fc"), qPrintable(editor->problem()));
  QVERIFY(!open.window.runAction()->isEnabled());
  setControl(editor->vggFcEdit(), "512");
  QVERIFY(editor->problem().isEmpty());
  QCOMPARE(editor->project()->model.fc, std::vector<int>{512});

  editor->presetBox()->setCurrentText("mlp");
  QCOMPARE(shown(), QStringList{"layerList"});
  QCOMPARE(editor->project()->model.hidden, ss::ModelSpec().hidden);
  editor->undoStack()->undo();
  QCOMPARE(editor->presetBox()->currentText(), QString("vgg"));
  QCOMPARE(editor->vggFcEdit()->text(), QString("512"));
  QCOMPARE(shown(), (QStringList{"vggDepth", "vggFc"}));
}

// A project's own layer list is beyond the form: it is summarised, kept through other edits and saved as it was; a
// preset picked instead replaces it, and undo brings it back.
void TestUiMainWindow::aProjectsOwnLayerListIsShownAndKept() {
  FashionProjectOpen open;
  const std::string path = writeTestText(open.dir, "layers.json", R"({"format": 1, "name": "own-layers",
      "model": {"preset": "layers", "layers": [{"type": "conv", "channels": 8}, {"type": "batch_norm"},
                {"type": "relu"}, {"type": "stage", "channels": 16, "blocks": 2, "stride": 2},
                {"type": "global_avg_pool"}]}})");
  QVERIFY(open.window.openProject(QString::fromStdString(path)));
  const std::string original = ss::projectToJson(ss::loadProject(path));
  ss::ui::ProjectEditor* editor = open.window.projectEditor();
  QCOMPARE(editor->presetBox()->currentText(), QString("layers"));
  QVERIFY(editor->layersSummary()->isVisibleTo(editor));
  QVERIFY(!editor->layerList()->isVisibleTo(editor));
  QCOMPARE(editor->layersSummary()->text(),
           QString::fromUtf8("conv 8 3x3 \u2192 batch norm \u2192 ReLU \u2192 2 blocks of 16 /2 \u2192 global avg "
                             "pool \u2192 classifier"));
  editor->epochsBox()->setValue(4);
  editor->epochsBox()->setValue(15);
  QCOMPARE(ss::projectToJson(*editor->project()), original);
  QTRY_VERIFY(!editor->planPending());
  QVERIFY(!editor->layerTable()->findItems("stage1.block1.shortcut", Qt::MatchExactly).isEmpty());

  editor->presetBox()->setCurrentText("resnet");
  QCOMPARE(editor->project()->model.preset, std::string("resnet"));
  QCOMPARE(editor->presetBox()->findText("layers"), -1);  // picked without a list, it would have none
  editor->undoStack()->undo();
  QCOMPARE(editor->presetBox()->currentText(), QString("layers"));
  QCOMPARE(ss::projectToJson(*editor->project()), original);
}

// Each row: the augmentation controls as set (padding -1 is "auto") and the section the project then holds.
void TestUiMainWindow::augmentationControlsRoundTrip_data() {
  QTest::addColumn<bool>("crop");
  QTest::addColumn<int>("padding");
  QTest::addColumn<bool>("flip");
  QTest::addColumn<QString>("section");
  QTest::newRow("off") << false << -1 << false << "null";
  QTest::newRow("crop, padding auto") << true << -1 << false << R"({"horizontal_flip":false,"random_crop":true})";
  QTest::newRow("crop, padding 4") << true << 4 << false
                                   << R"({"crop_padding":4,"horizontal_flip":false,"random_crop":true})";
  QTest::newRow("crop, padding 0") << true << 0 << false
                                   << R"({"crop_padding":0,"horizontal_flip":false,"random_crop":true})";
  QTest::newRow("flip") << false << -1 << true << R"({"horizontal_flip":true,"random_crop":false})";
  QTest::newRow("crop and flip, padding 64")
      << true << 64 << true << R"({"crop_padding":64,"horizontal_flip":true,"random_crop":true})";
}

void TestUiMainWindow::augmentationControlsRoundTrip() {
  QFETCH(bool, crop);
  QFETCH(int, padding);
  QFETCH(bool, flip);
  QFETCH(QString, section);
  FashionProjectOpen open;
  QVERIFY(open.opened);
  ss::ui::ProjectEditor* editor = open.window.projectEditor();
  QVERIFY(!editor->randomCropBox()->isChecked());
  QVERIFY(!editor->cropPaddingBox()->isEnabled());  // until the crop is on
  editor->randomCropBox()->setChecked(crop);
  QCOMPARE(editor->cropPaddingBox()->isEnabled(), crop);
  if (crop) editor->cropPaddingBox()->setValue(padding);
  editor->horizontalFlipBox()->setChecked(flip);
  QVERIFY2(editor->problem().isEmpty(), qPrintable(editor->problem()));
  const std::string written = ss::projectToJson(*editor->project());
  QCOMPARE(QString::fromStdString(nlohmann::json::parse(written).value("augmentation", nlohmann::json()).dump()),
           section);

  const QString saved = open.dir.filePath("augmented.json");
  QVERIFY(open.window.saveProject(saved));
  QVERIFY(open.window.openProject(SPARSESCOPE_SOURCE_DIR "/projects/fashion-mlp-dense.json"));
  QVERIFY(open.window.openProject(saved));
  QCOMPARE(ss::projectToJson(*editor->project()), written);
  QCOMPARE(editor->randomCropBox()->isChecked(), crop);
  QCOMPARE(editor->cropPaddingBox()->value(), padding);
  QCOMPARE(editor->horizontalFlipBox()->isChecked(), flip);
}

// Crops and flips are for pictures: on a data set of points the controls are off and say why, and the project holds
// no augmentation; back on images (undo), they are as they were.
void TestUiMainWindow::augmentationIsForImageDataSetsOnly() {
  FashionProjectOpen open;
  QVERIFY(open.opened);
  ss::ui::ProjectEditor* editor = open.window.projectEditor();
  QVERIFY(editor->randomCropBox()->isEnabled());
  editor->randomCropBox()->setChecked(true);
  editor->cropPaddingBox()->setValue(3);
  editor->randomCropBox()->setChecked(false);
  QVERIFY(!editor->cropPaddingBox()->isEnabled());
  QVERIFY(editor->cropPaddingBox()->toolTip().contains("turn on Random crop first"));
  QVERIFY(!editor->project()->augmentation.cropPadding);  // only with the crop on
  editor->randomCropBox()->setChecked(true);              // the padding set before comes back with it
  QCOMPARE(editor->project()->augmentation.cropPadding, std::optional<int>(3));
  editor->horizontalFlipBox()->setChecked(true);

  QComboBox* dataset = editor->datasetBox();
  QCOMPARE(dataset->currentText(), QString("fashion-mnist"));
  dataset->setCurrentText("spirals");
  QVERIFY2(editor->problem().isEmpty(), qPrintable(editor->problem()));
  QVERIFY(!editor->project()->augmentation.any());
  for (QWidget* control : std::initializer_list<QWidget*>{editor->randomCropBox(), editor->horizontalFlipBox()}) {
    QVERIFY(!control->isEnabled());
    QVERIFY(control->toolTip().contains("image data sets only"));
  }
  QVERIFY(!editor->randomCropBox()->isChecked());
  editor->undoStack()->undo();
  QCOMPARE(editor->project()->data.dataset, std::string("fashion-mnist"));
  QVERIFY(editor->randomCropBox()->isEnabled() && editor->randomCropBox()->isChecked());
  QVERIFY(editor->horizontalFlipBox()->isChecked());
  QCOMPARE(editor->cropPaddingBox()->value(), 3);
}

// The views keep their store open between redraws; a store deleted and made anew at the same path (or another
// path) must be read afresh, not through the connection to the old file.
void TestUiMainWindow::heldStoreFollowsItsPathAndAReplacedFile() {
  QTemporaryDir dir;
  const QString first = dir.filePath("first.db"), second = dir.filePath("second.db");
  { ss::RunStore(first.toStdString()).beginRun("one", "{}", 1, 1); }
  { ss::RunStore(second.toStdString()).beginRun("two", "{}", 1, 1); }
  ss::ui::HeldStore<ss::StoreReader> held;
  const ss::StoreReader* opened = &held.at(first);
  QCOMPARE(held.at(first).listRuns().at(0).name, std::string("one"));
  QCOMPARE(&held.at(first), opened);  // kept open, not opened again
  { ss::RunStore(first.toStdString()).beginRun("one more", "{}", 1, 1); }
  QCOMPARE(held.at(first).listRuns().size(), size_t(2));  // sees new commits through the held connection
  QCOMPARE(held.at(second).listRuns().at(0).name, std::string("two"));

  for (const char* suffix : {"", "-wal", "-shm"}) QFile::remove(first + suffix);
  { ss::RunStore(first.toStdString()).beginRun("replacement", "{}", 1, 1); }
  const auto runs = held.at(first).listRuns();
  QCOMPARE(runs.size(), size_t(1));
  QCOMPARE(runs.at(0).name, std::string("replacement"));
}

QTEST_MAIN(TestUiMainWindow)
#include "tst_ui_main_window.moc"
