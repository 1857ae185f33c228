#include <cstdio>

#include "cli_args.h"
#include "cli_commands.h"
#include "store/run_store.h"

namespace ss::cli {

const char* const kRunsUsage =
    "usage: sparsescope runs [--db FILE]\n"
    "\n"
    "Lists the runs in the store with their status and final test accuracy.\n"
    "  --db FILE      run store (SQLite), default ./sparsescope.db\n";

int runsCommand(const std::vector<std::string>& argv) {
  const Args args(argv, {"--db"}, {});
  if (!args.positionals().empty()) throw UsageError{"runs takes no positional arguments"};
  const RunStore store(args.value("--db").value_or(kDefaultDb));
  const auto runs = store.listRuns();
  if (runs.empty()) {
    std::printf("no runs in %s\n", store.path().c_str());
    return kOk;
  }
  std::printf("%5s  %-32s  %-11s  %6s  %9s  %-20s\n", "id", "name", "status", "epochs", "test acc", "started (UTC)");
  for (const auto& r : runs) {
    char accuracy[16] = "-";
    if (r.finalTestAccuracy) std::snprintf(accuracy, sizeof accuracy, "%.2f%%", 100.0 * *r.finalTestAccuracy);
    std::printf("%5lld  %-32.32s  %-11s  %6d  %9s  %-20.19s\n", (long long)r.id, r.name.c_str(), r.status.c_str(),
                r.epochsLogged, accuracy, r.startedAt.c_str());
  }
  return kOk;
}

}  // namespace ss::cli
