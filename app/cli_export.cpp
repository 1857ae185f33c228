#include <cstdio>
#include <filesystem>
#include <string>

#include "cli_args.h"
#include "cli_commands.h"
#include "core/error.h"
#include "store/run_csv.h"
#include "store/run_store.h"
#include "train/run_inspection.h"

namespace ss::cli {

const char* const kExportUsage =
    "usage: sparsescope export RUN --csv DIR [--db FILE]\n"
    "\n"
    "Writes the run's records as CSV files into DIR (created if missing): run.csv (settings and summary),\n"
    "epochs.csv, steps.csv, layers.csv (each layer's density at every mask snapshot), mask_events.csv and\n"
    "example_stats.csv (per training example: presentations, forgetting events, first learned, removed).\n"
    "  --csv DIR      where the files go\n"
    "  --db FILE      run store (SQLite), default ./sparsescope.db\n";

int exportCommand(const std::vector<std::string>& argv) {
  const Args args(argv, {"--db", "--csv"}, {});
  if (args.positionals().size() != 1) throw UsageError{"export needs exactly one run id"};
  if (!args.value("--csv")) throw UsageError{"export needs --csv DIR"};
  const int64_t runId = parseRunId(args.positionals()[0]);
  const RunStore store(args.value("--db").value_or(kDefaultDb));
  const RunDetails details = inspectRun(store, runId);
  const std::filesystem::path dir(*args.value("--csv"));
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) throw InputError(dir.string() + ": cannot create the directory: " + error.message());
  std::string written;
  for (const std::string& name : writeRunCsv(store, details, dir)) written += " " + name;
  std::printf("exported run %lld '%s' to %s:%s\n", (long long)runId, details.summary.name.c_str(), dir.string().c_str(),
              written.c_str());
  return kOk;
}

}  // namespace ss::cli
