#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace ss::cli {

// The arguments of one command: positionals and --flags, where a flag either takes a value
// (--db FILE, --db=FILE) or is a switch (--json). A short flag ("-j N") is one only when the command lists it.
// Unknown flags are a usage error.
class Args {
 public:
  Args(const std::vector<std::string>& argv, const std::set<std::string>& valueFlags,
       const std::set<std::string>& switches);

  const std::vector<std::string>& positionals() const { return positionals_; }
  bool has(const std::string& flag) const { return values_.count(flag) > 0; }
  std::optional<std::string> value(const std::string& flag) const;
  // Parses an integer flag within [lo, hi]; throws a usage error naming the flag otherwise.
  std::optional<long long> integer(const std::string& flag, long long lo, long long hi) const;

 private:
  std::vector<std::string> positionals_;
  std::map<std::string, std::string> values_;
};

// A run id as the user typed it ("12"); a usage error unless it is a positive integer.
int64_t parseRunId(const std::string& text);

// Thrown for bad command lines; main prints it with the command's usage and exits with 2.
struct UsageError {
  std::string message;
};

}  // namespace ss::cli
