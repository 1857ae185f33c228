#pragma once

#include <string>
#include <vector>

namespace ss::cli {

// Exit codes every command keeps: scripts rely on them.
enum ExitCode { kOk = 0, kRunFailed = 1, kBadInput = 2, kCancelled = 130 };

inline constexpr const char* kDefaultDb = "sparsescope.db";

int runCommand(const std::vector<std::string>& args);
int runsCommand(const std::vector<std::string>& args);
int benchCommand(const std::vector<std::string>& args);

extern const char* const kRunUsage;
extern const char* const kRunsUsage;
extern const char* const kBenchUsage;

}  // namespace ss::cli
