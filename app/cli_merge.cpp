#include <cstdio>

#include "cli_args.h"
#include "cli_commands.h"
#include "store/store_merge.h"

namespace ss::cli {

const char* const kMergeUsage =
    "usage: sparsescope merge DIR|FILE... --into FILE\n"
    "\n"
    "Copies every run of the given stores (a folder: every *.db store under it) into one store, created if\n"
    "missing, with all their records: metrics, masks, example statistics and checkpoints. Runs are matched by\n"
    "their UUID, so merging again adds nothing. Of two copies of one run the one further along wins (finished,\n"
    "else more epochs, steps, checkpoints); two different results of one run are refused before anything is\n"
    "written. A store of a newer schema is refused.\n"
    "  --into FILE    the store to merge into\n"
    "Exit codes: 0 merged, 1 the store could not be written, 2 bad usage, a missing or foreign store, a conflict.\n";

int mergeCommand(const std::vector<std::string>& argv) {
  const Args args(argv, {"--into"}, {});
  if (args.positionals().empty()) throw UsageError{"merge needs at least one store file or folder"};
  const auto into = args.value("--into");
  if (!into || into->empty()) throw UsageError{"merge needs --into FILE, the store to merge into"};
  const MergeReport report = mergeStores(args.positionals(), *into);
  std::printf("merged %zu store%s into %s: %lld runs added, %lld updated, %lld already there\n", report.sources.size(),
              report.sources.size() == 1 ? "" : "s", into->c_str(), (long long)report.runsAdded,
              (long long)report.runsUpdated, (long long)report.runsUnchanged);
  return kOk;
}

}  // namespace ss::cli
