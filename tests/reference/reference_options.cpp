#include "reference_options.h"

#include <stdexcept>

namespace reference {
namespace {

double number(const std::string& option, const std::string& text, double low, double high) {
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || value < low || value > high)
    throw std::invalid_argument(option + ": expected a number in [" + std::to_string(low) + ", " +
                                std::to_string(high) + "], got '" + text + "'");
  return value;
}

int whole(const std::string& option, const std::string& text, int low, int high) {
  const double value = number(option, text, low, high);
  if (value != double(int(value)))
    throw std::invalid_argument(option + ": expected a whole number, got '" + text + "'");
  return int(value);
}

}  // namespace

const char* const referenceUsage =
    "usage: reference_mlp --algorithm dense|static|set|rigl|gmp|mest [--variant vanilla|em|em&s]\n"
    "                     [--sparsity S] [--seed N] [--epochs N] [--remove-fraction F --removal-epoch N]\n"
    "                     [--data DIR] [--train-limit N] [--test-limit N]\n";

ReferenceOptions parseReferenceOptions(int argc, char** argv) {
  ReferenceOptions options;
  RunSettings& run = options.run;
  for (int i = 1; i < argc; ++i) {
    const std::string option = argv[i];
    if (i + 1 >= argc) throw std::invalid_argument(option + ": needs a value");
    const std::string value = argv[++i];
    if (option == "--algorithm")
      run.rule.algorithm = value;
    else if (option == "--variant")
      run.rule.variant = value;
    else if (option == "--sparsity")
      run.sparsity = number(option, value, 0.0, 0.999);
    else if (option == "--seed")
      run.seed = (unsigned long)whole(option, value, 0, 1 << 30);
    else if (option == "--epochs")
      run.epochs = whole(option, value, 1, 10000);
    else if (option == "--remove-fraction")
      run.removeFraction = number(option, value, 0.0, 0.99);
    else if (option == "--removal-epoch")
      run.removalEpoch = whole(option, value, 1, 10000);
    else if (option == "--data")
      options.dataDir = value;
    else if (option == "--train-limit")
      options.trainLimit = whole(option, value, 1, 1 << 30);
    else if (option == "--test-limit")
      options.testLimit = whole(option, value, 1, 1 << 30);
    else
      throw std::invalid_argument(option + ": unknown option");
  }
  if (run.rule.algorithm == "dense" && run.sparsity != 0.0)
    throw std::invalid_argument("--sparsity: the dense algorithm trains every weight; leave it at 0");
  if (run.rule.algorithm != "dense" && run.sparsity == 0.0)
    throw std::invalid_argument("--sparsity: a sparse algorithm needs a target above 0");
  return options;
}

}  // namespace reference
