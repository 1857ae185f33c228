#pragma once

#include <QString>
#include <memory>
#include <optional>
#include <vector>

#include "data/dataset.h"
#include "project/project.h"
#include "report_document.h"
#include "train/project_plan.h"
#include "train/run_inspection.h"

namespace ss::ui::report {

// Everything a report says about one run that comes from files rather than from drawing.
struct RunReportInputs {
  RunDetails details;
  std::string projectJson;
  std::optional<Project> project;
  std::optional<ProjectPlan> plan;
  std::shared_ptr<const Dataset> train;  // for example thumbnails; null when the data cannot be read here
  QString dataProblem;                   // why train is null
  std::vector<ExampleStatRecord> exampleStats;
  std::vector<Attachment> csv;  // what `sparsescope export` writes for the run
};

struct ReportInputs {
  QString storePath;
  std::vector<RunReportInputs> runs;
};

// Reads the runs, their projects, data sets and CSV exports. No widgets: it may run on a worker thread.
// Throws InputError for a missing run id or an unreadable store, naming it.
ReportInputs gatherReportInputs(const QString& storePath, const std::vector<int64_t>& runIds);

// Builds the report, drawing its figures with the desktop explorer's own views (dashboard, mask viewer,
// forgetting view, comparison), so a report shows what the app shows. Needs a QApplication (offscreen is
// enough) and the GUI thread.
ReportDocument composeReport(const ReportInputs& inputs);

}  // namespace ss::ui::report
