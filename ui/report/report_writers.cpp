#include "report_writers.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>

#include "core/error.h"

namespace ss::ui::report {

namespace {

void writeFile(const QString& path, const QByteArray& bytes) {
  QDir().mkpath(QFileInfo(path).absolutePath());
  // QSaveFile: a failed write (a full disk) leaves any earlier report in place instead of half a file.
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit())
    throw RunError(path.toStdString() + ": cannot write: " + file.errorString().toStdString());
}

// "study.pdf" keeps its linked files in "study_files", as browsers save a page's resources.
QString filesDirName(const QString& reportPath) {
  return QFileInfo(reportPath).completeBaseName() + "_files";
}

void writeSideFiles(const ReportDocument& doc, const QString& reportPath, bool withImages) {
  const QString dir = QFileInfo(reportPath).absolutePath() + "/" + filesDirName(reportPath);
  for (const Block& block : doc.blocks) {
    if (const auto* l = std::get_if<Links>(&block))
      for (const Attachment& a : l->files) writeFile(dir + "/" + a.fileName, a.bytes);
    if (const auto* f = std::get_if<Figure>(&block); f && withImages) {
      QDir().mkpath(dir);
      if (!f->image.save(dir + "/" + f->fileStem + ".png", "PNG"))
        throw RunError((dir + "/" + f->fileStem + ".png").toStdString() + ": cannot write the figure");
    }
  }
}

// Like QSaveFile for the PDF, which QPdfWriter writes itself: a failed write keeps the earlier report.
void writePdfReplacing(const ReportDocument& doc, const QString& path) {
  const QString partial = path + ".part";
  try {
    writeReportPdf(doc, partial, filesDirName(path));
  } catch (...) {
    QFile::remove(partial);
    throw;
  }
  QFile::remove(path);
  if (!QFile::rename(partial, path)) throw RunError(path.toStdString() + ": cannot replace it with the new report");
}

}  // namespace

ReportFormat parseReportFormat(const QString& word) {
  if (word == "html") return ReportFormat::Html;
  if (word == "pdf") return ReportFormat::Pdf;
  if (word == "md") return ReportFormat::Markdown;
  throw InputError("--format " + word.toStdString() + ": unknown report format (html, pdf or md)");
}

ReportFormat reportFormatOfPath(const QString& path) {
  const QString suffix = QFileInfo(path).suffix().toLower();
  if (suffix == "pdf") return ReportFormat::Pdf;
  if (suffix == "md" || suffix == "markdown") return ReportFormat::Markdown;
  return ReportFormat::Html;
}

void writeReport(const ReportDocument& doc, ReportFormat format, const QString& path) {
  switch (format) {
    case ReportFormat::Html:
      writeFile(path, reportHtml(doc));
      return;
    case ReportFormat::Markdown:
      writeSideFiles(doc, path, true);
      writeFile(path, reportMarkdown(doc, filesDirName(path)));
      return;
    case ReportFormat::Pdf:
      writeSideFiles(doc, path, false);
      writePdfReplacing(doc, path);
      return;
  }
}

}  // namespace ss::ui::report
