#pragma once

#include <cmath>

namespace ss {

// Drop-and-grow algorithms mutate at the start of an epoch (1-based), after epoch - 1 epochs of training,
// so epoch 1 never mutates (nothing has been trained yet). Mutation stops once stopFraction of training is
// done, as RigL's t < T_end: the last mutating epoch is the last one that starts before that point.
inline int lastMutationEpoch(int epochs, double stopFraction) {
  return int(std::ceil(stopFraction * epochs - 1e-9));
}

inline bool isMutationEpoch(int epoch, int everyEpochs, int lastEpoch) {
  return epoch >= 2 && epoch <= lastEpoch && (epoch - 1) % everyEpochs == 0;
}

}  // namespace ss
