#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/rng.h"
#include "data/dataset.h"
#include "data/image_augmentation.h"
#include "memory/memory_model.h"
#include "memory/resident_set.h"
#include "nn/model.h"
#include "project/project.h"
#include "sparse/layer_budget.h"
#include "store/run_store.h"
#include "train/checkpoint.h"
#include "train/observer.h"
#include "train/run_control.h"
#include "train/sgd.h"
#include "train/training_hook.h"

namespace ss {

struct RunOutcome {
  int64_t runId = 0;
  RunStatus status = RunStatus::Finished;
  std::string message;
  std::optional<double> finalTestAccuracy;
  int64_t peakResidentAboveBaseBytes = 0;  // measured while this process trained the run
  bool overMemoryBound = false;            // cancelled because the measured figure went over memory_bound
};

// The data a run of this project trains and tests on, split exactly as the run splits it (same seed, same
// stream), so a viewer can show the examples the run's statistics refer to.
DataSplits loadProjectData(const Project& project);

// One run of a project from start to end: loads the data, builds the model, records the run in the
// store and trains it. The headless command line and the GUI's worker thread both go through here.
class Experiment {
 public:
  // Sets the thread count, loads data, builds the model, checks the memory bound and gives sparse
  // runs their initial masks. Throws InputError for a project that cannot run as given.
  explicit Experiment(Project project);
  Experiment(const Experiment&) = delete;  // the algorithm's event sink points back here
  Experiment& operator=(const Experiment&) = delete;

  const Project& project() const { return project_; }
  const DataSplits& data() const { return data_; }
  Model& model() { return model_; }
  const MemoryEstimate& memory() const { return memory_; }
  // The same model trained dense, counted line by line the same way: what `run` prints beside the sparse figure.
  const MemoryEstimate& denseTwin() const { return denseTwin_; }
  // Both, line by line, as the run store keeps them.
  std::vector<MemoryLineRecord> memoryLines() const;
  // The process's resident set when the experiment began, before its data was read: what the measured figures
  // and the memory bound's watch count from.
  const ResidentSetBase& residentSetBase() const { return residentSetBase_; }
  // Per-layer densities of a sparse run (empty for a dense one).
  const std::vector<LayerDensity>& densities() const { return densities_; }
  int threads() const { return threads_; }

  // Trains to the end, or until control cancels. A failure (diverging loss, a store that cannot be
  // written) ends the run as failed with its reason; nothing already committed is lost.
  RunOutcome run(RunStore& store, RunControl& control, const std::vector<TrainingObserver*>& observers);
  // Continues run `runId` of the store from its newest checkpoint; the experiment must have been built from that
  // run's project with its thread count. With the same kernels and threads the result is bit for bit the one an
  // uninterrupted run reaches. Throws InputError when the run has no checkpoint or cannot be resumed.
  RunOutcome resume(RunStore& store, int64_t runId, RunControl& control,
                    const std::vector<TrainingObserver*>& observers);
  // Trains with no store at all (no metrics rows, checkpoints or snapshots): the baseline that measures what
  // logging costs, and a way to try a project without recording it. The outcome's runId is 0.
  RunOutcome runUnrecorded(RunControl& control, const std::vector<TrainingObserver*>& observers);

 private:
  void checkDenseStartFits(const RunMemoryInputs& memoryInputs);  // gmp trains dense first: the bound holds it dense
  RunOutcome train(RunStore* store, int64_t runId, RunControl& control, const std::vector<TrainingObserver*>& observers,
                   const Checkpoint* from);
  void logMaskSnapshots(RunStore& store, int64_t runId, int epoch, int64_t step, const std::string& onlyLayer = {});

  ResidentSetBase residentSetBase_;  // first: measured before anything else is built
  Project project_;
  int threads_ = 1;
  int64_t stepsPerEpoch_ = 0;  // at the full training set; data efficiency may shorten later epochs
  Rng rng_;
  DataSplits data_;
  ImageAugmentation augmentation_;  // the project's, with the crop's padding settled for the data's images
  Model model_;
  MemoryEstimate memory_, denseTwin_;
  std::vector<LayerDensity> densities_;
  Sgd optimizer_;
  std::unique_ptr<TrainingHook> algorithm_;                          // null for dense and static runs
  std::vector<TrainingObserver*> observersOfRun_;                    // who hears the algorithm's mask changes
  std::function<void(const MaskChangeEvent&)> snapshotAfterChange_;  // set while a run trains
};

}  // namespace ss
