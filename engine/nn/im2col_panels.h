#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <thread>

#include "core/tensor.h"

namespace ss {

// The im2col panel of a batch (patch entries x batch*positions) and the product panel (filters x batch*positions) of
// one shape, shared by the convolutions of that shape that run on one thread: the channel layout's, and any conv's
// at RigL's dense-gradient steps (dense convs otherwise run in chunks, nn/conv2d.h). A network's convs run one after
// another, so one pair of panels per shape serves them all: each conv keeping its own from forward to backward held
// 712 MB of ResNet-20's 1.1 GB peak at batch 128, where its eight shapes take 156 MB. One pair for all shapes, resized
// from conv to conv, would take less on paper, but every resize frees and allocates tens of MB, and glibc's heap
// then grew past what per-conv panels had taken (the Fashion convnet, dense: 215 MB measured against 202). The price
// of sharing: backward finds its forward's patches still in the panel only for the last conv of each shape, and the
// others im2col again (a pass over their input, beside the product's many).
struct Im2colPanelPair {
  Matrix cols, out;
  // Whose forward the patches in `cols` are: the conv and its forward's stamp, so that a conv whose patches were
  // overwritten (or reused by backward) makes them again.
  const void* owner = nullptr;
  uint64_t stamp = 0;

  bool holdsPatchesOf(const void* conv, uint64_t forwardStamp) const { return owner == conv && stamp == forwardStamp; }
  void forgetPatches() { owner = nullptr; }
};

struct Im2colPanels {
  // Patch entries and filters: the panels' rows. Their columns, batch*positions, change only at an epoch's last,
  // smaller batch and in evaluation, so a pair is resized then rather than kept for each batch size.
  using Shape = std::array<Eigen::Index, 2>;
  std::map<Shape, Im2colPanelPair> pairs;
  std::thread::id thread;

  Im2colPanelPair& of(const Shape& shape) { return pairs[shape]; }
  uint64_t claimPatches(Im2colPanelPair& pair, const void* conv) {
    pair.owner = conv;
    return pair.stamp = nextStamp++;
  }

 private:
  uint64_t nextStamp = 1;
};

// The calling thread's panels, shared with every conv that asked on this thread while any of them holds them:
// freed with the last conv that uses them, so a finished run's model takes its panels with it.
std::shared_ptr<Im2colPanels> im2colPanelsOfThisThread();

}  // namespace ss
