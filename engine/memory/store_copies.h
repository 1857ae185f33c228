#pragma once

#include <cstdint>

namespace ss {

struct WeightStorage;

// What a checkpoint and a mask snapshot hold on their way to the run store, as describeModelState, encodeCheckpoint,
// logMaskSnapshots and the store's writer lay them out today: change these with them.

// A weight matrix's mask as a checkpoint or a queued snapshot codes it (encodePositions): a few bytes for a dense
// layer, else the smaller of a bit per weight and the gaps between active weights as varints.
int64_t codedMaskBytes(const WeightStorage& s);
// The data order (a row number) and the forgetting statistics of every training example.
int64_t checkpointExampleBytes(int64_t trainExamples);
// One layer's snapshot as it is taken, before it is coded: a position and a magnitude per active weight.
int64_t maskSnapshotTakenBytes(const WeightStorage& s);
// One layer's snapshot as it waits in the store's queue: its coded mask and a byte of magnitude per active weight.
int64_t maskSnapshotQueuedBytes(const WeightStorage& s);

// The most held at once while a checkpoint of `checkpoint` encoded bytes, or mask snapshots, go to the run store.
// The checkpoint is encoded once, in pieces, straight from the model; the writer compresses it into the pieces it has
// consumed and writes them through SQLite's blob I/O, so it is held about once. The snapshots are the queued ones
// plus the largest layer's as it is taken. The run's last snapshots wait until its last checkpoint is written, so
// the two do not add up: the larger counts. The writer's SQLite page cache comes on top.
int64_t storeCopiesBytes(int64_t checkpoint, int64_t snapshots);

}  // namespace ss
