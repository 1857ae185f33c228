#include "run_browser.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

#include "run_table_model.h"
#include "store/run_store.h"

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
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(table_, 1);
  layout->addLayout(buttons);

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
    const RunStore store(storePath.toStdString());
    model_->setRuns(store.listRuns());
    note_->setText(tr("%1 runs in %2").arg(model_->rowCount()).arg(storePath));
  } catch (const std::exception& e) {
    model_->setRuns({});
    note_->setText(QString::fromStdString(e.what()));
  }
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
