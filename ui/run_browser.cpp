#include "run_browser.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

#include "run_table_model.h"
#include "store/run_store.h"
#include "sweep_summary_view.h"

namespace ss::ui {

RunBrowser::RunBrowser(QWidget* parent) : QWidget(parent) {
  model_ = new RunTableModel(this);
  sorted_ = new QSortFilterProxyModel(this);
  sorted_->setSourceModel(model_);
  sorted_->setSortRole(Qt::UserRole);
  table_ = new QTableView(this);
  table_->setObjectName("runTable");
  table_->setModel(sorted_);
  table_->setSortingEnabled(true);
  table_->sortByColumn(RunTableModel::Id, Qt::DescendingOrder);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setSelectionMode(QAbstractItemView::ExtendedSelection);
  table_->setAlternatingRowColors(true);
  table_->verticalHeader()->setVisible(false);
  table_->horizontalHeader()->setSectionResizeMode(RunTableModel::Name, QHeaderView::Stretch);
  note_ = new QLabel(this);
  note_->setWordWrap(true);
  openButton_ = new QPushButton(tr("&Open in Dashboard"), this);
  resumeButton_ = new QPushButton(tr("Re&sume Run"), this);
  compareButton_ = new QPushButton(tr("&Compare Selected"), this);
  compareButton_->setToolTip(tr("Overlay the selected runs' curves (Ctrl+click or Shift+click to select several)"));
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(note_, 1);
  buttons->addWidget(openButton_);
  buttons->addWidget(resumeButton_);
  buttons->addWidget(compareButton_);
  sweepBox_ = new QComboBox(this);
  sweepBox_->setObjectName("sweepBox");
  sweepBox_->setToolTip(tr("Show one sweep's runs and its summary"));
  summary_ = new SweepSummaryView(this);
  summary_->setVisible(false);
  auto* filter = new QHBoxLayout;
  filter->addWidget(new QLabel(tr("Sweep:"), this));
  filter->addWidget(sweepBox_);
  filter->addStretch(1);
  auto* split = new QSplitter(Qt::Vertical, this);
  split->addWidget(table_);
  split->addWidget(summary_);
  split->setStretchFactor(0, 1);
  split->setStretchFactor(1, 1);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(filter);
  layout->addWidget(split, 1);
  layout->addLayout(buttons);
  connect(sweepBox_, &QComboBox::currentIndexChanged, this, &RunBrowser::applySweepFilter);

  connect(table_, &QTableView::doubleClicked, this, [this] {
    if (const int64_t id = selectedRun()) emit openRequested(id);
  });
  connect(openButton_, &QPushButton::clicked, this, [this] {
    if (const int64_t id = selectedRun()) emit openRequested(id);
  });
  connect(resumeButton_, &QPushButton::clicked, this, [this] {
    if (const int64_t id = selectedRun()) emit resumeRequested(id);
  });
  connect(compareButton_, &QPushButton::clicked, this, [this] {
    if (selectedRuns().size() >= 2) emit compareRequested(selectedRuns());
  });
  connect(table_->selectionModel(), &QItemSelectionModel::selectionChanged, this, &RunBrowser::updateButtons);
  updateButtons();
}

void RunBrowser::refresh(const QString& storePath) {
  try {
    RunStore& store = store_.at(storePath);
    store.markInterruptedRuns();
    allRuns_ = store.listRuns();
    note_->setText(tr("%1 runs in %2").arg(allRuns_.size()).arg(storePath));
  } catch (const std::exception& e) {
    allRuns_.clear();
    note_->setText(QString::fromStdString(e.what()));
  }
  // The sweep list follows the store; the chosen sweep stays chosen while it is there.
  const QString chosen = sweepBox_->currentData().toString();
  {
    const QSignalBlocker block(sweepBox_);
    sweepBox_->clear();
    sweepBox_->addItem(tr("All runs"), QString());
    for (const QString& id : sweeps()) sweepBox_->addItem(id, id);
    sweepBox_->setCurrentIndex(std::max(0, sweepBox_->findData(chosen)));
  }
  sweepBox_->setEnabled(sweepBox_->count() > 1);
  applySweepFilter();
}

QStringList RunBrowser::sweeps() const {
  QStringList ids;
  for (const RunSummary& r : allRuns_)
    if (!r.sweepId.empty() && !ids.contains(QString::fromStdString(r.sweepId)))
      ids << QString::fromStdString(r.sweepId);
  return ids;
}

void RunBrowser::showSweep(const QString& sweepId) {
  sweepBox_->setCurrentIndex(std::max(0, sweepBox_->findData(sweepId)));
  applySweepFilter();
}

void RunBrowser::applySweepFilter() {
  const std::string sweep = sweepBox_->currentData().toString().toStdString();
  std::vector<RunSummary> shown;
  std::vector<SweepRunPoint> points;
  for (const RunSummary& r : allRuns_) {
    if (!sweep.empty() && r.sweepId != sweep) continue;
    shown.push_back(r);
    if (!sweep.empty())
      points.push_back({QString::fromStdString(r.sweepSeries), r.target,
                        r.status == "finished" ? r.finalTestAccuracy : std::nullopt, r.elapsedSeconds});
  }
  model_->setRuns(std::move(shown));
  summary_->setVisible(!sweep.empty());
  if (!sweep.empty()) summary_->show(QString::fromStdString(sweep), points);
  table_->resizeColumnsToContents();
  table_->horizontalHeader()->setSectionResizeMode(RunTableModel::Name, QHeaderView::Stretch);
  updateButtons();
}

int RunBrowser::rowCount() const {
  return model_->rowCount();
}

std::vector<int64_t> RunBrowser::selectedRuns() const {
  std::vector<int64_t> ids;
  for (const QModelIndex& index : table_->selectionModel()->selectedRows())
    ids.push_back(model_->run(sorted_->mapToSource(index).row()).id);
  return ids;
}

int64_t RunBrowser::selectedRun() const {
  const std::vector<int64_t> ids = selectedRuns();
  return ids.size() == 1 ? ids.front() : 0;
}

void RunBrowser::updateButtons() {
  const int64_t id = selectedRun();
  openButton_->setEnabled(id != 0);
  bool resumable = false;
  if (id) {
    const QModelIndexList rows = table_->selectionModel()->selectedRows();
    const std::string& status = model_->run(sorted_->mapToSource(rows.first()).row()).status;
    resumable = status == "cancelled" || status == "interrupted" || status == "failed";
  }
  resumeButton_->setEnabled(resumable);
  compareButton_->setEnabled(selectedRuns().size() >= 2);
}

}  // namespace ss::ui
