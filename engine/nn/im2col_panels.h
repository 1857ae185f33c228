#pragma once

#include <cstdint>
#include <memory>
#include <thread>

#include "core/tensor.h"

namespace ss {

// The im2col panel of a batch (patch entries x batch*positions) and the product panel (filters x batch*positions),
// shared by the convolutions that run on one thread. A network's convs run one after another, so one pair of
// panels, as large as the largest conv's, serves them all: each conv keeping its own from forward to backward held
// 712 MB of ResNet-20's 1.1 GB peak at batch 128. The price: backward finds its forward's patches still in the
// panel only for the conv that ran last, and the others im2col again (a pass over their input, beside the product's
// many).
struct Im2colPanels {
  Matrix cols, out;
  // Whose forward the patches in `cols` are: the conv and its forward's stamp, so that a conv whose patches were
  // overwritten (or reused by backward) makes them again.
  const void* owner = nullptr;
  uint64_t stamp = 0;
  std::thread::id thread;

  bool holdsPatchesOf(const void* conv, uint64_t forwardStamp) const { return owner == conv && stamp == forwardStamp; }
  uint64_t claimPatches(const void* conv) {
    owner = conv;
    return stamp = nextStamp++;
  }
  void forgetPatches() { owner = nullptr; }

 private:
  uint64_t nextStamp = 1;
};

// The calling thread's panels, shared with every conv that asked on this thread while any of them holds them:
// freed with the last conv that uses them, so a finished run's model takes its panels with it.
std::shared_ptr<Im2colPanels> im2colPanelsOfThisThread();

}  // namespace ss
