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
int resumeCommand(const std::vector<std::string>& args);
int showCommand(const std::vector<std::string>& args);
int exportCommand(const std::vector<std::string>& args);
int deleteCommand(const std::vector<std::string>& args);
int compactCommand(const std::vector<std::string>& args);
int reportCommand(const std::vector<std::string>& args);  // only in builds with the GUI: it draws with Qt
int sweepCommand(const std::vector<std::string>& args);
int mergeCommand(const std::vector<std::string>& args);

extern const char* const kRunUsage;
extern const char* const kRunsUsage;
extern const char* const kBenchUsage;
extern const char* const kResumeUsage;
extern const char* const kShowUsage;
extern const char* const kExportUsage;
extern const char* const kDeleteUsage;
extern const char* const kCompactUsage;
extern const char* const kReportUsage;
extern const char* const kSweepUsage;
extern const char* const kMergeUsage;

}  // namespace ss::cli
