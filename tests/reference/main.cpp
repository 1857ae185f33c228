// reference_mlp: an independent implementation of docs/algorithms.md's rules on LeNet-300-100, written
// without SparseScope's engine, to check the engine's MLP table against (issue 13).
#include <cstdio>
#include <exception>
#include <stdexcept>

#include "mlp_training.h"
#include "reference_options.h"

int main(int argc, char** argv) {
  using namespace reference;
  ReferenceOptions options;
  TrainTestSets data;
  try {
    options = parseReferenceOptions(argc, argv);
    data = loadStandardisedImages(options.dataDir, options.trainLimit, options.testLimit);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "reference_mlp: %s\n%s", error.what(), referenceUsage);
    return 2;
  }
  const RunSettings& run = options.run;
  const std::vector<double> densities = mlpErkDensities(run.sparsity);
  std::printf("erk_densities %.6f %.6f %.6f\n", densities[0], densities[1], densities[2]);
  try {
    double seconds = 0;
    const RunResult result = trainReferenceMlp(run, data, [&](const EpochReport& r) {
      seconds += r.seconds;
      printEpochLine(r);
    });
    printResultLine("", run, result, seconds);
  } catch (const std::invalid_argument& error) {
    std::fprintf(stderr, "reference_mlp: %s\n%s", error.what(), referenceUsage);
    return 2;
  }
  return 0;
}
