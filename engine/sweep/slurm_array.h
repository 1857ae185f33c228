#pragma once

#include <string>
#include <vector>

namespace ss {

// A job array's index list as sbatch's --array takes it: ranges, commas and a "%K" limit on the tasks that run at
// once ("0-5%2", "1,3-4"). Indices are sorted and unique; maxParallel 0 means no limit.
struct SlurmArray {
  std::vector<int> tasks;
  int maxParallel = 0;
};

std::string formatSlurmArray(const SlurmArray& array);
// Throws InputError naming the text when it is not an array spec formatSlurmArray writes.
SlurmArray parseSlurmArray(const std::string& text);

}  // namespace ss
