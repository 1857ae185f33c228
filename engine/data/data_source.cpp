#include "data/data_source.h"

#include <string>
#include <vector>

#include "core/error.h"
#include "data/cifar_folder.h"
#include "data/data_file.h"
#include "data/preprocessing.h"
#include "data/readers.h"
#include "data/synthetic.h"

namespace ss {

std::string defaultFashionMnistDir() {
  return std::string(SPARSESCOPE_DEFAULT_DATA_DIR) + "/fashion-mnist";
}

namespace {

// Fashion-MNIST and MNIST have ten classes: a label beyond them is a damaged or foreign file, and would
// otherwise silently widen the model's output layer.
void checkLabelsWithin(const Dataset& set, int classes, const std::string& labelsPath, const std::string& name) {
  for (size_t i = 0; i < set.labels.size(); ++i)
    if (set.labels[i] < 0 || set.labels[i] >= classes)
      throw InputError(labelsPath + ": label " + std::to_string(set.labels[i]) + " of example " + std::to_string(i) +
                       " is outside the " + std::to_string(classes) + " classes of " + name);
}

DataSplits loadIdxFolder(const std::string& dir, const std::string& name, const std::string& hint,
                         const std::vector<std::string>& classNames) {
  constexpr int kClasses = 10;
  DataSplits s;
  const std::string trainLabels = requireDataFile(dir, "train-labels-idx1-ubyte.gz", hint);
  const std::string testLabels = requireDataFile(dir, "t10k-labels-idx1-ubyte.gz", hint);
  s.train = readIdx(requireDataFile(dir, "train-images-idx3-ubyte.gz", hint), trainLabels, name + "-train");
  s.test = readIdx(requireDataFile(dir, "t10k-images-idx3-ubyte.gz", hint), testLabels, name + "-test");
  checkLabelsWithin(s.train, kClasses, trainLabels, name);
  checkLabelsWithin(s.test, kClasses, testLabels, name);
  s.train.classNames = s.test.classNames = classNames;
  return s;
}

DataSplits loadSynthetic(const DataSpec& spec, Rng& rng) {
  SyntheticOptions options;
  options.kind = spec.dataset == "spirals" ? SyntheticKind::Spirals
                 : spec.dataset == "blobs" ? SyntheticKind::Blobs
                                           : SyntheticKind::Circles;
  options.examples = spec.examples;
  options.classes = spec.classes;
  options.noise = float(spec.noise);
  Rng dataRng = rng.fork(11);
  Dataset all = makeSynthetic(options, dataRng);
  std::vector<int64_t> order(size_t(all.size()));
  for (size_t i = 0; i < order.size(); ++i) order[i] = int64_t(i);
  dataRng.shuffle(order);
  const size_t testCount = size_t(double(order.size()) * spec.testFraction);
  DataSplits s;
  s.test = all.subset({order.begin(), order.begin() + ptrdiff_t(testCount)});
  s.train = all.subset({order.begin() + ptrdiff_t(testCount), order.end()});
  s.train.name = spec.dataset + "-train";
  s.test.name = spec.dataset + "-test";
  return s;
}

}  // namespace

std::optional<PublishedShape> publishedShape(const DataSpec& spec) {
  if (spec.dataset == "fashion-mnist" || spec.dataset == "mnist") return PublishedShape{{1, 28, 28}, 10};
  if (spec.dataset == "cifar10") return PublishedShape{{3, 32, 32}, 10};
  if (spec.dataset == "cifar100") return PublishedShape{{3, 32, 32}, spec.labels == "coarse" ? 20 : 100};
  return std::nullopt;
}

DataSplits loadDataSplits(const DataSpec& spec, Rng& rng) {
  DataSplits s;
  if (spec.dataset == "fashion-mnist") {
    const std::string dir = spec.dir.empty() ? defaultFashionMnistDir() : spec.dir;
    s = loadIdxFolder(
        dir, "fashion-mnist", " (install Debian's dataset-fashion-mnist: sudo installer/setup-deps.sh)",
        {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"});
  } else if (spec.dataset == "mnist") {
    const std::string dir = spec.dir.empty() ? std::string(SPARSESCOPE_DEFAULT_DATA_DIR) + "/mnist" : spec.dir;
    s = loadIdxFolder(dir, "mnist", " (set data.dir to the folder of the MNIST .gz files)", {});
  } else if (spec.dataset == "idx") {
    s.train = readIdx(spec.trainImages, spec.trainLabels, "train");
    s.test = readIdx(spec.testImages, spec.testLabels, "test");
  } else if (spec.dataset == "cifar10" || spec.dataset == "cifar100") {
    s = loadCifarFolder(spec);
  } else if (spec.dataset == "csv") {
    s.train = readCsv(spec.trainCsv, "train");
    s.test = readCsv(spec.testCsv, "test");
  } else {
    s = loadSynthetic(spec, rng);
  }
  if (s.train.features.cols() != s.test.features.cols())
    throw InputError("train and test sets disagree: " + std::to_string(s.train.features.cols()) + " vs " +
                     std::to_string(s.test.features.cols()) + " features per example");
  const int classes = std::max(s.train.classCount, s.test.classCount);
  s.train.classCount = s.test.classCount = classes;
  if (spec.validationFraction > 0) {
    Rng splitRng = rng.fork(12);
    splitValidation(s, spec.validationFraction, splitRng);
  }
  if (spec.normalize) {
    const std::vector<Normalization> n = measureNormalization(s.train);
    applyNormalization(s.train, n);
    applyNormalization(s.validation, n);
    applyNormalization(s.test, n);
  }
  return s;
}

}  // namespace ss
