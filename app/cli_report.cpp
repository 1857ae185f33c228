#include <QApplication>
#include <cstdio>

#include "cli_args.h"
#include "cli_commands.h"
#include "core/error.h"
#include "report/report_builder.h"
#include "report/report_writers.h"

namespace ss::cli {

const char* const kReportUsage =
    "usage: sparsescope report RUN [RUN ...] [--format html|pdf|md] -o FILE [--db FILE]\n"
    "\n"
    "Writes a report a colleague can read without SparseScope: the project's settings and the command that\n"
    "reproduces each run, the per-layer density and memory table, accuracy and loss curves, memory against\n"
    "the bound, the mutation schedule, every layer's mask at start and end, the forgetting histogram with the\n"
    "most and least forgettable examples, and the runs' CSV files. With several runs it starts with their\n"
    "curves overlaid and a comparison table, the best value of each column marked. Needs no display.\n"
    "  --format F     html (one self-contained file), pdf (paginated A4) or md (Markdown); default: by\n"
    "                 FILE's extension, else html. pdf and md put linked files (and md its images) into\n"
    "                 FILE's name + \"_files\" beside it\n"
    "  -o FILE        where the report goes\n"
    "  --db FILE      run store (SQLite), default ./sparsescope.db\n";

int reportCommand(const std::vector<std::string>& argv) {
  const Args args(argv, {"--db", "--format", "-o"}, {});
  if (args.positionals().empty()) throw UsageError{"report needs at least one run id"};
  if (!args.value("-o")) throw UsageError{"report needs -o FILE"};
  std::vector<int64_t> runIds;
  for (const std::string& id : args.positionals()) runIds.push_back(parseRunId(id));
  const QString output = QString::fromStdString(*args.value("-o"));
  const auto format = args.value("--format")
                          ? ui::report::parseReportFormat(QString::fromStdString(*args.value("--format")))
                          : ui::report::reportFormatOfPath(output);

  // Plots are drawn by the desktop explorer's own widgets, offscreen: a report needs no display.
  qputenv("QT_QPA_PLATFORM", "offscreen");
  int qtArgc = 1;
  char name[] = "sparsescope";
  char* qtArgv[] = {name, nullptr};
  QApplication app(qtArgc, qtArgv);

  std::fprintf(stderr, "report: reading %zu run(s)...\n", runIds.size());
  const ui::report::ReportInputs inputs =
      ui::report::gatherReportInputs(QString::fromStdString(args.value("--db").value_or(kDefaultDb)), runIds);
  std::fprintf(stderr, "report: drawing figures...\n");
  const ui::report::ReportDocument doc = ui::report::composeReport(inputs);
  ui::report::writeReport(doc, format, output);
  std::printf("wrote %s\n", output.toLocal8Bit().constData());
  return kOk;
}

}  // namespace ss::cli
