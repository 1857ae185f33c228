#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ss {

inline constexpr int kProjectFormat = 1;

// Where examples come from. `dataset` picks the reader; only the keys that reader uses may be set.
struct DataSpec {
  std::string dataset = "fashion-mnist";  // fashion-mnist | mnist | idx | cifar10 | cifar100 | csv | spirals | ...
  std::string dir;                        // fashion-mnist, mnist, cifar10, cifar100: folder of the standard files
  std::string labels = "fine";            // cifar100: fine (100 classes) | coarse (20 superclasses)
  std::string trainImages, trainLabels, testImages, testLabels;  // idx
  std::string trainCsv, testCsv;                                 // csv
  int64_t examples = 2000;                                       // synthetic: total examples (train + test)
  int classes = 3;                                               // synthetic spirals and blobs
  double noise = 0.1;                                            // synthetic
  double testFraction = 0.25;                                    // synthetic: share held out for testing
  double validationFraction = 0.0;                               // taken from train, with the run seed
  bool normalize = true;  // standardise with the training set's mean and deviation
};

// One entry of a project's own layer list (preset "layers"), as PyTorch's nn.Sequential would hold it, plus "stage":
// a run of residual blocks. Only the fields of the entry's type are read. The classifier, a linear layer to the
// classes named "fc", always ends the list; a flatten goes in wherever a linear layer follows an image.
struct LayerSpec {
  std::string type;  // conv | batch_norm | relu | max_pool | global_avg_pool | linear | dropout | stage
  std::string name;  // empty: named by type and position (conv1, bn1, relu1, pool1, fc1, stage1, avgpool)
  int channels = 0;  // conv, stage: output channels
  int kernel = 3;    // conv: square kernel size
  int stride = 1;    // conv; stage: its first block's
  int padding = -1;  // conv: -1 = 'same' (kernel / 2)
  bool bias = true;  // conv
  int window = 2;    // max_pool
  int units = 0;     // linear
  double rate = 0;   // dropout
  int blocks = 1;    // stage
  std::string shortcut = "projection";  // stage: projection | zero_pad (where a block changes shape)
};

struct ModelSpec {
  std::string preset = "mlp";            // mlp | convnet | resnet | vgg | layers
  std::vector<int> hidden = {300, 100};  // mlp: hidden layer widths
  std::vector<int> channels = {32, 64};  // convnet: filters of each conv (each followed by relu, maxpool 2)
  std::vector<int> fc = {128};           // convnet, vgg: hidden fully connected widths (vgg's default: none)
  int kernel = 3;                        // convnet: square kernel size, 'same' padding
  double dropout = 0.0;                  // rate before every fully connected layer (0 = none)
  int depth = 20;                        // resnet: 6n+2 (20, 32, 44, 56, 110); vgg: 11, 13, 16 or 19
  int width = 1;                         // resnet: its stages' 16, 32 and 64 channels times this (WRN-style)
  // resnet: where a block changes shape, a 1x1 strided conv + batch norm (torchvision's option B) or the
  // identity subsampled and zero-padded to the new channels (option A of He et al.'s CIFAR ResNets).
  std::string shortcut = "projection";  // projection | zero_pad
  std::vector<LayerSpec> layers;        // layers: the network, in order
};

struct OptimizerSpec {
  std::string name = "sgd";
  double lr = 0.05;
  double momentum = 0.9;
  bool nesterov = true;
  double weightDecay = 5e-4;
  bool decayNormAndBias = false;  // decay biases and normalisation scale and shift too (PyTorch's plain SGD)
};

struct ScheduleSpec {
  std::string name = "cosine";  // constant | step | cosine
  double warmupEpochs = 0;      // linear warm-up from 0 before the schedule proper
  int stepEpochs = 10;          // step: multiply by gamma every stepEpochs
  double gamma = 0.1;
  double minLr = 0.0;  // cosine: floor
};

struct TrainSpec {
  int epochs = 15;
  int batchSize = 128;
  uint64_t seed = 1;
  int threads = 0;  // 0 = all cores
  int logEverySteps = 20;
  // Checkpoints for resume: at the end of every n-th epoch, and inside epochs every n steps (0: only at ends).
  int checkpointEveryEpochs = 1;
  int64_t checkpointEverySteps = 0;
  int maskSnapshotEvery = 1;  // a layer's whole mask is logged at every n-th change (and at start and end)
  OptimizerSpec optimizer;
  ScheduleSpec schedule;
};

// ResNet-32 at batch 64 on two threads (AMD EPYC, AVX2): at this density every 3x3 conv's step is faster on the
// direct sparse kernels than on the dense products in chunks (1.1-2.1x), the 1x1 shortcuts break even; at 0.8 the
// widest stage's are slower (README, measured).
inline constexpr double kDefaultConvSparseExecutionBelow = 0.6;

// Sections filled by the sparse engine and the algorithms; a dense project leaves them at defaults.
struct SparsitySpec {
  double target = 0.0;  // fraction of weights that are zero
  std::string scheme = "unstructured";
  std::string distribution = "erk";      // uniform | er | erk
  std::vector<std::string> denseLayers;  // "first", "last" or layer names kept dense
  std::string schemeOptionsJson = "{}";  // kept verbatim for the scheme to validate
  // Layers at or below these densities run on the sparse kernels; denser ones stay masked-dense, where the dense
  // products are faster: linear layers, and convolutions, whose direct sparse kernels stay ahead of the dense
  // products to a higher density. Found with `sparsescope bench` (README, measured).
  double sparseExecutionBelow = 0.3;
  double convSparseExecutionBelow = kDefaultConvSparseExecutionBelow;
  bool transposedIndex = true;  // 8 more bytes per active weight for a faster dX (gather, not scatter)
};

struct AlgorithmSpec {
  std::string name = "dense";
  std::string optionsJson = "{}";  // every key but "name", for the algorithm to validate
};

// Random crops and mirror images of the training examples, drawn afresh every epoch; images only, and off unless
// asked for. The crop's padding is left unset when the file does not give it: its default depends on the images'
// size, which only the data set knows (data/image_augmentation.h resolves it).
struct AugmentationSpec {
  bool randomCrop = false;
  std::optional<int> cropPadding;
  bool horizontalFlip = false;
  bool any() const { return randomCrop || horizontalFlip; }
};

struct DataEfficiencySpec {
  bool enabled = false;
  int removalEpoch = 5;
  double removeFraction = 0.2;
  int64_t keepLowest = 0;
};

// The sweep a run belongs to, so the run browser can group its runs: the sweep's id and the value each axis gave
// this run, keyed by the axis's key path, as JSON text ("\"mest\"", "0.9").
struct SweepMembership {
  std::string id;
  std::vector<std::pair<std::string, std::string>> values;
  std::vector<std::pair<std::string, std::string>> labels;  // key path -> the value's label in the run name
};

struct Project {
  int format = kProjectFormat;
  std::string name = "untitled";
  std::string description;
  DataSpec data;
  ModelSpec model;
  TrainSpec train;
  SparsitySpec sparsity;
  AlgorithmSpec algorithm;
  std::optional<int64_t> memoryBoundBytes;
  DataEfficiencySpec dataEfficiency;
  AugmentationSpec augmentation;
  std::optional<SweepMembership> sweep;  // set in the projects a sweep expands to
};

// The data sets of pictures, which augmentation's crops and flips apply to.
bool isImageDataset(const std::string& dataset);

// Parses and validates; throws InputError "<source>: <key.path>: <reason>" on the first problem.
Project parseProject(const std::string& jsonText, const std::string& sourceName);
Project loadProject(const std::string& path);
// The project as JSON with every key spelled out (defaults included): what a run records.
std::string projectToJson(const Project& p);

}  // namespace ss
