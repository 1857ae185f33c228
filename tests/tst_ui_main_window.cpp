// The main window opens projects, shows their settings and refuses bad ones without losing the
// current project. Set SPARSESCOPE_SCREENSHOT_DIR to keep a PNG of the window for review.
#include <QMenuBar>
#include <QPlainTextEdit>
#include <QtTest>

#include "main_window.h"
#include "test_helpers.h"

class TestUiMainWindow : public QObject {
  Q_OBJECT

 private slots:
  void opensAProjectAndShowsIt();
  void refusesABadProjectAndKeepsTheCurrentOne();
  void hasFileAndHelpMenus();
};

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
  QCOMPARE(titles, (QStringList{"&File", "&Run", "&Help"}));
}

QTEST_MAIN(TestUiMainWindow)
#include "tst_ui_main_window.moc"
