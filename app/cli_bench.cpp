#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "bench/logging_benchmark.h"
#include "bench/step_benchmark.h"
#include "cli_args.h"
#include "cli_commands.h"
#include "core/error.h"
#include "project/project.h"

namespace ss::cli {

const char* const kBenchUsage =
    "usage: sparsescope bench [PROJECT.json] [--densities 1,0.5,0.2,0.1,0.05,0.02] [--schemes unstructured,...]\n"
    "                         [--planned] [--repeats N] [--threads N] [--csr-only] [--json]\n"
    "\n"
    "Times forward, backward and a whole training step (with the SGD update) of every weight layer and of\n"
    "the whole model, dense against sparse in the same process, interleaved, medians over repeats; each\n"
    "density is applied to every weight layer. Without a project: MLP 784-300-100-10, batch 128, Fashion-MNIST.\n"
    "Fashion-MNIST, MNIST and CIFAR projects are timed on random input of their shape: no data set is read.\n"
    "  --schemes LIST   unstructured, nm:N:M (e.g. nm:2:4), block:HxW (e.g. block:4x1), channel, pattern\n"
    "  --planned        each density is the whole model's, spread over the layers as the project's run would\n"
    "                   (sparsity.distribution, dense_layers, [conv_]sparse_execution_below)\n"
    "  --repeats N      samples per figure (median reported), default 7\n"
    "  --threads N      override train.threads\n"
    "  --csr-only       no transposed index (CSR, N:M, block layouts): 6 bytes less per active weight,\n"
    "                   dX by scatter\n"
    "  --json           one JSON array of rows: layer, scheme, layout, density, achieved_density, dense_*_ms,\n"
    "                   sparse_*_ms, step_speedup, eigen_sparse_step_ms (Eigen SparseMatrix, unstructured\n"
    "                   linear layers; for 'model' the sum over its layers), memory_ratio\n"
    "  --store-overhead [--epochs N]\n"
    "                   instead: trains the project with and without the run store (alternating, in this\n"
    "                   process) and prints the median epoch time of each and the logging overhead\n";

namespace {

std::vector<double> parseDensities(const std::string& text) {
  std::vector<double> densities;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    size_t used = 0;
    double d = -1;
    try {
      d = std::stod(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != item.size() || !(d > 0 && d <= 1))
      throw UsageError{"--densities: '" + item + "' is not a density in (0, 1]"};
    densities.push_back(d);
  }
  if (densities.empty()) throw UsageError{"--densities: give at least one density"};
  return densities;
}

std::vector<std::string> splitList(const std::string& text) {
  std::vector<std::string> items;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ','))
    if (!item.empty()) items.push_back(item);
  return items;
}

nlohmann::json number(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

int storeOverheadBench(Project project, const Args& args) {
  if (args.positionals().empty()) throw UsageError{"--store-overhead needs a project file"};
  project.train.epochs = int(args.integer("--epochs", 1, 1000).value_or(3));
  const int repeats = int(args.integer("--repeats", 1, 1000).value_or(3));
  const std::string scratch =
      std::filesystem::temp_directory_path() / ("sparsescope-bench-" + std::to_string(getpid()) + ".db");
  const LoggingOverhead o = measureLoggingOverhead(
      project, repeats, scratch, [](const std::string& what) { std::fprintf(stderr, "bench: %s\n", what.c_str()); });
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(scratch + suffix);
  std::printf(
      "epoch time, median of %zu epochs each: %.3f s with the store, %.3f s without; logging overhead %+.2f%%\n",
      o.recordedEpochSeconds.size(), o.medianRecorded, o.medianUnrecorded, 100.0 * o.overhead());
  return kOk;
}

// One block per scheme and density; a layer's columns pair dense with sparse. dX is not timed apart: it is the
// backward pass less the dW pass, shown as "-" where the noise of a busy machine makes that difference negative.
void printTable(const std::vector<BenchRow>& rows, int repeats) {
  int width = 5;
  for (const auto& r : rows) width = std::max(width, int(r.layer.size()));
  std::string block;
  for (const auto& r : rows) {
    const std::string title = r.scheme + " at density " + std::to_string(r.density).substr(0, 5);
    if (title != block) {
      block = title;
      std::printf("\n%s\n%-*s %-10s %8s | %17s | %17s | %17s | %17s | %8s %10s | %7s\n", title.c_str(), width, "layer",
                  "layout", "achieved", "forward d / s", "dX d / s", "dW d / s", "step d / s", "speedup", "eigen step",
                  "memory");
    }
    const auto pair = [](double d, double s) {
      char text[32];
      if (std::isfinite(d) && std::isfinite(s) && d >= 0 && s >= 0)
        std::snprintf(text, sizeof text, "%8.3f %8.3f", d, s);
      else
        std::snprintf(text, sizeof text, "%8s %8s", "-", "-");
      return std::string(text);
    };
    std::printf("%-*s %-10s %8.4f | %s | %s | %s | %s | %7.2fx %10.3f | %6.1f%%\n", width, r.layer.c_str(),
                r.layout.c_str(), r.achievedDensity, pair(r.denseForwardMs, r.sparseForwardMs).c_str(),
                pair(r.denseBackwardMs - r.denseWeightGradMs, r.sparseBackwardMs - r.sparseWeightGradMs).c_str(),
                pair(r.denseWeightGradMs, r.sparseWeightGradMs).c_str(), pair(r.denseStepMs, r.sparseStepMs).c_str(),
                r.stepSpeedup(), r.eigenSparseStepMs, 100.0 * r.memoryRatio);
  }
  std::printf(
      "\ntimes in ms (d = dense, s = sparse), medians of %d interleaved samples; dX = backward - dW;\n"
      "memory = sparse training bytes / dense. A layer's row times it alone on the whole batch; the model row is\n"
      "the training step as it runs (with two or more threads each takes a share of the batch through the sparse\n"
      "layers)\n",
      repeats);
}

}  // namespace

int benchCommand(const std::vector<std::string>& argv) {
  const Args args(argv, {"--densities", "--schemes", "--repeats", "--threads", "--epochs"},
                  {"--json", "--csr-only", "--store-overhead", "--planned"});
  if (args.positionals().size() > 1) throw UsageError{"bench takes at most one project file"};
  Project project = args.positionals().empty() ? parseProject(R"({"format": 1, "name": "bench"})", "default")
                                               : loadProject(args.positionals()[0]);
  BenchSettings settings;
  if (auto d = args.value("--densities")) settings.densities = parseDensities(*d);
  if (auto s = args.value("--schemes")) settings.schemes = splitList(*s);
  if (auto n = args.integer("--repeats", 1, 1000)) settings.repeats = int(*n);
  if (auto n = args.integer("--threads", 0, 1024)) project.train.threads = int(*n);
  settings.transposedIndex = !args.has("--csr-only");
  settings.planned = args.has("--planned");
  if (args.has("--store-overhead")) return storeOverheadBench(project, args);
  const bool json = args.has("--json");

  const auto rows = runStepBenchmark(
      project, settings, [](const std::string& what) { std::fprintf(stderr, "bench: %s\n", what.c_str()); });

  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : rows)
      out.push_back({{"layer", r.layer},
                     {"scheme", r.scheme},
                     {"layout", r.layout},
                     {"density", r.density},
                     {"achieved_density", r.achievedDensity},
                     {"dense_forward_ms", number(r.denseForwardMs)},
                     {"dense_backward_ms", number(r.denseBackwardMs)},
                     {"dense_step_ms", number(r.denseStepMs)},
                     {"sparse_forward_ms", number(r.sparseForwardMs)},
                     {"sparse_backward_ms", number(r.sparseBackwardMs)},
                     {"dense_dw_ms", number(r.denseWeightGradMs)},
                     {"sparse_dw_ms", number(r.sparseWeightGradMs)},
                     {"sparse_step_ms", number(r.sparseStepMs)},
                     {"step_speedup", number(r.stepSpeedup())},
                     {"eigen_sparse_step_ms", number(r.eigenSparseStepMs)},
                     {"memory_ratio", number(r.memoryRatio)}});
    std::printf("%s\n", out.dump(1).c_str());
    return kOk;
  }
  printTable(rows, settings.repeats);
  return kOk;
}

}  // namespace ss::cli
