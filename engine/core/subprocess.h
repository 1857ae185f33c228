#pragma once

#include <string>
#include <vector>

namespace ss {

struct ProcessOutput {
  int exitCode = 0;  // 128 + the signal when a signal ended it
  std::string out, err;
};

// Runs a program found on PATH with stdin from /dev/null and waits for it, collecting what it prints: for the
// cluster tools (sbatch, squeue) whose answers the sweep commands read. Throws InputError naming the program
// when it cannot be started, since that means it is not installed here.
ProcessOutput runProcess(const std::vector<std::string>& argv);

}  // namespace ss
