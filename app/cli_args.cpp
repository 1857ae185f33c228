#include "cli_args.h"

namespace ss::cli {

Args::Args(const std::vector<std::string>& argv, const std::set<std::string>& valueFlags,
           const std::set<std::string>& switches) {
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    // Short flags ("-j") are flags only where a command names them.
    const bool isFlag = (a.rfind("--", 0) == 0 && a != "--") || valueFlags.count(a) || switches.count(a);
    if (!isFlag) {
      positionals_.push_back(a);
      continue;
    }
    std::string flag = a, value;
    const size_t eq = a.find('=');
    const bool inlineValue = eq != std::string::npos;
    if (inlineValue) {
      flag = a.substr(0, eq);
      value = a.substr(eq + 1);
    }
    if (switches.count(flag)) {
      if (inlineValue) throw UsageError{flag + " takes no value"};
      values_[flag] = "";
    } else if (valueFlags.count(flag)) {
      if (!inlineValue) {
        if (i + 1 >= argv.size()) throw UsageError{flag + " needs a value"};
        value = argv[++i];
      }
      values_[flag] = value;
    } else {
      throw UsageError{"unknown option " + flag};
    }
  }
}

std::optional<std::string> Args::value(const std::string& flag) const {
  auto it = values_.find(flag);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::optional<long long> Args::integer(const std::string& flag, long long lo, long long hi) const {
  auto v = value(flag);
  if (!v) return std::nullopt;
  size_t used = 0;
  long long n = 0;
  try {
    n = std::stoll(*v, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != v->size() || v->empty()) throw UsageError{flag + ": '" + *v + "' is not an integer"};
  if (n < lo || n > hi)
    throw UsageError{flag + ": " + *v + " is out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]"};
  return n;
}

int64_t parseRunId(const std::string& text) {
  size_t used = 0;
  long long id = 0;
  try {
    id = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (text.empty() || used != text.size() || id < 1)
    throw UsageError{"'" + text + "' is not a run id (a positive integer, as 'sparsescope runs' lists)"};
  return id;
}

}  // namespace ss::cli
