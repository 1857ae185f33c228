#include <QApplication>
#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>

#include "main_window.h"

namespace {
// The example projects: installed beside the executable's share folder, or in the source tree it was
// built from.
QString projectsFolder() {
  const QString installed = QCoreApplication::applicationDirPath() + "/../share/sparsescope/projects";
  if (QFileInfo::exists(installed)) return QDir(installed).absolutePath();
  return QStringLiteral(SPARSESCOPE_SOURCE_PROJECTS);
}
}  // namespace

// Starts the desktop explorer. Of the headless commands only `report` constructs a QApplication (offscreen).
int launchGui(int argc, char** argv) {
  QApplication app(argc, argv);
  QApplication::setApplicationName("SparseScope");
  QApplication::setOrganizationName("SparseScope");
  ss::ui::MainWindow window;
  window.show();
  if (!window.restoreSession()) window.runFirstExample(projectsFolder());
  return QApplication::exec();
}
