#pragma once

#include <QMainWindow>

class QLabel;
class QPlainTextEdit;

namespace ss::ui {

// The desktop explorer's frame: menus, a project view and the status bar. Panels for configuring
// and watching runs dock into it.
class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  explicit MainWindow(QWidget* parent = nullptr);

  // Loads and validates a project file; on error shows the reason and keeps the current project.
  bool openProject(const QString& path);

 private:
  void createMenus();
  void showAbout();

  QPlainTextEdit* projectView_;
  QLabel* statusLabel_;
};

}  // namespace ss::ui
