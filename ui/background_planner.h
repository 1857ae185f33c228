#pragma once

#include <QObject>
#include <optional>
#include <string>

#include "project/project.h"
#include "train/project_plan.h"

class QThread;

namespace ss::ui {

// Works out project plans (planProject) on a worker thread. A plan builds the model and draws its masks: a few
// milliseconds for the example projects, over a second for a model of tens of millions of weights, which the
// editor must not wait for while the user types or drags the sparsity slider. One plan runs at a time; requests
// made meanwhile are coalesced, and only the newest is planned next.
class BackgroundPlanner : public QObject {
  Q_OBJECT

 public:
  struct Outcome {
    std::optional<ProjectPlan> plan;
    std::string error;  // why there is no plan (an unknown data shape, a model that cannot be built)
  };

  explicit BackgroundPlanner(QObject* parent = nullptr);
  ~BackgroundPlanner() override;  // waits for a running plan: it reads nothing of ours, but its thread must end

  void request(const Project& project);
  bool busy() const { return worker_ != nullptr || next_.has_value(); }

 signals:
  // On the planner's thread (the GUI's), once per plan worked out, in request order; the last one emitted before
  // busy() turns false is the newest request's.
  void planned(const ss::Project& project, const ss::ui::BackgroundPlanner::Outcome& outcome);

 private:
  void startNext();

  QThread* worker_ = nullptr;
  std::optional<Project> next_;
};

}  // namespace ss::ui
