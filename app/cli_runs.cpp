#include <cstdio>

#include "cli_args.h"
#include "cli_commands.h"
#include "store/run_store.h"

namespace ss::cli {

const char* const kRunsUsage =
    "usage: sparsescope runs [--db FILE] [--status S] [--name TEXT] [--algorithm A]\n"
    "\n"
    "Lists the runs in the store with their settings, status and final test accuracy.\n"
    "  --db FILE        run store (SQLite), default ./sparsescope.db\n"
    "  --status S       only runs with this status: running, finished, failed, cancelled, interrupted\n"
    "  --name TEXT      only runs whose name contains TEXT (any case)\n"
    "  --algorithm A    only runs of this algorithm: dense, static, set, rigl, gmp, mest\n";

int runsCommand(const std::vector<std::string>& argv) {
  const Args args(argv, {"--db", "--status", "--name", "--algorithm"}, {});
  if (!args.positionals().empty()) throw UsageError{"runs takes no positional arguments"};
  RunFilter filter;
  if (auto status = args.value("--status")) {
    try {
      filter.status = toString(runStatusFromString(*status));
    } catch (const std::exception& e) {
      throw UsageError{std::string("--status: ") + e.what()};
    }
  }
  filter.nameContains = args.value("--name").value_or("");
  filter.algorithm = args.value("--algorithm").value_or("");
  const RunStore store(args.value("--db").value_or(kDefaultDb));
  const auto runs = store.listRuns(filter);
  if (runs.empty()) {
    std::printf("no %sruns in %s\n", argv.empty() ? "" : "matching ", store.path().c_str());
    return kOk;
  }
  std::printf("%5s  %-30s  %-6s  %-12s  %6s  %-11s  %6s  %9s  %8s  %-20s\n", "id", "name", "algo", "scheme", "sparse",
              "status", "epochs", "test acc", "time", "started (UTC)");
  for (const auto& r : runs) {
    char accuracy[16] = "-", sparsity[16], epochs[16], seconds[16];
    if (r.finalTestAccuracy) std::snprintf(accuracy, sizeof accuracy, "%.2f%%", 100.0 * *r.finalTestAccuracy);
    std::snprintf(sparsity, sizeof sparsity, "%.0f%%", 100.0 * r.target);
    std::snprintf(epochs, sizeof epochs, "%d/%d", r.epochsLogged, r.epochs);
    std::snprintf(seconds, sizeof seconds, "%.1fs", r.elapsedSeconds);
    std::printf("%5lld  %-30.30s  %-6.6s  %-12.12s  %6s  %-11s  %6s  %9s  %8s  %-20.19s\n", (long long)r.id,
                r.name.c_str(), r.algorithm.c_str(), r.scheme.c_str(), sparsity, r.status.c_str(), epochs, accuracy,
                seconds, r.startedAt.c_str());
  }
  return kOk;
}

}  // namespace ss::cli
