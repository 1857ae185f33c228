#include <QApplication>
#include <QCoreApplication>
#include <QDir>
#include <QDirIterator>
#include <QFileInfo>
#include <QIcon>
#include <string>

#include "main_window.h"

namespace {
// The example projects: installed beside the executable's share folder, or in the source tree it was
// built from.
QString projectsFolder() {
  const QString installed = QCoreApplication::applicationDirPath() + "/../share/sparsescope/projects";
  if (QFileInfo::exists(installed)) return QDir(installed).absolutePath();
  return QStringLiteral(SPARSESCOPE_SOURCE_PROJECTS);
}

// Every size of resources/icons compiled in, so the window has its icon whether or not the package
// installed it into the icon theme.
QIcon applicationIcon() {
  QIcon icon;
  QDirIterator it(":/icons", {"*.png"}, QDir::Files, QDirIterator::Subdirectories);
  while (it.hasNext()) icon.addFile(it.next());
  return icon;
}
}  // namespace

// Starts the desktop explorer. Of the headless commands only `report` constructs a QApplication (offscreen).
int launchGui(int argc, char** argv, const std::string& projectPath) {
  QApplication app(argc, argv);
  QApplication::setApplicationName("SparseScope");
  QApplication::setOrganizationName("SparseScope");
  // Wayland compositors and docks match windows to sparsescope.desktop by this name.
  QGuiApplication::setDesktopFileName("sparsescope");
  QApplication::setWindowIcon(applicationIcon());
  ss::ui::MainWindow window;
  window.show();
  const bool restored = window.restoreSession();
  if (!projectPath.empty())
    window.openProject(QString::fromStdString(projectPath));
  else if (!restored)
    window.runFirstExample(projectsFolder());
  return QApplication::exec();
}
