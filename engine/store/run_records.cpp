#include "store/run_records.h"

#include "core/error.h"

namespace ss {

const char* toString(RunStatus s) {
  switch (s) {
    case RunStatus::Running:
      return "running";
    case RunStatus::Finished:
      return "finished";
    case RunStatus::Failed:
      return "failed";
    case RunStatus::Cancelled:
      return "cancelled";
    case RunStatus::Interrupted:
      return "interrupted";
  }
  return "unknown";
}

RunStatus runStatusFromString(const std::string& s) {
  for (RunStatus status :
       {RunStatus::Running, RunStatus::Finished, RunStatus::Failed, RunStatus::Cancelled, RunStatus::Interrupted}) {
    if (s == toString(status)) return status;
  }
  throw InputError("unknown run status '" + s + "' (expected running, finished, failed, cancelled or interrupted)");
}

}  // namespace ss
