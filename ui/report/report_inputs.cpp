#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <map>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "report_builder.h"
#include "store/run_csv.h"
#include "store/run_store.h"
#include "train/experiment.h"

namespace ss::ui::report {

namespace {

std::vector<Attachment> csvAttachments(const StoreReader& store, const RunDetails& details) {
  QTemporaryDir dir;
  if (!dir.isValid())
    throw RunError("cannot create a temporary folder for the CSV export: " + dir.errorString().toStdString());
  std::vector<Attachment> files;
  for (const std::string& name : writeRunCsv(store, details, dir.path().toStdString())) {
    QFile file(dir.filePath(QString::fromStdString(name)));
    if (!file.open(QIODevice::ReadOnly)) throw RunError(file.fileName().toStdString() + ": cannot read it back");
    files.push_back(
        {QString("run-%1/%2").arg(details.summary.id).arg(QString::fromStdString(name)), file.readAll(), "text/csv"});
  }
  return files;
}

// Runs of one study usually share a data set: read each (data spec, seed) once.
class DataCache {
 public:
  std::shared_ptr<const Dataset> trainingData(const Project& project, const std::string& projectJson) {
    const nlohmann::json j = nlohmann::json::parse(projectJson, nullptr, false);
    const std::string key = (j.is_object() && j.contains("data") ? j["data"].dump() : std::string()) + "#" +
                            std::to_string(project.train.seed);
    auto& slot = cache_[key];
    if (!slot) slot = std::make_shared<const Dataset>(loadProjectData(project).train);
    return slot;
  }

 private:
  std::map<std::string, std::shared_ptr<const Dataset>> cache_;
};

}  // namespace

ReportInputs gatherReportInputs(const QString& storePath, const std::vector<int64_t>& runIds) {
  if (runIds.empty()) throw InputError("a report needs at least one run");
  const RunStore store(storePath.toStdString());
  ReportInputs inputs;
  inputs.storePath = storePath;
  DataCache data;
  for (int64_t id : runIds) {
    RunReportInputs run;
    run.details = inspectRun(store, id);  // throws InputError naming a missing run
    run.projectJson = store.projectJson(id);
    // A run recorded by another engine version may hold keys this one refuses; the report then goes
    // without what needs the parsed project (plan, thumbnails) and says so.
    try {
      run.project = parseProject(run.projectJson, "run " + std::to_string(id));
      run.plan = planProject(*run.project);
    } catch (const std::exception&) {
    }
    run.exampleStats = store.exampleStats(id);
    if (run.project && !run.exampleStats.empty()) {
      try {
        run.train = data.trainingData(*run.project, run.projectJson);
      } catch (const std::exception& e) {
        run.dataProblem = QString::fromStdString(e.what());
      }
    }
    run.csv = csvAttachments(store, run.details);
    inputs.runs.push_back(std::move(run));
  }
  return inputs;
}

}  // namespace ss::ui::report
