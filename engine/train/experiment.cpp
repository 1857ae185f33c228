#include "train/experiment.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "algorithms/algorithm_factory.h"
#include "core/allocator.h"
#include "core/error.h"
#include "core/machine_memory.h"
#include "core/threads.h"
#include "data/data_source.h"
#include "data/image_augmentation.h"
#include "nn/model_factory.h"
#include "sparse/model_sparsity.h"
#include "sparse/weight_matrix.h"
#include "store/store_recorder.h"
#include "train/lr_schedule.h"
#include "train/memory_bound_watch.h"
#include "train/model_state.h"
#include "train/sgd.h"
#include "train/trainer.h"

namespace ss {

namespace {
// Separate random streams per purpose, so e.g. a different data order never changes the init.
enum StreamPurpose : uint64_t {
  kDataStream = 1,
  kInitStream = 2,
  kOrderStream = 3,
  kMaskStream = 4,
  kAlgorithmStream = 5
};

Sgd makeOptimizer(const OptimizerSpec& o) {
  return Sgd({float(o.momentum), o.nesterov, float(o.weightDecay), o.decayNormAndBias});
}

RunMemoryInputs memoryInputsOf(const Project& project, const DataSplits& data) {
  // Evaluation goes in training-sized batches, so it holds nothing beyond what a training step does.
  return {project.train.batchSize, 0, data.train.size(), data.residentBytes()};
}

std::string megabytes(int64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MB", double(bytes) / 1e6);
  return text;
}
}  // namespace

DataSplits loadProjectData(const Project& project) {
  Rng rng(project.train.seed);
  Rng dataRng = rng.fork(kDataStream);  // the first fork, as in Experiment's constructor
  return loadDataSplits(project.data, dataRng);
}

Experiment::Experiment(Project project)
    : residentSetBase_(beginResidentSetMeasurement()),
      project_(std::move(project)),
      threads_(setThreadCount(project_.train.threads)),
      rng_(project_.train.seed),
      optimizer_(makeOptimizer(project_.train.optimizer)) {
  checkAlgorithmSettings(project_);
  keepLargeAllocationsInHeap();
  Rng dataRng = rng_.fork(kDataStream);  // first, as loadProjectData does
  data_ = loadDataSplits(project_.data, dataRng);
  augmentation_ = resolveAugmentation(project_.augmentation, data_.train);
  stepsPerEpoch_ = (data_.train.size() + project_.train.batchSize - 1) / project_.train.batchSize;
  Rng initRng = rng_.fork(kInitStream);
  // Gradual magnitude pruning starts dense and prunes during training; every other sparse algorithm
  // starts from a random mask at its budget, born sparse.
  const bool sparse = project_.sparsity.target > 0;
  const bool startsDense = project_.algorithm.name == "gmp";
  const RunMemoryInputs memoryInputs = memoryInputsOf(project_, data_);
  if (sparse && !startsDense) {
    Rng maskRng = rng_.fork(kMaskStream);
    model_ = buildSparseModel(project_.model, data_.train.shape, data_.train.classCount, initRng,
                              {project_.sparsity, maskRng}, physicalMemoryBytes(), densities_);
    checkMemoryBound(model_, project_, memoryInputs);
  } else {
    model_ = buildModel(project_.model, data_.train.shape, data_.train.classCount, initRng);
    if (startsDense)
      checkDenseStartFits(memoryInputs);
    else
      checkMemoryBound(model_, project_, memoryInputs);
  }
  if (sparse) {
    if (startsDense) {
      rng_.fork(kMaskStream);  // unused here, but forked as in sparse starts, so the algorithm's stream is the same
      densities_ = planDensities(model_, project_.sparsity);
    }
    Rng algorithmRng = rng_.fork(kAlgorithmStream);
    algorithm_ =
        makeAlgorithmHook(project_, model_, optimizer_, algorithmRng, stepsPerEpoch_, [this](const MaskChangeEvent& e) {
          for (auto* o : observersOfRun_) o->onMaskChange(e);
          if (snapshotAfterChange_) snapshotAfterChange_(e);
        });
  }
  memory_ = estimateTrainingMemory(model_, memoryInputs);
  memory_.algorithmTransient = algorithmTransientBytes(project_, model_);
  denseTwin_ = estimateTrainingMemory(model_, memoryInputs, WeightsHeld::Dense);
  // The bound holds the whole peak: RigL's dense gradient or the soft memory bound's extra weights included.
  if (project_.memoryBoundBytes && !startsDense && memory_.peak() > *project_.memoryBoundBytes)
    throw InputError("memory_bound: the run needs " + megabytes(memory_.peak()) + " at its peak (" +
                     (memory_.algorithmTransient > 0
                          ? megabytes(memory_.algorithmTransient) + " of it for algorithm '" + project_.algorithm.name +
                                "': RigL's dense gradient, or MEST+EM&S's extra weights"
                          : megabytes(memory_.datasetBytes) + " of it for the data set") +
                     "), more than the bound of " + megabytes(*project_.memoryBoundBytes) +
                     "; raise the bound, or lower the soft margin or the batch size");
}

void Experiment::checkDenseStartFits(const RunMemoryInputs& memoryInputs) {
  if (!project_.memoryBoundBytes) return;
  const int64_t dense = estimateTrainingMemory(model_, memoryInputs).peak();
  if (dense > *project_.memoryBoundBytes)
    throw InputError("memory_bound: algorithm 'gmp' trains the dense model before it prunes, which needs " +
                     std::to_string(dense) + " bytes, more than the bound of " +
                     std::to_string(*project_.memoryBoundBytes) +
                     "; sparse-from-scratch algorithms (static, set, "
                     "rigl, mest) stay within a sparse budget");
}

std::vector<MemoryLineRecord> Experiment::memoryLines() const {
  std::vector<MemoryLineRecord> records;
  const std::vector<MemoryLine> lines = memory_.lines(), dense = denseTwin_.lines();
  for (size_t i = 0; i < lines.size(); ++i) records.push_back({lines[i].name, lines[i].bytes, dense[i].bytes});
  return records;
}

void Experiment::logMaskSnapshots(RunStore& store, int64_t runId, int epoch, int64_t step,
                                  const std::string& onlyLayer) {
  for (const auto& layer : model_.layers()) {
    WeightMatrix* w = layer->weightMatrix();
    if (!w || (!onlyLayer.empty() && layer->name() != onlyLayer)) continue;
    MaskSnapshotRecord m;
    m.layer = layer->name();
    m.epoch = epoch;
    m.step = step;
    m.rows = w->rows();
    m.cols = w->cols();
    m.positions = w->activePositions();
    m.active = w->activeCount();
    m.magnitudes = w->activeValues();
    for (float& v : m.magnitudes) v = std::abs(v);
    store.logMaskSnapshot(runId, m);
  }
}

RunOutcome Experiment::run(RunStore& store, RunControl& control, const std::vector<TrainingObserver*>& observers) {
  const TrainSpec& t = project_.train;
  const int64_t runId = store.beginRun(project_.name, projectToJson(project_), t.seed, threads_);
  logMaskSnapshots(store, runId, 0, 0);
  return train(&store, runId, control, observers, nullptr);
}

RunOutcome Experiment::runUnrecorded(RunControl& control, const std::vector<TrainingObserver*>& observers) {
  return train(nullptr, 0, control, observers, nullptr);
}

RunOutcome Experiment::resume(RunStore& store, int64_t runId, RunControl& control,
                              const std::vector<TrainingObserver*>& observers) {
  // The stored bytes go as soon as they are decoded, and the decoded weights as soon as the model holds them: the
  // resumed run keeps only the data order, statistics and random streams, not a second copy of the model.
  Checkpoint checkpoint = [&] {
    const std::optional<CheckpointRecord> stored = store.latestCheckpoint(runId);
    if (!stored)
      throw InputError(store.path() + ": run " + std::to_string(runId) +
                       " has no checkpoint to resume from (it ended before its first one)");
    return decodeCheckpoint(stored->bytes, store.path() + ": checkpoint " + std::to_string(stored->id));
  }();
  // The model takes the checkpoint's weights, masks and layer forms before the run is reopened: a checkpoint that
  // does not fit this model is refused with the run left as it was, for a build that can read it.
  try {
    restoreModelState(checkpoint, model_, optimizer_, sparseFormatOf(project_.sparsity));
  } catch (const RunError& e) {
    throw InputError(store.path() + ": run " + std::to_string(runId) + " cannot be resumed: " + e.what());
  }
  std::vector<NamedFloats>().swap(checkpoint.parameters);
  std::vector<NamedFloats>().swap(checkpoint.gradients);
  std::vector<NamedFloats>().swap(checkpoint.momentum);
  std::vector<LayerMaskState>().swap(checkpoint.masks);
  const TrainingPosition& p = checkpoint.position;
  store.reopenForResume(runId, {p.epoch, p.globalStep, p.epochStarted});
  return train(&store, runId, control, observers, &checkpoint);
}

RunOutcome Experiment::train(RunStore* store, int64_t runId, RunControl& control,
                             const std::vector<TrainingObserver*>& observers, const Checkpoint* from) {
  const TrainSpec& t = project_.train;
  RunOutcome outcome;
  outcome.runId = runId;

  TrainerSettings settings;
  settings.epochs = t.epochs;
  settings.batchSize = t.batchSize;
  settings.memoryBytes = memory_.peak();
  settings.residentSetBase = residentSetBase_;
  settings.dataEfficiency = project_.dataEfficiency;
  if (project_.augmentation.any()) settings.augmentation.emplace(augmentation_, t.seed);
  Rng orderRng = rng_.fork(kOrderStream);
  LrSchedule schedule(t.schedule, t.optimizer.lr, stepsPerEpoch_, t.epochs);
  Trainer trainer(model_, optimizer_, schedule, data_.train, data_.test, settings, orderRng);
  std::optional<StoreRecorder> recorder;
  if (store) recorder.emplace(*store, outcome.runId, t.logEverySteps);
  observersOfRun_ = observers;
  if (recorder) {
    trainer.addObserver(&*recorder);
    observersOfRun_.insert(observersOfRun_.begin(), &*recorder);
  }
  for (auto* o : observers) trainer.addObserver(o);
  std::optional<MemoryBoundWatch> boundWatch;
  if (project_.memoryBoundBytes) {
    boundWatch.emplace(*project_.memoryBoundBytes, residentSetBase_, control);
    trainer.addObserver(&*boundWatch);
  }
  trainer.setHook(algorithm_.get());
  std::map<std::string, int> changesPerLayer;
  if (store) {
    trainer.setCheckpointSink({t.checkpointEverySteps, t.checkpointEveryEpochs},
                              [&](const CheckpointParts& c, CheckpointKind kind) {
                                CheckpointRecord record;
                                // The epoch it was taken in: one that has started, or the one just ended.
                                record.epoch = c.position.epochStarted ? c.position.epoch : c.position.epoch - 1;
                                record.step = c.position.globalStep;
                                record.kind = toString(kind);
                                store->logCheckpoint(runId, std::move(record), encodeCheckpoint(c));
                              });
    snapshotAfterChange_ = [&](const MaskChangeEvent& e) {
      if (++changesPerLayer[e.layer] % t.maskSnapshotEvery == 0)
        logMaskSnapshots(*store, runId, e.epoch, e.step, e.layer);
    };
  }

  RunStartInfo info;
  info.runId = outcome.runId;
  info.name = project_.name;
  info.epochs = t.epochs;
  info.stepsPerEpoch = stepsPerEpoch_;
  info.trainExamples = data_.train.size();
  info.testExamples = data_.test.size();
  info.parameterCount = model_.parameterCount();
  info.threads = threads_;
  info.memoryBoundBytes = project_.memoryBoundBytes.value_or(0);
  info.memoryLines = memoryLines();
  if (from) {
    info.resumedAtEpoch = from->position.epoch;
    info.resumedAtStep = from->position.globalStep;
  }
  try {
    if (store) store->recordMemoryModel(runId, info.memoryLines);
    if (from) trainer.restore(*from);
    outcome.status = trainer.run(control, info, from ? &from->position : nullptr);
    outcome.overMemoryBound = outcome.status == RunStatus::Cancelled && boundWatch && !boundWatch->stopReason().empty();
    if (outcome.overMemoryBound) outcome.message = boundWatch->stopReason();
  } catch (const std::exception& e) {
    outcome.status = RunStatus::Failed;
    outcome.message = e.what();
  }
  snapshotAfterChange_ = nullptr;
  observersOfRun_.clear();
  outcome.finalTestAccuracy = trainer.lastTestAccuracy();
  // The masks as the run ends. A stopped run's newest snapshots already show its masks when every change is
  // snapshot; logging them here would leave a stray snapshot once the run resumes.
  if (store && outcome.status == RunStatus::Finished) {
    try {
      // Once the final checkpoint is written: its copies and the snapshots' would otherwise add up to the run's peak.
      store->flush();
      logMaskSnapshots(*store, runId, t.epochs, trainer.globalStep());
    } catch (const std::exception& e) {
      outcome.status = RunStatus::Failed;
      outcome.message = e.what();
    }
  }
  for (auto* o : observers) o->onRunEnd(outcome.status, outcome.message);
  const auto measurePeak = [&] { outcome.peakResidentAboveBaseBytes = residentSetBase_.peakAbove(readResidentSet()); };
  measurePeak();
  if (store) {
    try {
      // Again once the last checkpoint and snapshots are written: their copies are often the run's peak.
      store->flush();
      measurePeak();
      store->endRun(
          outcome.runId, outcome.status, outcome.message, outcome.finalTestAccuracy,
          MeasuredMemory{residentSetBase_.bytes, residentSetBase_.bytes + outcome.peakResidentAboveBaseBytes});
    } catch (const std::exception& e) {
      // The store cannot take even the end (a full disk): the run stays "running" in the file, is marked
      // interrupted once this process is gone, and resumes from its last committed checkpoint.
      outcome.status = RunStatus::Failed;
      outcome.message = outcome.message.empty() ? e.what() : outcome.message + "; " + e.what();
    }
  }
  return outcome;
}

}  // namespace ss
