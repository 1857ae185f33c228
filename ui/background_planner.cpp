#include "background_planner.h"

#include <QThread>
#include <memory>

namespace ss::ui {

BackgroundPlanner::BackgroundPlanner(QObject* parent) : QObject(parent) {}

BackgroundPlanner::~BackgroundPlanner() {
  if (!worker_) return;
  // Its finished handler, which would delete it, is queued for this object and dropped with it.
  worker_->wait();
  delete worker_;
}

void BackgroundPlanner::request(const Project& project) {
  next_ = project;
  if (!worker_) startNext();
}

void BackgroundPlanner::startNext() {
  const Project project = std::move(*next_);
  next_.reset();
  auto outcome = std::make_shared<Outcome>();
  worker_ = QThread::create([project, outcome] {
    try {
      outcome->plan = planProject(project);
    } catch (const std::bad_alloc&) {
      outcome->error = "the model does not fit in memory (its dense weights are built before they are sparsified)";
    } catch (const std::exception& e) {
      outcome->error = e.what();
    }
  });
  connect(worker_, &QThread::finished, this, [this, project, outcome] {
    worker_->deleteLater();
    worker_ = nullptr;
    // The next plan starts before this one is shown, so busy() stays true until the newest is shown.
    if (next_) startNext();
    emit planned(project, *outcome);
  });
  worker_->start();
}

}  // namespace ss::ui
