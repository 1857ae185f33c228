#pragma once

namespace ss {

// Sets the OpenMP thread count for the whole engine; 0 means all hardware threads.
// Returns the count in effect, which is part of a run's reproducibility key.
int setThreadCount(int requested);
int threadCount();

}  // namespace ss
