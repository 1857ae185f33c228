#include <QApplication>

#include "main_window.h"

// The only place in app/ that starts Qt: headless commands never construct a QApplication.
int launchGui(int argc, char** argv) {
  QApplication app(argc, argv);
  QApplication::setApplicationName("SparseScope");
  QApplication::setOrganizationName("SparseScope");
  ss::ui::MainWindow window;
  window.show();
  return QApplication::exec();
}
