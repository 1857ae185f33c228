#include "train/sgd.h"

#include <algorithm>

#include "core/threads.h"

namespace ss {

namespace {

// Weights [begin, end). Restrict pointers and every setting a value parameter: otherwise the stores could
// alias them, and GCC ran the loop one scalar at a time (fc2 of the MLP at density 0.1, 3000 weights: 3.5 us
// instead of 0.3).
template <bool kNesterov>
void updateRange(float* __restrict w, const float* __restrict g, float* __restrict m, ptrdiff_t begin, ptrdiff_t end,
                 float lr, float wd, float mu) {
  // Each cache line of weights asked for writing 32 lines ahead: with the batch split between threads both
  // cores read every weight in the forward, and each store here must first take the line from the other core's
  // cache; announced early, many such transfers overlap (the MLP's update at density 0.1 within its step, cores
  // far apart: 22 -> 15 us).
  constexpr ptrdiff_t kBlock = 16, kAhead = 32 * kBlock;
  for (ptrdiff_t b = begin; b < end; b += kBlock) {
    if (b + kAhead < end) __builtin_prefetch(w + b + kAhead, 1);
    const ptrdiff_t stop = std::min(end, b + kBlock);
    for (ptrdiff_t i = b; i < stop; ++i) {
      const float grad = g[i] + wd * w[i];
      const float next = mu * m[i] + grad;
      m[i] = next;
      w[i] -= lr * (kNesterov ? grad + mu * next : next);
    }
  }
}

}  // namespace

void Sgd::step(const std::vector<ParameterRef>& params, float lr) {
  // One parallel region for the whole update. A large parameter is split as completeTeamSum splits the sum of its
  // gradient's partial sums (core/threads.h), so each core updates the gradients it has just summed; one core alone
  // would pull the other's half through the caches (the MLP's fc1 at density 0.1, 23 k weights: 10 us split,
  // 16 us on one core). The small ones (biases, small layers) go whole to the least loaded thread, instead of one
  // after the other on the calling thread after a fork for each large one: the MLP's update at density 0.05
  // 7.6 -> 6.6 us, at 0.1 9.3 -> 8.3 us.
  updates_.clear();
  int64_t total = 0;
  for (const auto& p : params) {
    std::vector<float>& v = momentum_[p.name];
    if (v.size() != p.values.size()) v.assign(p.values.size(), 0.0f);
    const float wd = p.decay || s_.decayNormAndBias ? s_.weightDecay : 0.0f;
    updates_.push_back({p.values.data(), p.grads.data(), v.data(), ptrdiff_t(p.values.size()), wd, 0});
    total += int64_t(p.values.size());
  }
  const int threads = omp_get_max_threads();
  const bool parallel = threads > 1 && total > kParallelUpdate && !omp_in_parallel();
  std::vector<int64_t> load(size_t(parallel ? threads : 1), 0);
  for (Update& u : updates_) {
    if (parallel && u.n > kParallelUpdate) {
      u.owner = -1;
      continue;
    }
    u.owner = int(std::min_element(load.begin(), load.end()) - load.begin());
    load[size_t(u.owner)] += u.n;
  }
  const auto run = [&](int t, int team) {
    for (const Update& u : updates_) {
      ptrdiff_t begin = 0, end = u.n;
      if (u.owner < 0) {
        begin = u.n * t / team;
        end = u.n * (t + 1) / team;
      } else if (u.owner % team != t) {
        continue;
      }
      if (s_.nesterov)
        updateRange<true>(u.w, u.g, u.m, begin, end, lr, u.wd, s_.momentum);
      else
        updateRange<false>(u.w, u.g, u.m, begin, end, lr, u.wd, s_.momentum);
    }
  };
  if (!parallel) {
    run(0, 1);
    return;
  }
#pragma omp parallel
  run(omp_get_thread_num(), omp_get_num_threads());
}

int64_t Sgd::stateBytes() const {
  int64_t bytes = 0;
  for (const auto& [name, v] : momentum_) bytes += int64_t(v.size() * sizeof(float));
  return bytes;
}

}  // namespace ss
