#include "store/named_run.h"

namespace ss {

NamedRun findNamedRun(const StoreReader& store, const std::string& name) {
  NamedRun found;
  RunFilter filter;
  filter.nameContains = name;
  for (RunSummary& run : store.listRuns(filter)) {
    if (run.name != name) continue;  // the filter matches parts of names, case-insensitively
    const bool finished = run.status == "finished";
    if (found.state == NamedRunState::Finished && !finished) continue;
    found.state = finished ? NamedRunState::Finished : NamedRunState::Absent;
    found.run = std::move(run);  // listRuns orders by id: the newest comes last
  }
  if (!found.run || found.state == NamedRunState::Finished) return found;
  if (found.run->status == "running")
    found.state = NamedRunState::Running;
  else
    found.state = store.checkpointBytes(found.run->id) > 0 ? NamedRunState::Resumable : NamedRunState::Restartable;
  return found;
}

const char* toString(NamedRunState state) {
  switch (state) {
    case NamedRunState::Absent:
      return "new";
    case NamedRunState::Finished:
      return "finished";
    case NamedRunState::Resumable:
      return "to resume";
    case NamedRunState::Restartable:
      return "to restart";
    case NamedRunState::Running:
      return "running";
  }
  return "unknown";
}

}  // namespace ss
