#pragma once

#include <optional>
#include <string>

#include "store/store_reader.h"

namespace ss {

// What a store holds of the run with a given name, for commands that run projects by name and must not
// train one twice: `run --continue` and sweeps.
enum class NamedRunState {
  Absent,       // no run of that name: start it
  Finished,     // done: skip it
  Resumable,    // interrupted, cancelled or failed, with a checkpoint to continue from
  Restartable,  // stopped before its first checkpoint: start it afresh
  Running,      // going in a live process (or one on another host that the store cannot check)
};

struct NamedRun {
  NamedRunState state = NamedRunState::Absent;
  std::optional<RunSummary> run;  // the run the state is about: a finished one if any, else the newest
};

NamedRun findNamedRun(const StoreReader& store, const std::string& name);
const char* toString(NamedRunState state);

}  // namespace ss
