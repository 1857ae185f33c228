#pragma once

#include <omp.h>

#include <cstdint>

namespace ss {

// Sets the OpenMP thread count for the whole engine; 0 means all hardware threads.
// Returns the count in effect, which is part of a run's reproducibility key.
int setThreadCount(int requested);
int threadCount();

// body(begin, end) over [0, count): in contiguous equal shares, one per thread of the engine's team, as
// `omp for schedule(static)` splits, when `parallel`; otherwise on the calling thread without entering OpenMP.
// A parallel region whose `if` clause is false still builds a team of one, and that cost 1.5 us a call on
// the 2-core test machine: the small layers of a model paid it at every product, the SGD at every bias.
template <typename Body>
void splitAcrossThreads(int64_t count, bool parallel, Body&& body) {
  if (!parallel || omp_get_max_threads() == 1 || count < 2) {
    body(int64_t(0), count);
    return;
  }
#pragma omp parallel
  {
    const int64_t threads = omp_get_num_threads(), t = omp_get_thread_num();
    body(count * t / threads, count * (t + 1) / threads);
  }
}

}  // namespace ss
