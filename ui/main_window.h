#pragma once

#include <QMainWindow>
#include <optional>
#include <vector>

#include "held_store.h"
#include "project/project.h"
#include "store/run_records.h"
#include "store/store_reader.h"

class QAction;
class QMenu;
class QLabel;
class QPlainTextEdit;
class QProgressBar;
class QTabWidget;
class QTimer;

namespace ss::ui {

class ComparisonView;
class ProjectEditor;
class ForgettingView;
class MaskViewer;
class RunBrowser;
class RunController;
class TrainingDashboard;

// The desktop explorer's frame: menus, the run toolbar, the project view, the live dashboard and the
// status bar with progress and ETA. Runs go to the run store at storePath().
class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  // Loads and validates a project file; on error shows the reason and keeps the current project.
  bool openProject(const QString& path);
  // Writes the edited project; false (with a message) when it cannot be written.
  bool saveProject(const QString& path);
  bool hasUnsavedChanges() const;
  ProjectEditor* projectEditor() const { return editor_; }
  QStringList recentProjects() const;
  // Restores the last session (window layout, store, last project); false on the very first start.
  bool restoreSession();
  // The first-start experience: opens the quick 2-D example and runs it, so something moves at once.
  bool runFirstExample(const QString& projectsDir);
  const QString& storePath() const { return storePath_; }
  void setStorePath(const QString& path) { storePath_ = path; }

  RunController* runController() const { return controller_; }
  TrainingDashboard* dashboard() const { return dashboard_; }
  RunBrowser* runBrowser() const { return runBrowser_; }
  MaskViewer* maskViewer() const { return maskViewer_; }
  ForgettingView* forgettingView() const { return forgettingView_; }
  ComparisonView* comparisonView() const { return comparisonView_; }
  QTabWidget* tabs() const { return tabs_; }
  // Shows a stored run in the dashboard; false (with a message) when the store cannot give it.
  bool openStoredRun(int64_t runId);
  bool resumeStoredRun(int64_t runId);
  // Writes a report (format by the file's extension) of these runs, or when none are given of the runs
  // selected in the run browser, else of the run on the dashboard; reportExported tells how it went.
  void exportReport(const QString& path, std::vector<int64_t> runIds = {});
  QAction* runAction() const { return runAction_; }
  QAction* pauseAction() const { return pauseAction_; }
  QAction* stopAction() const { return stopAction_; }

 signals:
  void reportExported(const QString& path, const QString& error);

 private:
  std::vector<int64_t> reportRuns() const;
  void createMenus();
  void createRunControls();
  void startRun();
  void beginRunDisplay(const QString& title);
  void refreshMasks();
  void showPendingStats();
  // Loads the training set a project's run uses, on a worker thread, for the examples view.
  void loadExamplesData(const Project& project);
  void updateRunActions();
  void showAbout();
  void closeEvent(QCloseEvent* event) override;
  void rememberProject(const QString& path);
  void rebuildRecentMenu();

  std::optional<Project> project_;
  QString storePath_;
  HeldStore<StoreReader> store_;  // for opening past runs
  QTabWidget* tabs_;
  QPlainTextEdit* projectView_;
  ProjectEditor* editor_;
  QString projectPath_;
  std::string savedJson_;  // the project as last opened or saved, to know about unsaved edits
  // Asks what to do with unsaved edits; false when the user cancels.
  bool confirmDiscardingEdits();
  void projectEdited(const Project& project);
  TrainingDashboard* dashboard_;
  RunBrowser* runBrowser_;
  MaskViewer* maskViewer_;
  ForgettingView* forgettingView_;
  ComparisonView* comparisonView_;
  std::string examplesDataKey_;  // the data spec whose training set the examples view holds
  QTimer* maskRefresh_;          // coalesces mask changes into one read of the store
  bool masksBehind_ = false;     // a live run changed masks while the Masks tab was hidden
  std::optional<std::vector<ExampleStatRecord>> pendingStats_;  // a live run's newest, while Examples is hidden
  int64_t shownRunId_ = 0;
  int liveEpoch_ = 0;  // the running run's last finished epoch, for the examples' history
  RunController* controller_;
  QAction *runAction_, *pauseAction_, *stopAction_;
  QLabel* statusLabel_;
  QProgressBar* progressBar_;
  QLabel* etaLabel_;
  QMenu* recentMenu_ = nullptr;
};

}  // namespace ss::ui
