#include "data/cifar_folder.h"

#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/text_file.h"
#include "data/data_file.h"
#include "data/readers.h"

namespace ss {

namespace {

const std::string kPublishedAt = "https://www.cs.toronto.edu/~kriz/cifar.html";

// What a folder must hold, said after the name of whatever is missing from it.
std::string folderHint(const std::string& title, const std::string& files, const std::string& archive) {
  return " (data.dir must name the folder of " + title + "'s binary version, with " + files + ": " + archive +
         " from " + kPublishedAt + ", unpacked)";
}

// The names in one of the names files the binary versions come with: one a line, blank lines (the files end with
// some) skipped.
std::vector<std::string> readClassNamesFile(const std::string& path, size_t expected) {
  std::istringstream lines(readTextFile(path, "class names file"));
  std::vector<std::string> names;
  for (std::string line; std::getline(lines, line);) {
    const size_t first = line.find_first_not_of(" \t\r");
    if (first != std::string::npos) names.push_back(line.substr(first, line.find_last_not_of(" \t\r") + 1 - first));
  }
  if (names.size() != expected)
    throw InputError(path + ": " + std::to_string(names.size()) + " class names, expected " + std::to_string(expected) +
                     ", one a line");
  return names;
}

// The folder's own names file, when it has one, names the classes; the readers gave them the published names.
void nameClassesFromFile(DataSplits& s, const std::string& dir, const std::string& file) {
  const std::string path = (std::filesystem::path(dir) / file).string();
  if (!std::filesystem::exists(path)) return;
  s.train.classNames = s.test.classNames = readClassNamesFile(path, size_t(s.train.classCount));
}

DataSplits loadCifar10(const std::string& dir) {
  const std::string hint =
      folderHint("CIFAR-10", "data_batch_1.bin .. data_batch_5.bin and test_batch.bin", "cifar-10-binary.tar.gz");
  // Every file is looked for before any is read, so a missing test file is reported before a long read.
  std::vector<std::string> trainFiles;
  for (int i = 1; i <= 5; ++i)
    trainFiles.push_back(requireDataFile(dir, "data_batch_" + std::to_string(i) + ".bin", hint));
  const std::string testFile = requireDataFile(dir, "test_batch.bin", hint);
  DataSplits s;
  s.train = readCifar10(trainFiles, "cifar10-train");
  s.test = readCifar10({testFile}, "cifar10-test");
  nameClassesFromFile(s, dir, "batches.meta.txt");
  return s;
}

DataSplits loadCifar100(const std::string& dir, const std::string& labels) {
  const std::string hint = folderHint("CIFAR-100", "train.bin and test.bin", "cifar-100-binary.tar.gz");
  const std::string trainFile = requireDataFile(dir, "train.bin", hint);
  const std::string testFile = requireDataFile(dir, "test.bin", hint);
  const Cifar100Labels which = labels == "coarse" ? Cifar100Labels::Coarse : Cifar100Labels::Fine;
  DataSplits s;
  s.train = readCifar100({trainFile}, "cifar100-train", which);
  s.test = readCifar100({testFile}, "cifar100-test", which);
  nameClassesFromFile(s, dir, which == Cifar100Labels::Fine ? "fine_label_names.txt" : "coarse_label_names.txt");
  return s;
}

}  // namespace

DataSplits loadCifarFolder(const DataSpec& spec) {
  const bool cifar10 = spec.dataset == "cifar10";
  if (!cifar10 && spec.dataset != "cifar100")
    throw std::invalid_argument("loadCifarFolder: data set '" + spec.dataset + "' is neither cifar10 nor cifar100");
  // The folders the published archives unpack to.
  const std::string dir = !spec.dir.empty() ? spec.dir
                                            : std::string(SPARSESCOPE_DEFAULT_DATA_DIR) +
                                                  (cifar10 ? "/cifar-10-batches-bin" : "/cifar-100-binary");
  return cifar10 ? loadCifar10(dir) : loadCifar100(dir, spec.labels);
}

}  // namespace ss
