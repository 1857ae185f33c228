#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/chunked_bytes.h"
#include "data/example_tracker.h"

namespace ss {

// Where in training a checkpoint was taken. Steps are counted globally; `batchesDone` of epoch `epoch` are
// trained. `epochStarted` says whether the epoch's start (the algorithm's mutation, the reshuffle) has happened:
// a checkpoint at an epoch's end names the next epoch, not yet started.
struct TrainingPosition {
  int epoch = 1;
  int64_t batchesDone = 0;
  int64_t globalStep = 0;
  bool epochStarted = false;
  // The epoch's running sums, so the resumed epoch reports the same figures as one never interrupted.
  double lossSum = 0;
  int64_t correct = 0, seen = 0;
  double epochSecondsSoFar = 0;  // time the epoch had trained before this point
};

struct NamedFloats {
  std::string name;
  std::vector<float> values;
};

// A weight matrix's execution form and mask; values live in the parameters, in the form's storage order.
struct LayerMaskState {
  enum Form : uint8_t { Dense = 0, MaskedDense = 1, Sparse = 2 };
  std::string layer;
  Form form = Dense;
  int rows = 0, cols = 0;
  std::vector<int64_t> positions;  // the active entries' flat row-major positions, ascending; empty when dense
};

struct NamedState {
  std::string name;
  std::string state;
};

// Everything a run needs to continue exactly: weights, masks, optimizer state, every random stream's state,
// the data order and the forgetting statistics.
struct Checkpoint {
  TrainingPosition position;
  std::vector<NamedFloats> parameters;  // in model order, then the layers' state buffers (Model::stateBuffers)
  std::vector<NamedFloats> gradients;   // the last step's: MEST scores importance with them at the next mutation
  std::vector<NamedFloats> momentum;    // optimizer state, by parameter name
  std::vector<LayerMaskState> masks;    // every layer with a weight matrix
  std::vector<NamedState> layerRandomStates;
  std::string algorithmState;
  std::string orderRandomState;
  std::vector<int64_t> order;  // the data order of the current epoch (rows in use)
  std::vector<ExampleStats> examples;
};

struct FloatsView {
  std::string name;
  std::span<const float> values;
};

// A weight matrix's form with its mask already coded (encodePositions): a few bytes per active weight, where the
// positions themselves take eight.
struct CodedMask {
  std::string layer;
  LayerMaskState::Form form = LayerMaskState::Dense;
  int rows = 0, cols = 0;
  std::vector<uint8_t> positions;
};

// What a checkpoint records, as views of where it lives. The trainer encodes straight from the model and the
// optimizer this way: copying them into a Checkpoint first would hold the whole sparse state once more.
struct CheckpointParts {
  TrainingPosition position;
  std::vector<FloatsView> parameters, gradients, momentum;
  std::vector<CodedMask> masks;
  std::vector<NamedState> layerRandomStates;
  std::string algorithmState;
  std::string orderRandomState;
  std::span<const int64_t> order;
  std::span<const ExampleStats> examples;
};

ChunkedBytes encodeCheckpoint(const CheckpointParts& parts);
std::vector<uint8_t> encodeCheckpoint(const Checkpoint& c);
// Throws RunError naming `what` for bytes that are not a checkpoint of this format or are cut short.
Checkpoint decodeCheckpoint(const std::vector<uint8_t>& bytes, const std::string& what);

// FNV-1a over the parameter values and the masks' positions: two runs that trained to the same weights print the same
// digest.
uint64_t weightsDigest(const Checkpoint& c);

}  // namespace ss
