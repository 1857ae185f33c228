#include "core/threads.h"

#include <omp.h>

#include <Eigen/Core>

namespace ss {

int setThreadCount(int requested) {
  const int n = requested > 0 ? requested : omp_get_num_procs();
  omp_set_num_threads(n);
  omp_set_dynamic(0);  // every parallel region gets all n: the model's split batch relies on the same team twice
  Eigen::setNbThreads(n);
  return n;
}

int threadCount() {
  return omp_get_max_threads();
}

}  // namespace ss
