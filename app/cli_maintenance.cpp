#include <cstdio>

#include "cli_args.h"
#include "cli_commands.h"
#include "store/run_store.h"

namespace ss::cli {

const char* const kDeleteUsage =
    "usage: sparsescope delete RUN [--db FILE]\n"
    "\n"
    "Deletes a run and everything recorded for it (metrics, masks, checkpoints, example statistics).\n"
    "A run still going is refused. The file shrinks only after 'sparsescope compact'.\n"
    "  --db FILE      run store (SQLite), default ./sparsescope.db\n";

const char* const kCompactUsage =
    "usage: sparsescope compact [--db FILE]\n"
    "\n"
    "Folds the write-ahead log into the store and rebuilds it without free pages (after deletes), then\n"
    "checks its integrity. Needs free disk space about the size of the file while it works.\n"
    "  --db FILE      run store (SQLite), default ./sparsescope.db\n";

int deleteCommand(const std::vector<std::string>& argv) {
  const Args args(argv, {"--db"}, {});
  if (args.positionals().size() != 1) throw UsageError{"delete needs exactly one run id"};
  const int64_t runId = parseRunId(args.positionals()[0]);
  RunStore store(args.value("--db").value_or(kDefaultDb));
  const std::string name = store.run(runId).name;
  store.deleteRun(runId);
  std::printf("deleted run %lld '%s' from %s\n", (long long)runId, name.c_str(), store.path().c_str());
  return kOk;
}

int compactCommand(const std::vector<std::string>& argv) {
  const Args args(argv, {"--db"}, {});
  if (!args.positionals().empty()) throw UsageError{"compact takes no positional arguments"};
  RunStore store(args.value("--db").value_or(kDefaultDb));
  const auto [before, after] = store.compact();
  const std::string integrity = store.integrityCheck();
  std::printf("compacted %s: %.2f MB -> %.2f MB; integrity %s\n", store.path().c_str(), double(before) / 1e6,
              double(after) / 1e6, integrity.c_str());
  return integrity == "ok" ? kOk : kRunFailed;
}

}  // namespace ss::cli
