#pragma once

#include <cstdint>

namespace ss {

struct WeightStorage;

// What a checkpoint and a mask snapshot hold, as captureModelState, encodeCheckpoint and logMaskSnapshots lay them
// out today: change these with them.

// A weight matrix's share of a checkpoint beside its values, gradients and momentum: a byte of mask per weight unless
// the layer is dense.
int64_t checkpointMaskBytes(const WeightStorage& s);
// The data order (a row number) and the forgetting statistics of every training example.
int64_t checkpointExampleBytes(int64_t trainExamples);
// One layer's mask snapshot: a byte per weight and the magnitude of every active weight.
int64_t maskSnapshotBytes(const WeightStorage& s);

// The most held at once while a checkpoint of `checkpoint` bytes, or mask snapshots of `snapshots` bytes, go to the run
// store. A checkpoint is there as the state captured, its encoding and the block its growing buffer moved out of, the
// compressed blob, and SQLite's copies of it as it builds the row; whether the writer thread's allocator reuses the
// blocks the trainer freed decides how many of those the resident set holds at once: measured on dense MLPs of 1 M to
// 17 M weights, between four and a half and six and a half times the checkpoint, counted here as five. A
// snapshot is there as the record queued, its compressed blob and SQLite's copy. The run's last snapshots wait until
// its last checkpoint is written, so the two do not add up: the larger counts.
int64_t storeCopiesBytes(int64_t checkpoint, int64_t snapshots);

}  // namespace ss
