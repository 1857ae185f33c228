#pragma once

#include <QString>

#include "report_document.h"

namespace ss::ui::report {

enum class ReportFormat { Html, Pdf, Markdown };

// "html", "pdf" or "md"; throws InputError naming the word otherwise.
ReportFormat parseReportFormat(const QString& word);
// The format a file name asks for by its extension (.html/.htm, .pdf, .md); Html when it says nothing.
ReportFormat reportFormatOfPath(const QString& path);

// Writes the report to path. HTML is one self-contained file (images and linked files embedded as data);
// Markdown and PDF put their images (Markdown) and linked files into "<name>_files" beside the report.
// Throws RunError naming the file when it cannot be written.
void writeReport(const ReportDocument& doc, ReportFormat format, const QString& path);

// The writers themselves, each in its own file.
QByteArray reportHtml(const ReportDocument& doc);
QByteArray reportMarkdown(const ReportDocument& doc, const QString& filesDirName);
void writeReportPdf(const ReportDocument& doc, const QString& path, const QString& filesDirName);

}  // namespace ss::ui::report
