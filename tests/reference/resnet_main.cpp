// reference_resnet: an independent implementation of docs/algorithms.md's rules on ResNet-20, written
// without SparseScope's engine, to check the engine's ResNet-20 table against (issue "[2/7]").
#include <omp.h>

#include <cstdio>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

#include "reference_options.h"
#include "resnet_gradient_check.h"
#include "resnet_training.h"

namespace {

const char* const resnetUsage =
    "usage: reference_resnet --gradient-check\n"
    "       reference_resnet --algorithm dense|static|set|rigl|gmp|mest [--variant vanilla|em|em&s]\n"
    "                        [--sparsity S] [--seed N] [--epochs N] [--remove-fraction F --removal-epoch N]\n"
    "                        [--data DIR] [--train-limit N] [--test-limit N] [--threads N]\n";

}  // namespace

int main(int argc, char** argv) {
  using namespace reference;
  if (argc == 2 && std::string(argv[1]) == "--gradient-check") return resnetGradientCheck(1) ? 0 : 1;
  // --threads is this executable's own; the rest are reference_mlp's options.
  std::vector<char*> shared{argv[0]};
  int threads = 0;
  ReferenceOptions options;
  TrainTestSets data;
  try {
    for (int i = 1; i < argc; ++i) {
      if (std::string(argv[i]) == "--threads" && i + 1 < argc)
        threads = std::stoi(argv[++i]);
      else
        shared.push_back(argv[i]);
    }
    options = parseReferenceOptions(int(shared.size()), shared.data());
    data = loadStandardisedImages(options.dataDir, options.trainLimit, options.testLimit);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "reference_resnet: %s\n%s", error.what(), resnetUsage);
    return 2;
  }
  if (threads > 0) omp_set_num_threads(threads);
  RunSettings run = options.run;
  run.learningRate = 0.1f;  // the fashion-resnet20 projects' lr
  const std::vector<double> densities = resnetErkDensities(run.sparsity);
  std::printf("erk_densities");
  for (double d : densities) std::printf(" %.6f", d);
  std::printf("\n");
  try {
    double seconds = 0;
    const RunResult result = trainReferenceResnet(run, data, [&](const EpochReport& r) {
      seconds += r.seconds;
      printEpochLine(r);
    });
    printResultLine("\"model\": \"resnet20\", ", run, result, seconds);
  } catch (const std::invalid_argument& error) {
    std::fprintf(stderr, "reference_resnet: %s\n%s", error.what(), resnetUsage);
    return 2;
  }
  return 0;
}
