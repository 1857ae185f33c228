#include "data/batch_loader.h"

#include <algorithm>
#include <numeric>
#include <span>
#include <stdexcept>
#include <string>

#include "core/error.h"
#include "core/threads.h"

namespace ss {

BatchLoader::BatchLoader(const Dataset& set, int batchSize, bool shuffle)
    : set_(set), batchSize_(batchSize), shuffle_(shuffle), order_(static_cast<size_t>(set.size())) {
  if (batchSize < 1) throw InputError("batch size must be at least 1, got " + std::to_string(batchSize));
  std::iota(order_.begin(), order_.end(), int64_t(0));
}

void BatchLoader::beginEpoch(Rng& rng) {
  if (!shuffle_) return;
  // Sorting first makes an epoch's order depend only on the rng and the rows in use, not on the
  // orders of earlier epochs.
  std::sort(order_.begin(), order_.end());
  rng.shuffle(order_);
}

int64_t BatchLoader::batchCount() const {
  return (examplesInUse() + batchSize_ - 1) / batchSize_;
}

void BatchLoader::batch(int64_t b, Matrix& x, std::vector<int32_t>& labels, std::vector<int64_t>& rows,
                        const EpochAugmentation* augmentation) const {
  if (b < 0 || b >= batchCount()) {
    throw std::out_of_range("BatchLoader::batch: batch " + std::to_string(b) + " of " + std::to_string(batchCount()));
  }
  const int64_t first = b * batchSize_;
  const int64_t n = std::min<int64_t>(batchSize_, examplesInUse() - first);
  x.resize(n, set_.features.cols());
  labels.resize(static_cast<size_t>(n));
  rows.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const int64_t row = order_[static_cast<size_t>(first + i)];
    labels[static_cast<size_t>(i)] = set_.labels[static_cast<size_t>(row)];
    rows[static_cast<size_t>(i)] = row;
  }
  // Checked here, not in the threads below: an exception cannot leave an OpenMP team.
  if (augmentation && !set_.features.holdsBytes())
    throw std::invalid_argument("BatchLoader::batch: augmentation needs a set of image bytes, " + set_.name +
                                " holds floats");
  if (augmentation && set_.features.channels() != set_.shape.channels)
    throw std::invalid_argument("BatchLoader::batch: " + set_.name + " holds " +
                                std::to_string(set_.features.channels()) + " channels of pixels for images of " +
                                std::to_string(set_.shape.channels));
  // Each thread copies the examples the model will give it: with the batch split between threads, an example
  // copied by one core and read by the other crossed between them (784 floats each for Fashion-MNIST).
  splitBatchAcrossThreads(n, [&](int64_t begin, int64_t end) {
    if (!augmentation) {
      set_.features.copyRows(std::span<const int64_t>(rows).subspan(size_t(begin), size_t(end - begin)),
                             x.middleRows(begin, end - begin));
      return;
    }
    for (int64_t i = begin; i < end; ++i) {
      const int64_t row = rows[size_t(i)];
      copyTransformedImage(set_.features.byteRow(row), set_.features.byteValues(), set_.shape, augmentation->draw(row),
                           x.row(Eigen::Index(i)).data());
    }
  });
}

void BatchLoader::setRowsInUse(std::vector<int64_t> rows) {
  std::sort(rows.begin(), rows.end());
  if (!rows.empty() && (rows.front() < 0 || rows.back() >= set_.size())) {
    throw std::out_of_range("BatchLoader::setRowsInUse: rows must lie in 0.." + std::to_string(set_.size() - 1));
  }
  if (std::adjacent_find(rows.begin(), rows.end()) != rows.end()) {
    throw std::invalid_argument("BatchLoader::setRowsInUse: a row is listed twice");
  }
  order_ = std::move(rows);
}

}  // namespace ss
