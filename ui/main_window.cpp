#include "main_window.h"

#include <QAction>
#include <QApplication>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QKeySequence>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QStatusBar>

#include "core/error.h"
#include "core/version.h"
#include "project/project.h"

namespace ss::ui {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  setWindowTitle("SparseScope");
  projectView_ = new QPlainTextEdit(this);
  projectView_->setReadOnly(true);
  projectView_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  projectView_->setPlaceholderText(
      tr("Open a project (File > Open Project, Ctrl+O) to see its settings.\n"
         "Example projects are in the projects/ folder."));
  setCentralWidget(projectView_);
  statusLabel_ = new QLabel(tr("No project"), this);
  statusBar()->addPermanentWidget(statusLabel_, 1);
  createMenus();
  resize(960, 640);
}

void MainWindow::createMenus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  QAction* open = file->addAction(tr("&Open Project..."), this, [this] {
    const QString path =
        QFileDialog::getOpenFileName(this, tr("Open Project"), QString(), tr("SparseScope projects (*.json)"));
    if (!path.isEmpty()) openProject(path);
  });
  open->setShortcut(QKeySequence::Open);
  open->setToolTip(tr("Load and validate a project file"));
  file->addSeparator();
  QAction* quit = file->addAction(tr("&Quit"), qApp, &QApplication::quit);
  quit->setShortcut(QKeySequence::Quit);

  QMenu* help = menuBar()->addMenu(tr("&Help"));
  help->addAction(tr("&About SparseScope"), this, &MainWindow::showAbout);
}

bool MainWindow::openProject(const QString& path) {
  try {
    const Project project = loadProject(path.toStdString());
    projectView_->setPlainText(QString::fromStdString(projectToJson(project)));
    statusLabel_->setText(tr("Project %1 (%2)").arg(QString::fromStdString(project.name), QFileInfo(path).fileName()));
    setWindowTitle(tr("%1 - SparseScope").arg(QString::fromStdString(project.name)));
    return true;
  } catch (const InputError& e) {
    QMessageBox::warning(this, tr("Cannot open project"), QString::fromStdString(e.what()));
    return false;
  }
}

void MainWindow::showAbout() {
  QMessageBox::about(this, tr("About SparseScope"),
                     tr("<b>SparseScope %1</b><p>Explore sparse neural-network training: MEST and its peers, "
                        "sparsity schemes, memory bounds and forgettable examples.</p>")
                         .arg(QString::fromLatin1(kEngineVersion)));
}

}  // namespace ss::ui
