#pragma once

#include <string>

#include "training_loop.h"

namespace reference {

struct ReferenceOptions {
  RunSettings run;
  std::string dataDir = "/usr/share/datasets/fashion-mnist";
  int trainLimit = 0;  // 0: every training image
  int testLimit = 0;   // 0: every test image (fewer only for quick checks: accuracies are then noisier)
};

extern const char* const referenceUsage;

// Throws std::invalid_argument naming the option and the problem.
ReferenceOptions parseReferenceOptions(int argc, char** argv);

}  // namespace reference
