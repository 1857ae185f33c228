#include "train/run_inspection.h"

#include <map>

#include "train/checkpoint.h"

namespace ss {

RunDetails inspectRun(const StoreReader& store, int64_t runId) {
  RunDetails d;
  d.summary = store.run(runId);
  for (const EpochRecord& e : store.epochs(runId)) {
    d.lastEpoch = e;
    if (!d.bestEpoch || e.testAccuracy > d.bestEpoch->testAccuracy) d.bestEpoch = e;
  }
  for (const MaskChangeEvent& e : store.maskChangeCounts(runId)) {
    ++d.maskChanges;
    d.weightsDropped += e.dropped;
    d.weightsGrown += e.grown;
  }
  d.examplesRemoved = int64_t(store.removedExamples(runId).size());
  d.memoryLines = store.memoryLines(runId);
  if (std::optional<CheckpointRecord> c = store.latestCheckpoint(runId)) {
    d.weightsDigest = weightsDigest(decodeCheckpoint(c->bytes, store.path() + ": checkpoint " + std::to_string(c->id)));
    c->bytes.clear();
    d.checkpoint = std::move(c);
    d.checkpointStoredBytes = store.checkpointBytes(runId);
  }
  std::map<std::string, LayerSnapshotSummary> newest;
  std::vector<std::string> order;
  for (const MaskSnapshotInfo& m : store.maskSnapshotInfos(runId)) {
    if (!newest.count(m.layer)) order.push_back(m.layer);
    newest[m.layer] = {m.layer, m.rows, m.cols, m.active, m.step};
  }
  for (const std::string& layer : order) d.layers.push_back(newest[layer]);
  return d;
}

}  // namespace ss
