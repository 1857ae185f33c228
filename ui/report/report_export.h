#pragma once

#include <QObject>
#include <QString>
#include <vector>

namespace ss::ui::report {

// File > Export Report: reads the store and data sets on a worker thread (a study's data set can take a
// second to load), then draws and writes the report on the GUI thread, which Qt's widgets require.
// Emits finished once, with an empty error on success; deletes itself afterwards.
class ReportExport : public QObject {
  Q_OBJECT

 public:
  static ReportExport* start(const QString& storePath, const std::vector<int64_t>& runIds, const QString& outputPath,
                             QObject* parent);

 signals:
  void finished(const QString& outputPath, const QString& error);

 private:
  ReportExport(const QString& outputPath, QObject* parent) : QObject(parent), outputPath_(outputPath) {}
  QString outputPath_;
};

}  // namespace ss::ui::report
