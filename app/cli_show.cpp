#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "cli_args.h"
#include "cli_commands.h"
#include "memory_table.h"
#include "store/run_store.h"
#include "train/run_inspection.h"

namespace ss::cli {

const char* const kShowUsage =
    "usage: sparsescope show RUN [--db FILE] [--json]\n"
    "\n"
    "Prints one run: its settings, status, final and best accuracy, the memory model's lines (with the dense\n"
    "twin's beside a sparse run's) and the measured peak resident set above the process's base, mask changes,\n"
    "newest checkpoint with a digest of its weights (equal digests: equal weights), and each layer's density\n"
    "from its newest mask.\n"
    "  --db FILE      run store (SQLite), default ./sparsescope.db\n"
    "  --json         one JSON object instead of text\n";

namespace {

std::string hex(uint64_t v) {
  char text[24];
  std::snprintf(text, sizeof text, "%016llx", (unsigned long long)v);
  return text;
}

// What the process measured: at the run's end (of its newest part), or, for a run still going or from an older
// engine, at its last epoch's end.
std::optional<MeasuredMemory> measuredMemoryOf(const RunDetails& d) {
  if (d.summary.measuredMemory) return d.summary.measuredMemory;
  if (d.lastEpoch && d.lastEpoch->peakRssBytes > 0)
    return MeasuredMemory{d.lastEpoch->baseRssBytes, d.lastEpoch->peakRssBytes};
  return std::nullopt;
}

nlohmann::json toJson(const RunDetails& d) {
  const RunSummary& s = d.summary;
  nlohmann::json j = {{"id", s.id},
                      {"name", s.name},
                      {"status", s.status},
                      {"message", s.message},
                      {"algorithm", s.algorithm},
                      {"scheme", s.scheme},
                      {"target", s.target},
                      {"seed", s.seed},
                      {"threads", s.threads},
                      {"host", s.host},
                      {"engine_version", s.engineVersion},
                      {"started_at", s.startedAt},
                      {"ended_at", s.endedAt},
                      {"epochs", s.epochs},
                      {"epochs_logged", s.epochsLogged},
                      {"elapsed_seconds", s.elapsedSeconds},
                      {"mask_changes", d.maskChanges},
                      {"weights_dropped", d.weightsDropped},
                      {"weights_grown", d.weightsGrown},
                      {"examples_removed", d.examplesRemoved}};
  j["final_test_accuracy"] = s.finalTestAccuracy ? nlohmann::json(*s.finalTestAccuracy) : nlohmann::json();
  j["best_test_accuracy"] = d.bestEpoch ? nlohmann::json(d.bestEpoch->testAccuracy) : nlohmann::json();
  j["best_epoch"] = d.bestEpoch ? nlohmann::json(d.bestEpoch->epoch) : nlohmann::json();
  j["rss_bytes"] = d.lastEpoch ? nlohmann::json(d.lastEpoch->rssBytes) : nlohmann::json();
  j["memory_model_bytes"] = d.lastEpoch ? nlohmann::json(d.lastEpoch->memoryBytes) : nlohmann::json();
  j["memory_lines"] = nlohmann::json::array();
  for (const MemoryLineRecord& l : d.memoryLines)
    j["memory_lines"].push_back({{"line", l.line}, {"bytes", l.bytes}, {"dense_bytes", l.denseBytes}});
  const std::optional<MeasuredMemory> measured = measuredMemoryOf(d);
  j["peak_rss_bytes"] = measured ? nlohmann::json(measured->peakBytes) : nlohmann::json();
  j["base_rss_bytes"] = measured ? nlohmann::json(measured->baseBytes) : nlohmann::json();
  if (d.checkpoint)
    j["checkpoint"] = {{"kind", d.checkpoint->kind},
                       {"epoch", d.checkpoint->epoch},
                       {"step", d.checkpoint->step},
                       {"stored_bytes", d.checkpointStoredBytes}};
  else
    j["checkpoint"] = nullptr;
  j["weights_digest"] = d.weightsDigest ? nlohmann::json(hex(*d.weightsDigest)) : nlohmann::json();
  j["layers"] = nlohmann::json::array();
  for (const auto& l : d.layers)
    j["layers"].push_back({{"layer", l.layer},
                           {"rows", l.rows},
                           {"cols", l.cols},
                           {"active", l.active},
                           {"density", l.density()},
                           {"step", l.step}});
  return j;
}

std::string indented(const std::string& text) {
  std::string out;
  size_t start = 0;
  for (size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1)
    out += "  " + text.substr(start, end - start + 1);
  return out;
}

void printMemory(const RunDetails& d) {
  if (!d.memoryLines.empty())
    std::printf("%s", indented(formatMemoryLines(d.memoryLines, d.summary.target > 0)).c_str());
  int64_t modelPeak = 0;
  for (const MemoryLineRecord& l : d.memoryLines) modelPeak += l.bytes;
  if (d.memoryLines.empty() && d.lastEpoch) modelPeak = d.lastEpoch->memoryBytes;  // a run of an older engine
  if (const std::optional<MeasuredMemory> measured = measuredMemoryOf(d))
    std::printf("%s", indented(formatMeasuredMemory(modelPeak, *measured)).c_str());
  else if (d.lastEpoch)
    std::printf("  memory model %.2f MB; measured RSS %.1f MB at the last epoch's end\n", double(modelPeak) / 1e6,
                double(d.lastEpoch->rssBytes) / 1e6);
}

void printText(const RunDetails& d) {
  const RunSummary& s = d.summary;
  std::printf("run %lld '%s': %s%s%s\n", (long long)s.id, s.name.c_str(), s.status.c_str(),
              s.message.empty() ? "" : ": ", s.message.c_str());
  std::printf("  algorithm %s, scheme %s, target sparsity %.1f%%\n", s.algorithm.c_str(), s.scheme.c_str(),
              100.0 * s.target);
  std::printf("  seed %llu, %d threads, host %s, engine %s\n", (unsigned long long)s.seed, s.threads, s.host.c_str(),
              s.engineVersion.c_str());
  std::printf("  started %s, ended %s; %d of %d epochs logged, %.1f s of training\n", s.startedAt.c_str(),
              s.endedAt.empty() ? "-" : s.endedAt.c_str(), s.epochsLogged, s.epochs, s.elapsedSeconds);
  if (d.lastEpoch)
    std::printf("  last epoch %d: test accuracy %.2f%%, test loss %.4f, train accuracy %.2f%%, density %.4f\n",
                d.lastEpoch->epoch, 100.0 * d.lastEpoch->testAccuracy, d.lastEpoch->testLoss,
                100.0 * d.lastEpoch->trainAccuracy, d.lastEpoch->density);
  if (d.bestEpoch)
    std::printf("  best test accuracy %.2f%% at epoch %d\n", 100.0 * d.bestEpoch->testAccuracy, d.bestEpoch->epoch);
  printMemory(d);
  std::printf("  mask changes: %lld (%lld weights dropped, %lld grown); examples removed: %lld\n",
              (long long)d.maskChanges, (long long)d.weightsDropped, (long long)d.weightsGrown,
              (long long)d.examplesRemoved);
  if (d.checkpoint)
    std::printf("  checkpoint: %s at step %lld (epoch %d), %.2f MB stored; weights digest %s\n",
                d.checkpoint->kind.c_str(), (long long)d.checkpoint->step, d.checkpoint->epoch,
                double(d.checkpointStoredBytes) / 1e6, hex(*d.weightsDigest).c_str());
  else
    std::printf("  checkpoint: none\n");
  if (d.layers.empty()) return;
  int width = 10;  // as wide as the longest name: a ResNet's run to stage3.block5.shortcut_bn
  for (const auto& l : d.layers) width = std::max(width, int(l.layer.size()));
  std::printf("  %-*s %12s %10s %9s %8s\n", width, "layer", "shape", "active", "density", "at step");
  for (const auto& l : d.layers) {
    const std::string shape = std::to_string(l.rows) + "x" + std::to_string(l.cols);
    std::printf("  %-*s %12s %10lld %9.4f %8lld\n", width, l.layer.c_str(), shape.c_str(), (long long)l.active,
                l.density(), (long long)l.step);
  }
}

}  // namespace

int showCommand(const std::vector<std::string>& argv) {
  const Args args(argv, {"--db"}, {"--json"});
  if (args.positionals().size() != 1) throw UsageError{"show needs exactly one run id"};
  const RunStore store(args.value("--db").value_or(kDefaultDb));
  const RunDetails details = inspectRun(store, parseRunId(args.positionals()[0]));
  if (args.has("--json"))
    std::printf("%s\n", toJson(details).dump(2).c_str());
  else
    printText(details);
  return kOk;
}

}  // namespace ss::cli
