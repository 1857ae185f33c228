#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ss {

struct MergeReport {
  std::vector<std::string> sources;  // the store files read, folders expanded
  int64_t runsAdded = 0;             // runs the target did not hold
  int64_t runsUpdated = 0;           // runs the target held at an earlier point, replaced by the copy further along
  int64_t runsUnchanged = 0;         // runs the target already held as far along
};

// Copies every run of the source stores into `into` (created if missing) with all its records: metrics, mask
// changes and snapshots, example statistics and checkpoints. A source that is a folder stands for every *.db
// store under it. Runs are matched by their UUID, so merging again adds nothing. When two copies of one run
// differ, the one further along wins: a finished copy over an unfinished one, else the one with more epochs,
// then more steps, then more checkpoints logged (a copy taken while the run was going, merged again after it
// ended). Two equally far copies with different results, or copies recorded from different projects, are a
// conflict: InputError naming the run and both files, before anything is written. A store of a newer schema
// is refused (InputError). Each source is merged in one transaction.
MergeReport mergeStores(const std::vector<std::string>& sources, const std::string& into);

}  // namespace ss
