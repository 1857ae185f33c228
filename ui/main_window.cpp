#include "main_window.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QKeySequence>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QSaveFile>
#include <QSettings>
#include <QSplitter>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabWidget>
#include <QThread>
#include <QTimer>
#include <QToolBar>
#include <QUndoStack>
#include <cmath>
#include <utility>

#include "comparison_view.h"
#include "core/error.h"
#include "core/version.h"
#include "forgetting_view.h"
#include "mask_viewer.h"
#include "project_editor.h"
#include "report/report_export.h"
#include "run_browser.h"
#include "run_controller.h"
#include "training_dashboard.h"

namespace ss::ui {

namespace {
QString formatEta(double seconds) {
  if (!std::isfinite(seconds)) return QObject::tr("ETA --");
  const int s = int(std::lround(seconds));
  return s >= 3600 ? QObject::tr("ETA %1h %2m").arg(s / 3600).arg((s % 3600) / 60)
                   : QObject::tr("ETA %1m %2s").arg(s / 60).arg(s % 60, 2, 10, QChar('0'));
}

QString defaultStorePath() {
  const QString dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
  QDir().mkpath(dir);
  return dir + "/sparsescope.db";
}
}  // namespace

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent), storePath_(defaultStorePath()), controller_(new RunController(this)) {
  setWindowTitle("SparseScope");
  projectView_ = new QPlainTextEdit(this);
  projectView_->setReadOnly(true);
  projectView_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  projectView_->setPlaceholderText(
      tr("Open a project (File > Open Project, Ctrl+O) to see its settings.\n"
         "Example projects are in the projects/ folder."));
  projectView_->setMinimumWidth(260);
  editor_ = new ProjectEditor(this);
  auto* projectSplit = new QSplitter(this);
  projectSplit->addWidget(editor_);
  projectSplit->addWidget(projectView_);
  projectSplit->setStretchFactor(0, 4);
  projectSplit->setStretchFactor(1, 1);
  connect(editor_, &ProjectEditor::projectChanged, this, &MainWindow::projectEdited);
  connect(editor_, &ProjectEditor::problemChanged, this, [this] { updateRunActions(); });
  dashboard_ = new TrainingDashboard(this);
  tabs_ = new QTabWidget(this);
  tabs_->addTab(projectSplit, tr("Project"));
  tabs_->addTab(dashboard_, tr("Dashboard"));
  maskViewer_ = new MaskViewer(this);
  tabs_->addTab(maskViewer_, tr("Masks"));
  maskRefresh_ = new QTimer(this);
  maskRefresh_->setSingleShot(true);
  maskRefresh_->setInterval(700);  // the store's writer commits within this; a burst of layers reads once
  // A live run's masks are read and drawn only while the Masks tab shows them: drawing a large layer's map takes
  // tens of milliseconds the event loop need not spend on a hidden view. Showing the tab catches up.
  connect(maskRefresh_, &QTimer::timeout, this, [this] {
    masksBehind_ = !maskViewer_->isVisible();
    if (!masksBehind_) refreshMasks();
  });
  forgettingView_ = new ForgettingView(this);
  tabs_->addTab(forgettingView_, tr("Examples"));
  runBrowser_ = new RunBrowser(this);
  comparisonView_ = new ComparisonView(this);
  tabs_->addTab(runBrowser_, tr("Runs"));
  tabs_->addTab(comparisonView_, tr("Compare"));
  connect(runBrowser_, &RunBrowser::compareRequested, this, [this](const std::vector<int64_t>& ids) {
    comparisonView_->compare(storePath_, ids);
    tabs_->setCurrentWidget(comparisonView_);
  });
  connect(tabs_, &QTabWidget::currentChanged, this, [this](int index) {
    if (tabs_->widget(index) == runBrowser_) runBrowser_->refresh(storePath_);
    if (tabs_->widget(index) == maskViewer_ && std::exchange(masksBehind_, false)) refreshMasks();
    if (tabs_->widget(index) == forgettingView_) showPendingStats();
  });
  connect(runBrowser_, &RunBrowser::openRequested, this, &MainWindow::openStoredRun);
  connect(runBrowser_, &RunBrowser::resumeRequested, this, &MainWindow::resumeStoredRun);
  setCentralWidget(tabs_);

  statusLabel_ = new QLabel(tr("No project"), this);
  progressBar_ = new QProgressBar(this);
  progressBar_->setMaximumWidth(260);
  progressBar_->setVisible(false);
  etaLabel_ = new QLabel(this);
  statusBar()->addPermanentWidget(statusLabel_, 1);
  statusBar()->addPermanentWidget(progressBar_);
  statusBar()->addPermanentWidget(etaLabel_);
  createMenus();
  createRunControls();
  resize(1280, 800);
}

MainWindow::~MainWindow() = default;

void MainWindow::createMenus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  QAction* open = file->addAction(tr("&Open Project..."), this, [this] {
    const QString path =
        QFileDialog::getOpenFileName(this, tr("Open Project"), QString(), tr("SparseScope projects (*.json)"));
    if (!path.isEmpty()) openProject(path);
  });
  open->setShortcut(QKeySequence::Open);
  open->setToolTip(tr("Load and validate a project file"));
  recentMenu_ = file->addMenu(tr("Open &Recent"));
  rebuildRecentMenu();
  QAction* save = file->addAction(tr("&Save Project"), this, [this] {
    if (projectPath_.isEmpty()) return;
    saveProject(projectPath_);
  });
  save->setShortcut(QKeySequence::Save);
  file->addAction(tr("Save Project &As..."), this, [this] {
    const QString path =
        QFileDialog::getSaveFileName(this, tr("Save Project"), projectPath_, tr("SparseScope projects (*.json)"));
    if (!path.isEmpty()) saveProject(path);
  });
  file->addAction(tr("Choose Run &Store..."), this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, tr("Run store"), storePath_, tr("SQLite (*.db)"), nullptr,
                                                      QFileDialog::DontConfirmOverwrite);
    if (!path.isEmpty()) {
      storePath_ = path;
      QSettings().setValue("store/path", path);
    }
  });
  QAction* report = file->addAction(tr("Export &Report..."), this, [this] {
    if (reportRuns().empty()) {
      QMessageBox::information(this, tr("Export Report"),
                               tr("Select runs in the Runs tab, or open a run, to report on."));
      return;
    }
    const QString path =
        QFileDialog::getSaveFileName(this, tr("Export Report"), QString(),
                                     tr("HTML report, one file (*.html);;PDF report (*.pdf);;Markdown report (*.md)"));
    if (!path.isEmpty()) exportReport(path);
  });
  report->setToolTip(tr("Write an HTML, PDF or Markdown report of the selected runs"));
  file->addSeparator();
  QAction* quit = file->addAction(tr("&Quit"), qApp, &QApplication::quit);
  quit->setShortcut(QKeySequence::Quit);

  QMenu* edit = menuBar()->addMenu(tr("&Edit"));
  QAction* undo = editor_->undoStack()->createUndoAction(this, tr("&Undo"));
  undo->setShortcut(QKeySequence::Undo);
  QAction* redo = editor_->undoStack()->createRedoAction(this, tr("&Redo"));
  redo->setShortcut(QKeySequence::Redo);
  edit->addAction(undo);
  edit->addAction(redo);

  QMenu* run = menuBar()->addMenu(tr("&Run"));
  runAction_ = run->addAction(tr("&Run"), this, &MainWindow::startRun);
  runAction_->setShortcut(Qt::Key_F5);
  runAction_->setToolTip(tr("Train the project in the background (F5)"));
  pauseAction_ = run->addAction(tr("&Pause"), this, [this] {
    if (controller_->paused())
      controller_->resumePaused();
    else
      controller_->pause();
  });
  pauseAction_->setShortcut(Qt::Key_F6);
  stopAction_ = run->addAction(tr("&Stop"), controller_, &RunController::stop);
  stopAction_->setShortcut(Qt::SHIFT | Qt::Key_F5);
  stopAction_->setToolTip(tr("Stop the run; it keeps a checkpoint and can be resumed"));

  QMenu* help = menuBar()->addMenu(tr("&Help"));
  help->addAction(tr("&About SparseScope"), this, &MainWindow::showAbout);
}

void MainWindow::createRunControls() {
  QToolBar* bar = addToolBar(tr("Run"));
  bar->setObjectName("runToolbar");
  bar->setToolButtonStyle(Qt::ToolButtonTextOnly);
  bar->addAction(runAction_);
  bar->addAction(pauseAction_);
  bar->addAction(stopAction_);

  connect(controller_, &RunController::runStarted, this, [this](const RunStartInfo& info) {
    dashboard_->begin(info);
    shownRunId_ = info.runId;
    maskRefresh_->start();
    statusLabel_->setText(tr("Run %1 '%2' training").arg(info.runId).arg(QString::fromStdString(info.name)));
  });
  connect(controller_, &RunController::stepsArrived, dashboard_, &TrainingDashboard::addSteps);
  connect(controller_, &RunController::exampleStatsUpdated, this, [this](const QVector<ExampleStatRecord>& stats) {
    std::vector<ExampleStatRecord> copy(stats.begin(), stats.end());  // one copy of 60000 records, not two
    if (liveEpoch_ > 0) forgettingView_->addEpoch(liveEpoch_, copy);
    // Sorting and drawing tens of thousands of examples waits until the Examples tab shows them.
    pendingStats_ = std::move(copy);
    if (forgettingView_->isVisible()) showPendingStats();
  });
  connect(controller_, &RunController::epochEnded, dashboard_, &TrainingDashboard::addEpoch);
  connect(controller_, &RunController::epochEnded, this, [this](const EpochRecord& e) { liveEpoch_ = e.epoch; });
  connect(controller_, &RunController::maskChanged, dashboard_, &TrainingDashboard::addMaskChange);
  connect(controller_, &RunController::maskChanged, this, [this] {
    if (!maskRefresh_->isActive()) maskRefresh_->start();
  });
  connect(controller_, &RunController::progress, this, [this](int64_t done, int64_t total, double eta) {
    progressBar_->setRange(0, int(std::max<int64_t>(1, total)));
    progressBar_->setValue(int(done));
    if (!controller_->paused()) etaLabel_->setText(formatEta(eta));  // the last steps may land after a pause
  });
  connect(controller_, &RunController::pausedChanged, this, [this](bool paused) {
    pauseAction_->setText(paused ? tr("&Resume") : tr("&Pause"));
    etaLabel_->setText(paused ? tr("paused") : QString());
  });
  connect(controller_, &RunController::runEnded, this, [this](RunStatus status, const QString& message, int64_t id) {
    progressBar_->setVisible(false);
    etaLabel_->clear();
    pauseAction_->setText(tr("&Pause"));
    statusLabel_->setText(tr("Run %1 %2%3").arg(id).arg(toString(status)).arg(message.isEmpty() ? "" : ": " + message));
    updateRunActions();
    showPendingStats();
    if (tabs_->currentWidget() == runBrowser_) runBrowser_->refresh(storePath_);
    if (id) {
      shownRunId_ = id;
      refreshMasks();
    }
    if (status == RunStatus::Failed) QMessageBox::warning(this, tr("Run failed"), message);
  });
  updateRunActions();
}

void MainWindow::startRun() {
  if (!project_ || controller_->running()) return;
  beginRunDisplay(tr("Starting '%1': loading data...").arg(QString::fromStdString(project_->name)));
  forgettingView_->clear();
  pendingStats_.reset();
  liveEpoch_ = 0;
  loadExamplesData(*project_);
  controller_->start(*project_, storePath_);
  updateRunActions();
}

void MainWindow::beginRunDisplay(const QString& title) {
  dashboard_->clear(title);
  tabs_->setCurrentWidget(dashboard_);
  progressBar_->setValue(0);
  progressBar_->setVisible(true);
}

bool MainWindow::openStoredRun(int64_t runId) {
  try {
    const StoreReader& store = store_.at(storePath_);
    dashboard_->showStoredRun(store, runId);
    shownRunId_ = runId;
    refreshMasks();
    forgettingView_->setStats(store.exampleStats(runId));
    forgettingView_->setHistory(store.exampleStatsHistory(runId));
    loadExamplesData(parseProject(store.projectJson(runId), "run " + std::to_string(runId)));
    tabs_->setCurrentWidget(dashboard_);
    return true;
  } catch (const std::exception& e) {
    QMessageBox::warning(this, tr("Cannot open run"), QString::fromStdString(e.what()));
    return false;
  }
}

void MainWindow::loadExamplesData(const Project& project) {
  // Two runs share thumbnails when they read the same data the same way: the data section and the seed.
  const std::string json = projectToJson(project);
  const size_t data = json.find("\"data\"");
  const std::string dataKey = json.substr(data, json.find("\"model\"") - data) + std::to_string(project.train.seed);
  if (dataKey == examplesDataKey_) return;
  examplesDataKey_ = dataKey;
  auto result = std::make_shared<std::shared_ptr<const Dataset>>();
  QThread* loader = QThread::create([project, result] {
    try {
      *result = std::make_shared<const Dataset>(loadProjectData(project).train);
    } catch (const std::exception&) {
      // The run itself reports a data problem; the view stays without pictures.
    }
  });
  // Delivered through a connection to this window: if the window is gone first, nothing is delivered.
  connect(loader, &QThread::finished, this, [this, result, dataKey] {
    if (*result && dataKey == examplesDataKey_) forgettingView_->setTrainingData(*result);
  });
  connect(loader, &QThread::finished, loader, &QObject::deleteLater);
  loader->start();
}

void MainWindow::showPendingStats() {
  if (!pendingStats_) return;
  forgettingView_->setStats(std::move(*pendingStats_));
  pendingStats_.reset();
}

void MainWindow::refreshMasks() {
  if (!shownRunId_) return;
  try {
    maskViewer_->showRun(storePath_, shownRunId_);
  } catch (const std::exception& e) {
    statusBar()->showMessage(tr("Cannot read the masks: %1").arg(QString::fromStdString(e.what())), 5000);
  }
}

bool MainWindow::resumeStoredRun(int64_t runId) {
  if (controller_->running()) return false;
  // The dashboard shows what the run logged before; the resumed run continues the curves.
  if (!openStoredRun(runId)) return false;
  progressBar_->setValue(0);
  progressBar_->setVisible(true);
  controller_->resume(storePath_, runId);
  updateRunActions();
  return true;
}

void MainWindow::updateRunActions() {
  const bool running = controller_->running();
  runAction_->setEnabled(project_.has_value() && editor_->problem().isEmpty() && !running);
  pauseAction_->setEnabled(running);
  stopAction_->setEnabled(running);
}

bool MainWindow::openProject(const QString& path) {
  if (!confirmDiscardingEdits()) return false;
  try {
    project_ = loadProject(path.toStdString());
    rememberProject(QFileInfo(path).absoluteFilePath());
    projectPath_ = QFileInfo(path).absoluteFilePath();
    savedJson_ = projectToJson(*project_);
    editor_->setProject(*project_);
    projectView_->setPlainText(QString::fromStdString(projectToJson(*project_)));
    statusLabel_->setText(
        tr("Project %1 (%2)").arg(QString::fromStdString(project_->name), QFileInfo(path).fileName()));
    setWindowTitle(tr("%1 - SparseScope").arg(QString::fromStdString(project_->name)));
    updateRunActions();
    return true;
  } catch (const InputError& e) {
    QMessageBox::warning(this, tr("Cannot open project"), QString::fromStdString(e.what()));
    return false;
  }
}

namespace {
constexpr int kRecentProjects = 8;
}

QStringList MainWindow::recentProjects() const {
  return QSettings().value("project/recent").toStringList();
}

void MainWindow::rememberProject(const QString& path) {
  QSettings settings;
  QStringList recent = settings.value("project/recent").toStringList();
  recent.removeAll(path);
  recent.prepend(path);
  while (recent.size() > kRecentProjects) recent.removeLast();
  settings.setValue("project/recent", recent);
  settings.setValue("project/last", path);
  rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu() {
  if (!recentMenu_) return;
  recentMenu_->clear();
  const QStringList recent = recentProjects();
  for (int i = 0; i < recent.size(); ++i) {
    QAction* a = recentMenu_->addAction(QString("&%1 %2").arg(i + 1).arg(QFileInfo(recent[i]).fileName()), this,
                                        [this, path = recent[i]] { openProject(path); });
    a->setToolTip(recent[i]);
  }
  recentMenu_->setEnabled(!recent.isEmpty());
}

bool MainWindow::restoreSession() {
  QSettings settings;
  if (settings.contains("window/geometry")) restoreGeometry(settings.value("window/geometry").toByteArray());
  if (settings.contains("window/state")) restoreState(settings.value("window/state").toByteArray());
  storePath_ = settings.value("store/path", storePath_).toString();
  const QString last = settings.value("project/last").toString();
  if (last.isEmpty()) return false;
  if (QFileInfo::exists(last)) openProject(last);
  return true;
}

bool MainWindow::runFirstExample(const QString& projectsDir) {
  if (!openProject(projectsDir + "/spirals-mlp-dense.json")) return false;
  statusBar()->showMessage(tr("Welcome: this small example trains in seconds. Open a Fashion-MNIST project from "
                              "%1 next.")
                               .arg(projectsDir),
                           15000);
  startRun();
  return true;
}

void MainWindow::closeEvent(QCloseEvent* event) {
  if (!confirmDiscardingEdits()) {
    event->ignore();
    return;
  }
  QSettings settings;
  settings.setValue("window/geometry", saveGeometry());
  settings.setValue("window/state", saveState());
  settings.setValue("store/path", storePath_);
  if (controller_->running()) controller_->stop();  // the run keeps a checkpoint; resume it from Runs
  QMainWindow::closeEvent(event);
}

void MainWindow::projectEdited(const Project& project) {
  project_ = project;
  projectView_->setPlainText(QString::fromStdString(projectToJson(project)));
  setWindowTitle(tr("%1%2 - SparseScope").arg(QString::fromStdString(project.name), hasUnsavedChanges() ? "*" : ""));
  updateRunActions();
}

bool MainWindow::hasUnsavedChanges() const {
  return project_ && projectToJson(*project_) != savedJson_;
}

bool MainWindow::saveProject(const QString& path) {
  if (!project_) return false;
  QSaveFile file(path);
  const std::string json = projectToJson(*project_);
  if (!file.open(QIODevice::WriteOnly) || file.write(json.data(), qint64(json.size())) != qint64(json.size()) ||
      !file.commit()) {
    QMessageBox::warning(this, tr("Cannot save project"), tr("%1: %2").arg(path, file.errorString()));
    return false;
  }
  projectPath_ = QFileInfo(path).absoluteFilePath();
  savedJson_ = json;
  rememberProject(projectPath_);
  setWindowTitle(tr("%1 - SparseScope").arg(QString::fromStdString(project_->name)));
  return true;
}

bool MainWindow::confirmDiscardingEdits() {
  if (!hasUnsavedChanges()) return true;
  const auto answer = QMessageBox::question(
      this, tr("Unsaved project"), tr("The project has changes that are not saved. Save them first?"),
      QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Save);
  if (answer == QMessageBox::Cancel) return false;
  if (answer == QMessageBox::Save) return !projectPath_.isEmpty() && saveProject(projectPath_);
  return true;
}

std::vector<int64_t> MainWindow::reportRuns() const {
  std::vector<int64_t> ids = runBrowser_->selectedRuns();
  if (ids.empty() && shownRunId_) ids.push_back(shownRunId_);
  return ids;
}

void MainWindow::exportReport(const QString& path, std::vector<int64_t> runIds) {
  if (runIds.empty()) runIds = reportRuns();
  statusBar()->showMessage(tr("Writing the report %1...").arg(QDir::toNativeSeparators(path)));
  auto* task = report::ReportExport::start(storePath_, runIds, path, this);
  connect(task, &report::ReportExport::finished, this, [this](const QString& written, const QString& error) {
    if (error.isEmpty()) {
      statusBar()->showMessage(tr("Report written to %1").arg(QDir::toNativeSeparators(written)), 10000);
    } else {  // window-modal, not application-modal: a run going on keeps updating behind it
      auto* box = new QMessageBox(QMessageBox::Warning, tr("Export Report"),
                                  tr("The report could not be written:\n%1").arg(error), QMessageBox::Ok, this);
      box->setAttribute(Qt::WA_DeleteOnClose);
      box->open();
      statusBar()->clearMessage();
    }
    emit reportExported(written, error);
  });
}

void MainWindow::showAbout() {
  QMessageBox::about(this, tr("About SparseScope"),
                     tr("<b>SparseScope %1</b><p>Explore sparse neural-network training: MEST and its peers, "
                        "sparsity schemes, memory bounds and forgettable examples.</p>")
                         .arg(QString::fromLatin1(kEngineVersion)));
}

}  // namespace ss::ui
