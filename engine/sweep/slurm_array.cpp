#include "sweep/slurm_array.h"

#include <algorithm>
#include <cstdlib>

#include "core/error.h"

namespace ss {

std::string formatSlurmArray(const SlurmArray& array) {
  std::vector<int> tasks = array.tasks;
  std::sort(tasks.begin(), tasks.end());
  tasks.erase(std::unique(tasks.begin(), tasks.end()), tasks.end());
  std::string text;
  for (size_t i = 0; i < tasks.size();) {
    size_t last = i;
    while (last + 1 < tasks.size() && tasks[last + 1] == tasks[last] + 1) ++last;
    if (!text.empty()) text += ',';
    text += std::to_string(tasks[i]);
    if (last > i) text += '-' + std::to_string(tasks[last]);
    i = last + 1;
  }
  if (array.maxParallel > 0) text += '%' + std::to_string(array.maxParallel);
  return text;
}

namespace {

int parseIndex(const std::string& text, const std::string& whole) {
  char* end = nullptr;
  const long value = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || value < 0 || value > 1000000)
    throw InputError("'" + whole + "' is not a job array index list (such as 0-5%2)");
  return int(value);
}

}  // namespace

SlurmArray parseSlurmArray(const std::string& text) {
  SlurmArray array;
  std::string list = text;
  if (const size_t percent = text.find('%'); percent != std::string::npos) {
    array.maxParallel = parseIndex(text.substr(percent + 1), text);
    list = text.substr(0, percent);
  }
  size_t start = 0;
  while (start <= list.size()) {
    const size_t comma = std::min(list.find(',', start), list.size());
    const std::string item = list.substr(start, comma - start);
    const size_t dash = item.find('-');
    const int first = parseIndex(item.substr(0, dash), text);
    const int last = dash == std::string::npos ? first : parseIndex(item.substr(dash + 1), text);
    if (last < first) throw InputError("'" + text + "' is not a job array index list (a range runs backwards)");
    for (int i = first; i <= last; ++i) array.tasks.push_back(i);
    start = comma + 1;
  }
  std::sort(array.tasks.begin(), array.tasks.end());
  array.tasks.erase(std::unique(array.tasks.begin(), array.tasks.end()), array.tasks.end());
  return array;
}

}  // namespace ss
