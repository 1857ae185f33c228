#pragma once

#include <cstdint>
#include <vector>

#include "core/rng.h"
#include "core/tensor.h"
#include "data/dataset.h"
#include "data/image_augmentation.h"

namespace ss {

// Hands out mini-batches of a data set in a per-epoch shuffled order drawn from the run's RNG.
// The set of examples in use can shrink (data efficiency removes examples) between epochs.
class BatchLoader {
 public:
  BatchLoader(const Dataset& set, int batchSize, bool shuffle);

  // Starts an epoch: reshuffles the examples in use with rng (when shuffling).
  void beginEpoch(Rng& rng);
  int64_t batchCount() const;
  // Fills x (rows = batch) and the batch's row numbers in the set; the last batch may be short. With
  // `augmentation` (training batches only), each example is cropped and flipped as that epoch's draws say while
  // its bytes become floats; the set itself never changes.
  void batch(int64_t b, Matrix& x, std::vector<int32_t>& labels, std::vector<int64_t>& rows,
             const EpochAugmentation* augmentation = nullptr) const;

  // Restricts later epochs to these rows of the set (sorted or not); all rows by default.
  void setRowsInUse(std::vector<int64_t> rows);
  int64_t examplesInUse() const { return static_cast<int64_t>(order_.size()); }
  const std::vector<int64_t>& order() const { return order_; }
  void setOrder(std::vector<int64_t> order) { order_ = std::move(order); }

 private:
  const Dataset& set_;
  int batchSize_;
  bool shuffle_;
  std::vector<int64_t> order_;
};

}  // namespace ss
