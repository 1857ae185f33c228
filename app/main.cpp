#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "cli_args.h"
#include "cli_commands.h"
#include "core/error.h"
#include "core/version.h"

#ifdef SPARSESCOPE_HAVE_GUI
// Opens the desktop explorer; with a project path, on that project (how a file manager hands one over).
int launchGui(int argc, char** argv, const std::string& projectPath);
#endif

namespace {

using namespace ss::cli;

struct Command {
  std::function<int(const std::vector<std::string>&)> run;
  const char* usage;
  const char* summary;
};

const std::map<std::string, Command>& commands() {
  static const std::map<std::string, Command> table = {
      {"run", {runCommand, kRunUsage, "train a project headless and record the run"}},
      {"runs", {runsCommand, kRunsUsage, "list the runs in a store"}},
      {"bench", {benchCommand, kBenchUsage, "time sparse against dense training steps per layer and scheme"}},
      {"resume", {resumeCommand, kResumeUsage, "continue an interrupted or cancelled run from its last checkpoint"}},
      {"show", {showCommand, kShowUsage, "print one run: settings, figures, checkpoint, per-layer densities"}},
      {"export", {exportCommand, kExportUsage, "write a run's records as CSV files"}},
      {"delete", {deleteCommand, kDeleteUsage, "delete a run and all its records"}},
      {"compact", {compactCommand, kCompactUsage, "shrink the store file after deletes and check it"}},
#ifdef SPARSESCOPE_HAVE_GUI
      {"report", {reportCommand, kReportUsage, "write an HTML, PDF or Markdown report of runs (no display needed)"}},
#endif
      {"sweep", {sweepCommand, kSweepUsage, "train every run of a sweep file (--local here, --slurm as a job array)"}},
      {"merge", {mergeCommand, kMergeUsage, "merge run stores into one, without duplicating runs"}},
  };
  return table;
}

void printHelp() {
  std::printf("SparseScope %s: explore sparse neural-network training\n\n", ss::kEngineVersion);
  std::printf("usage: sparsescope                 open the desktop explorer (needs a display)\n");
  std::printf("       sparsescope PROJECT.json    open that project in the desktop explorer\n");
  std::printf("       sparsescope COMMAND [ARGS]  work headless\n\ncommands:\n");
  for (const auto& [name, c] : commands()) std::printf("  %-8s %s\n", name.c_str(), c.summary);
  std::printf("\n'sparsescope COMMAND --help' describes a command. --version prints the version.\n");
}

#ifdef SPARSESCOPE_HAVE_GUI
bool haveDisplay() {
  for (const char* v : {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"})
    if (const char* value = std::getenv(v); value && *value) return true;
  return false;
}
#endif

// A lone argument that is not a command but names a project file (or looks like one) is for the GUI.
bool looksLikeProjectPath(const std::string& arg) {
  return arg.ends_with(".json") || std::filesystem::is_regular_file(arg);
}

std::string headlessList() {
  std::string list;
  for (const auto& [name, c] : commands()) list += (list.empty() ? "" : ", ") + name;
  return list;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
#ifdef SPARSESCOPE_HAVE_GUI
    if (haveDisplay()) return launchGui(argc, argv, "");
#endif
    std::fprintf(stderr,
                 "sparsescope: no display for the desktop explorer; headless commands: %s (see sparsescope --help)\n",
                 headlessList().c_str());
    return kBadInput;
  }
  const std::string& first = args[0];
  if (first == "--help" || first == "-h" || first == "help") {
    printHelp();
    return kOk;
  }
  if (first == "--version") {
    std::printf("sparsescope %s\n", ss::kEngineVersion);
    return kOk;
  }
  const auto it = commands().find(first);
  if (it == commands().end() && args.size() == 1 && looksLikeProjectPath(first)) {
    if (!std::filesystem::is_regular_file(first)) {
      std::fprintf(stderr, "sparsescope: %s: no such project file\n", first.c_str());
      return kBadInput;
    }
#ifdef SPARSESCOPE_HAVE_GUI
    if (haveDisplay()) return launchGui(argc, argv, first);
#endif
    std::fprintf(
        stderr, "sparsescope: no display to open %s in the desktop explorer; 'sparsescope run %s' trains it headless\n",
        first.c_str(), first.c_str());
    return kBadInput;
  }
  if (it == commands().end()) {
    std::fprintf(stderr, "sparsescope: unknown command '%s'; commands: %s (see sparsescope --help)\n", first.c_str(),
                 headlessList().c_str());
    return kBadInput;
  }
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  for (const auto& a : rest)
    if (a == "--help" || a == "-h") {
      std::printf("%s", it->second.usage);
      return kOk;
    }
  try {
    return it->second.run(rest);
  } catch (const UsageError& e) {
    std::fprintf(stderr, "sparsescope %s: %s\n\n%s", first.c_str(), e.message.c_str(), it->second.usage);
    return kBadInput;
  } catch (const ss::InputError& e) {
    std::fprintf(stderr, "sparsescope: %s\n", e.what());
    return kBadInput;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sparsescope: %s\n", e.what());
    return kRunFailed;
  }
}
