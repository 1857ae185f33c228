#pragma once

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <utility>
#include <vector>

namespace ss {

// Sets the OpenMP thread count for the whole engine; 0 means all hardware threads.
// Returns the count in effect, which is part of a run's reproducibility key.
int setThreadCount(int requested);
int threadCount();

// body(begin, end) over [0, count): in contiguous equal shares, one per thread of the engine's team, as
// `omp for schedule(static)` splits, when `parallel`; otherwise on the calling thread without entering OpenMP.
// A parallel region whose `if` clause is false still builds a team of one, and that cost 1.5 us a call on
// the 2-core test machine: the small layers of a model paid it at every product, the SGD at every bias.
// Called from inside a parallel region (a thread working on its share of the batch), it runs on that thread.
template <typename Body>
void splitAcrossThreads(int64_t count, bool parallel, Body&& body) {
  if (!parallel || omp_get_max_threads() == 1 || count < 2 || omp_in_parallel()) {
    body(int64_t(0), count);
    return;
  }
#pragma omp parallel
  {
    const int64_t threads = omp_get_num_threads(), t = omp_get_thread_num();
    body(count * t / threads, count * (t + 1) / threads);
  }
}

// The first exception thrown on any thread of a parallel region, kept to be rethrown after it: an exception may
// not leave an OpenMP region (the program would end).
class FirstTeamError {
 public:
  template <typename F>
  void run(F&& f) {
    try {
      f();
    } catch (...) {
#pragma omp critical(ss_team_error)
      if (!error_) error_ = std::current_exception();
      failed_ = true;
    }
  }
  // Atomic: read after a barrier while another thread may be setting it.
  bool failed() const {
    return failed_;
  }
  void rethrow() const {
    if (error_) std::rethrow_exception(error_);
  }

 private:
  std::exception_ptr error_;
  std::atomic<bool> failed_{false};
};

// work() on every thread of a parallel region of `threads` threads, then, once all have finished it (a
// barrier), afterAll() on every thread. The first exception any thread throws is rethrown after the region,
// and afterAll is skipped when there was one; every thread still reaches the barrier, so a thread that throws
// does not leave the others waiting there.
template <typename Work, typename AfterAll>
void runOnTeam(int threads, Work&& work, AfterAll&& afterAll) {
  FirstTeamError error;
#pragma omp parallel num_threads(threads)
  {
    error.run(work);
#pragma omp barrier
    if (!error.failed()) error.run(afterAll);
  }
  error.rethrow();
}

// The same without a second part, and so without the barrier.
template <typename Work>
void runOnTeam(int threads, Work&& work) {
  FirstTeamError error;
#pragma omp parallel num_threads(threads)
  error.run(work);
  error.rethrow();
}

// Thread t of n's share of [0, count) in whole cache lines of floats (16), as equal as that allows: how the
// model splits a batch between threads, and how a wide panel's columns are split, so that in a 64-byte aligned
// matrix whose rows are whole lines (Eigen aligns to 64 with AVX-512) no two threads write to one line.
constexpr int64_t kFloatsPerLine = 16;

inline std::pair<int64_t, int64_t> lineShare(int64_t count, int t, int threads) {
  const int64_t lines = (count + kFloatsPerLine - 1) / kFloatsPerLine;
  return {std::min(count, lines * t / threads * kFloatsPerLine),
          std::min(count, lines * (t + 1) / threads * kFloatsPerLine)};
}

// An update over fewer values than this (the optimizer's, the sum of a gradient's partial sums) stays on one
// thread: the MLP's fc2 at density 0.1 (3000 weights) updates in 0.3 us, a tenth of a fork and join.
constexpr int64_t kParallelUpdate = 8192;

// An element-wise layer (ReLU, dropout) splits its matrix between the threads from this size: a conv's activations
// (128 x 25088 for the Fashion convnet's first) took 0.7 ms forward and 1.3 ms backward through a ReLU on one.
constexpr int64_t kParallelElements = int64_t(1) << 18;

// The model splits a batch between threads when each gets at least this many examples: below, the shares'
// kernels run on too few vectors for the split to pay (each share is at least two cache lines of floats wide).
constexpr int64_t kMinExamplesPerThread = 32;

inline bool batchIsSplit(int64_t batch, int threads) {
  return threads > 1 && batch >= kMinExamplesPerThread * threads;
}

// body(begin, end) over the calling thread's share of a batch's rows, the share the model gives it when it
// splits the batch, so that each thread writes the examples it will read first (the batch loader's copy); on
// the calling thread alone when the model would not split the batch.
template <typename Body>
void splitBatchAcrossThreads(int64_t batch, Body&& body) {
  const int threads = omp_get_max_threads();
  if (!batchIsSplit(batch, threads) || omp_in_parallel()) {
    body(int64_t(0), batch);
    return;
  }
#pragma omp parallel
  {
    const auto [begin, end] = lineShare(batch, omp_get_thread_num(), omp_get_num_threads());
    if (begin < end) body(begin, end);
  }
}

// Partial sums of one quantity (a layer's weight or bias gradient) from the threads of a team, kept by the
// quantity's owner between calls: buffer t > 0 belongs to thread t, which sizes it and so places it near itself.
struct TeamPartials {
  std::vector<std::vector<float>> perThread;  // not "slots": a Qt keyword
  float* target = nullptr;                    // where the sum goes, and its length
  int64_t count = 0;
};

// A sum over the threads of a parallel region whose threads each hold a share of the batch (the model's split
// stretches, nn/model.h), in two calls by every thread: computeTeamShare gives compute(out) the place for this
// thread's part of target[0, n) (target itself for thread 0, a buffer of the thread's own for the others), and
// after a barrier completeTeamSum adds the parts up. Waiting once for all the sums of a stretch's backward, not
// at each, matters: a barrier costs 2-3 us when the cores are far apart on the 2-core test machine.
// Outside a parallel region computeTeamShare is compute(target), and says so by returning true.
template <typename Compute>
bool computeTeamShare(float* target, int64_t n, TeamPartials& partials, Compute&& compute) {
  if (!omp_in_parallel() || omp_get_num_threads() == 1) {
    compute(target);
    return true;
  }
  const int t = omp_get_thread_num(), threads = omp_get_num_threads();
  if (t == 0) {
    partials.target = target;
    partials.count = n;
    compute(target);
    return false;
  }
  float* mine = nullptr;
#pragma omp critical(ss_team_partials)
  {
    if (partials.perThread.size() < size_t(threads)) partials.perThread.resize(size_t(threads));
    std::vector<float>& own = partials.perThread[size_t(t)];
    if (own.size() < size_t(n)) own.resize(size_t(n));
    mine = own.data();
  }
  compute(mine);
  return false;
}

// Each thread adds up its share of the entries, split as the optimizer splits its update (thread 0 alone below
// kParallelUpdate), so that a gradient stays in the cache of the thread that updates it; then finish(begin, end)
// on that share (masking a dense gradient, for one).
template <typename Finish>
void completeTeamSum(TeamPartials& partials, Finish&& finish) {
  const int t = omp_get_thread_num(), threads = omp_get_num_threads();
  const int64_t n = partials.count;
  const bool split = n > kParallelUpdate;
  if (!split && t > 0) return;
  const int64_t begin = split ? n * t / threads : 0, end = split ? n * (t + 1) / threads : n;
  for (int u = 1; u < threads; ++u) {
    const float* other = partials.perThread[size_t(u)].data();
#pragma omp simd
    for (int64_t e = begin; e < end; ++e) partials.target[e] += other[e];
  }
  finish(begin, end);
}

inline void completeTeamSum(TeamPartials& partials) {
  completeTeamSum(partials, [](int64_t, int64_t) {});
}

}  // namespace ss
