#include "report_export.h"

#include <QThread>
#include <memory>

#include "report_builder.h"
#include "report_writers.h"

namespace ss::ui::report {

ReportExport* ReportExport::start(const QString& storePath, const std::vector<int64_t>& runIds,
                                  const QString& outputPath, QObject* parent) {
  auto* task = new ReportExport(outputPath, parent);
  struct Gathered {
    ReportInputs inputs;
    QString error;
  };
  auto gathered = std::make_shared<Gathered>();
  QThread* reader = QThread::create([storePath, runIds, gathered] {
    try {
      gathered->inputs = gatherReportInputs(storePath, runIds);
    } catch (const std::exception& e) {
      gathered->error = QString::fromStdString(e.what());
    }
  });
  // Delivered through the task: if its parent (the window) is gone first, nothing is drawn.
  connect(reader, &QThread::finished, task, [task, gathered] {
    QString error = gathered->error;
    if (error.isEmpty()) {
      try {
        writeReport(composeReport(gathered->inputs), reportFormatOfPath(task->outputPath_), task->outputPath_);
      } catch (const std::exception& e) {
        error = QString::fromStdString(e.what());
      }
    }
    emit task->finished(task->outputPath_, error);
    task->deleteLater();
  });
  connect(reader, &QThread::finished, reader, &QObject::deleteLater);
  reader->start();
  return task;
}

}  // namespace ss::ui::report
