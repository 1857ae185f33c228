#include "project/project.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/text_file.h"
#include "project/object_reader.h"

namespace ss {

using nlohmann::json;

namespace {

void readData(ObjectReader r, DataSpec& d) {
  r.readChoice("dataset", d.dataset,
               {"fashion-mnist", "mnist", "idx", "cifar10", "cifar100", "csv", "spirals", "blobs", "circles"});
  r.read("dir", d.dir);
  if (r.has("labels") && d.dataset != "cifar100") r.fail("labels", "only used with dataset 'cifar100'");
  r.readChoice("labels", d.labels, {"fine", "coarse"});
  const bool idx = d.dataset == "idx", csv = d.dataset == "csv";
  const bool synthetic = d.dataset == "spirals" || d.dataset == "blobs" || d.dataset == "circles";
  for (const char* key : {"train_images", "train_labels", "test_images", "test_labels"}) {
    if (r.has(key) && !idx) r.fail(key, "only used with dataset 'idx'");
    if (idx && !r.has(key)) r.fail(key, "required with dataset 'idx'");
  }
  r.read("train_images", d.trainImages);
  r.read("train_labels", d.trainLabels);
  r.read("test_images", d.testImages);
  r.read("test_labels", d.testLabels);
  for (const char* key : {"train_csv", "test_csv"}) {
    if (r.has(key) && !csv) r.fail(key, "only used with dataset 'csv'");
    if (csv && !r.has(key)) r.fail(key, "required with dataset 'csv'");
  }
  r.read("train_csv", d.trainCsv);
  r.read("test_csv", d.testCsv);
  for (const char* key : {"examples", "classes", "noise", "test_fraction"})
    if (r.has(key) && !synthetic) r.fail(key, "only used with the synthetic data sets (spirals, blobs, circles)");
  r.read("examples", d.examples);
  r.check(d.examples >= 20 && d.examples <= 10'000'000, "examples", "must be between 20 and 10000000");
  r.read("classes", d.classes);
  r.check(d.classes >= 2 && d.classes <= 100, "classes", "must be between 2 and 100");
  r.read("noise", d.noise);
  r.check(d.noise >= 0 && d.noise <= 10, "noise", "must be between 0 and 10");
  r.read("test_fraction", d.testFraction);
  r.check(d.testFraction > 0 && d.testFraction < 1, "test_fraction", "must be between 0 and 1 (exclusive)");
  r.read("validation_fraction", d.validationFraction);
  r.check(d.validationFraction >= 0 && d.validationFraction < 1, "validation_fraction", "must be in [0, 1)");
  r.read("normalize", d.normalize);
  r.finish();
}

void checkWidths(const ObjectReader& r, const char* key, const std::vector<int>& widths, bool allowEmpty) {
  r.check(allowEmpty || !widths.empty(), key, "must list at least one width");
  for (int w : widths)
    r.check(w >= 1 && w <= 65536, key, "every width must be between 1 and 65536, found " + std::to_string(w));
}

// Which keys each entry type of a layer list reads besides "type" and "name".
const std::vector<std::string>& layerKeys(const std::string& type) {
  static const std::vector<std::string> none;
  static const std::vector<std::string> conv = {"channels", "kernel", "stride", "padding", "bias"};
  static const std::vector<std::string> pool = {"window"}, linear = {"units"}, dropout = {"rate"};
  static const std::vector<std::string> stage = {"channels", "blocks", "stride", "shortcut"};
  if (type == "conv") return conv;
  if (type == "max_pool") return pool;
  if (type == "linear") return linear;
  if (type == "dropout") return dropout;
  if (type == "stage") return stage;
  return none;
}

LayerSpec readLayer(ObjectReader r) {
  LayerSpec l;
  r.readChoice("type", l.type,
               {"conv", "batch_norm", "relu", "max_pool", "global_avg_pool", "linear", "dropout", "stage"});
  r.check(r.has("type"), "type", "every layer needs a type");
  r.read("name", l.name);
  r.check(l.name.find_first_of(" \t\n\"") == std::string::npos, "name", "must not hold spaces or quotes");
  const std::vector<std::string>& keys = layerKeys(l.type);
  for (const char* key :
       {"channels", "kernel", "stride", "padding", "bias", "window", "units", "rate", "blocks", "shortcut"})
    if (r.has(key) && std::find(keys.begin(), keys.end(), key) == keys.end())
      r.fail(key, "not used by a '" + l.type + "' layer");
  r.read("channels", l.channels);
  if (l.type == "conv" || l.type == "stage")
    r.check(l.channels >= 1 && l.channels <= 65536, "channels", "must be between 1 and 65536");
  r.read("kernel", l.kernel);
  r.check(l.kernel >= 1 && l.kernel <= 11, "kernel", "must be between 1 and 11");
  r.read("stride", l.stride);
  r.check(l.stride >= 1 && l.stride <= 8, "stride", "must be between 1 and 8");
  r.read("padding", l.padding);
  r.check(l.padding >= -1 && l.padding <= l.kernel, "padding", "must be -1 ('same') or between 0 and the kernel");
  r.read("bias", l.bias);
  r.read("window", l.window);
  r.check(l.window >= 2 && l.window <= 8, "window", "must be between 2 and 8");
  r.read("units", l.units);
  if (l.type == "linear") r.check(l.units >= 1 && l.units <= 65536, "units", "must be between 1 and 65536");
  r.read("rate", l.rate);
  r.check(l.rate >= 0 && l.rate <= 0.9, "rate", "must be a rate in [0, 0.9]");
  r.read("blocks", l.blocks);
  r.check(l.blocks >= 1 && l.blocks <= 1000, "blocks", "must be between 1 and 1000");
  r.readChoice("shortcut", l.shortcut, {"projection", "zero_pad"});
  r.finish();
  return l;
}

void readLayerList(ObjectReader& r, const std::string& source, std::vector<LayerSpec>& layers) {
  const json* list = r.raw("layers");
  if (!list) r.fail("layers", "preset 'layers' needs the list of layers");
  if (!list->is_array()) r.fail("layers", "must be a list of layer objects");
  layers.clear();
  for (size_t i = 0; i < list->size(); ++i) {
    const std::string path = "model.layers[" + std::to_string(i) + "]";
    if (!(*list)[i].is_object()) throw InputError(source + ": " + path + ": must be an object with a 'type'");
    layers.push_back(readLayer(ObjectReader((*list)[i], path, source)));
  }
}

void readModel(ObjectReader r, const std::string& source, ModelSpec& m) {
  r.readChoice("preset", m.preset, {"mlp", "convnet", "resnet", "vgg", "layers"});
  const std::string& preset = m.preset;
  const auto only = [&](const char* key, std::initializer_list<const char*> presets) {
    if (!r.has(key)) return;
    std::string names;
    for (const char* p : presets) {
      if (preset == p) return;
      names += std::string(names.empty() ? "" : " or ") + "'" + p + "'";
    }
    r.fail(key, "only used with preset " + names);
  };
  only("hidden", {"mlp"});
  only("channels", {"convnet"});
  only("kernel", {"convnet"});
  only("fc", {"convnet", "vgg"});
  only("dropout", {"mlp", "convnet", "vgg"});
  only("depth", {"resnet", "vgg"});
  only("width", {"resnet"});
  only("shortcut", {"resnet"});
  only("layers", {"layers"});
  if (preset == "vgg") m.fc = {};  // the CIFAR VGG: one linear layer after the convolutions unless fc adds some
  r.read("hidden", m.hidden);
  checkWidths(r, "hidden", m.hidden, true);
  r.read("channels", m.channels);
  checkWidths(r, "channels", m.channels, false);
  r.read("fc", m.fc);
  checkWidths(r, "fc", m.fc, true);
  r.read("dropout", m.dropout);
  r.check(m.dropout >= 0 && m.dropout <= 0.9, "dropout", "must be a rate in [0, 0.9]");
  r.read("kernel", m.kernel);
  r.check(m.kernel >= 1 && m.kernel <= 11 && m.kernel % 2 == 1, "kernel", "must be an odd size between 1 and 11");
  if (preset == "vgg") m.depth = 16;
  r.read("depth", m.depth);
  if (preset == "resnet")
    r.check(m.depth >= 8 && m.depth <= 2000 && (m.depth - 2) % 6 == 0, "depth",
            "must be 6n+2 for n blocks per stage (20, 32, 44, 56, 110, ...), found " + std::to_string(m.depth));
  if (preset == "vgg")
    r.check(m.depth == 11 || m.depth == 13 || m.depth == 16 || m.depth == 19, "depth",
            "must be 11, 13, 16 or 19, found " + std::to_string(m.depth));
  r.read("width", m.width);
  r.check(m.width >= 1 && m.width <= 64, "width", "must be a channel multiplier between 1 and 64");
  r.readChoice("shortcut", m.shortcut, {"projection", "zero_pad"});
  if (preset == "layers") readLayerList(r, source, m.layers);
  r.finish();
}

json layerToJson(const LayerSpec& l) {
  json out = {{"type", l.type}};
  if (!l.name.empty()) out["name"] = l.name;
  if (l.type == "conv")
    out.update({{"channels", l.channels},
                {"kernel", l.kernel},
                {"stride", l.stride},
                {"padding", l.padding},
                {"bias", l.bias}});
  if (l.type == "max_pool") out["window"] = l.window;
  if (l.type == "linear") out["units"] = l.units;
  if (l.type == "dropout") out["rate"] = l.rate;
  if (l.type == "stage")
    out.update({{"channels", l.channels}, {"blocks", l.blocks}, {"stride", l.stride}, {"shortcut", l.shortcut}});
  return out;
}

// Only the keys the preset reads, so that a stored project reads back as written.
json modelToJson(const ModelSpec& m) {
  json model = {{"preset", m.preset}};
  if (m.preset == "mlp") model["hidden"] = m.hidden;
  if (m.preset == "convnet") model.update({{"channels", m.channels}, {"fc", m.fc}, {"kernel", m.kernel}});
  if (m.preset == "vgg") model.update({{"depth", m.depth}, {"fc", m.fc}});
  if (m.preset == "resnet") model.update({{"depth", m.depth}, {"width", m.width}, {"shortcut", m.shortcut}});
  if (m.preset == "layers") {
    json layers = json::array();
    for (const LayerSpec& l : m.layers) layers.push_back(layerToJson(l));
    model["layers"] = layers;
  }
  if (m.preset != "resnet" && m.preset != "layers") model["dropout"] = m.dropout;
  return model;
}

void readTrain(ObjectReader r, TrainSpec& t) {
  r.read("epochs", t.epochs);
  r.check(t.epochs >= 1 && t.epochs <= 100000, "epochs", "must be between 1 and 100000");
  r.read("batch_size", t.batchSize);
  r.check(t.batchSize >= 1 && t.batchSize <= 65536, "batch_size", "must be between 1 and 65536");
  r.read("seed", t.seed);
  r.read("threads", t.threads);
  r.check(t.threads >= 0 && t.threads <= 1024, "threads", "must be between 0 (all cores) and 1024");
  r.read("log_every_steps", t.logEverySteps);
  r.check(t.logEverySteps >= 1, "log_every_steps", "must be at least 1");
  r.read("checkpoint_every_epochs", t.checkpointEveryEpochs);
  r.check(t.checkpointEveryEpochs >= 1, "checkpoint_every_epochs", "must be at least 1");
  r.read("checkpoint_every_steps", t.checkpointEverySteps);
  r.check(t.checkpointEverySteps >= 0, "checkpoint_every_steps", "must be 0 (only at epoch ends) or more");
  r.read("mask_snapshot_every", t.maskSnapshotEvery);
  r.check(t.maskSnapshotEvery >= 1, "mask_snapshot_every", "must be at least 1");

  ObjectReader o = r.child("optimizer");
  o.readChoice("name", t.optimizer.name, {"sgd"});
  o.read("lr", t.optimizer.lr);
  o.check(t.optimizer.lr > 0 && t.optimizer.lr <= 10, "lr", "must be in (0, 10]");
  o.read("momentum", t.optimizer.momentum);
  o.check(t.optimizer.momentum >= 0 && t.optimizer.momentum < 1, "momentum", "must be in [0, 1)");
  o.read("nesterov", t.optimizer.nesterov);
  o.check(!t.optimizer.nesterov || t.optimizer.momentum > 0, "nesterov", "needs a momentum above 0");
  o.read("weight_decay", t.optimizer.weightDecay);
  o.check(t.optimizer.weightDecay >= 0 && t.optimizer.weightDecay < 1, "weight_decay", "must be in [0, 1)");
  o.read("decay_norm_and_bias", t.optimizer.decayNormAndBias);
  o.finish();

  ObjectReader s = r.child("schedule");
  s.readChoice("name", t.schedule.name, {"constant", "step", "cosine"});
  s.read("warmup_epochs", t.schedule.warmupEpochs);
  s.check(t.schedule.warmupEpochs >= 0 && t.schedule.warmupEpochs < t.epochs, "warmup_epochs",
          "must be in [0, epochs)");
  s.read("step_epochs", t.schedule.stepEpochs);
  s.check(t.schedule.stepEpochs >= 1, "step_epochs", "must be at least 1");
  s.read("gamma", t.schedule.gamma);
  s.check(t.schedule.gamma > 0 && t.schedule.gamma <= 1, "gamma", "must be in (0, 1]");
  s.read("min_lr", t.schedule.minLr);
  s.check(t.schedule.minLr >= 0 && t.schedule.minLr <= t.optimizer.lr, "min_lr", "must be in [0, lr]");
  s.finish();
  r.finish();
}

void readSparsity(ObjectReader r, SparsitySpec& s) {
  r.read("target", s.target);
  r.check(s.target >= 0 && s.target < 1, "target",
          "must be a sparsity in [0, 1), the fraction of weights that are zero");
  r.readChoice("scheme", s.scheme, {"unstructured", "nm", "block", "channel", "pattern"});
  r.readChoice("distribution", s.distribution, {"uniform", "er", "erk"});
  r.read("dense_layers", s.denseLayers);
  r.read("sparse_execution_below", s.sparseExecutionBelow);
  r.check(s.sparseExecutionBelow >= 0 && s.sparseExecutionBelow <= 1, "sparse_execution_below",
          "must be a density in [0, 1]");
  r.read("conv_sparse_execution_below", s.convSparseExecutionBelow);
  r.check(s.convSparseExecutionBelow >= 0 && s.convSparseExecutionBelow <= 1, "conv_sparse_execution_below",
          "must be a density in [0, 1]");
  r.read("transposed_index", s.transposedIndex);
  if (const json* options = r.raw("scheme_options")) {
    r.check(options->is_object(), "scheme_options", "expected an object");
    s.schemeOptionsJson = options->dump();
  }
  r.finish();
}

void readAlgorithm(const json& section, AlgorithmSpec& a, const std::string& source) {
  ObjectReader r(section, "algorithm", source);
  r.readChoice("name", a.name, {"dense", "static", "set", "rigl", "gmp", "mest"});
  json options = section;
  options.erase("name");
  a.optionsJson = options.dump();
  if (a.name == "dense") r.finish();  // the dense baseline has no options
}

std::optional<int64_t> readMemoryBound(const json* v, const std::string& source) {
  if (!v || v->is_null()) return std::nullopt;
  const std::string where = source + ": memory_bound: ";
  if (v->is_number()) {
    const double bytes = v->get<double>();
    if (!(bytes >= 1)) throw InputError(where + "must be a positive number of bytes");
    return static_cast<int64_t>(bytes);
  }
  if (!v->is_string()) throw InputError(where + "expected bytes as a number or a string such as \"2MB\" or \"512KiB\"");
  const std::string text = v->get<std::string>();
  size_t used = 0;
  double amount = 0;
  try {
    amount = std::stod(text, &used);
  } catch (const std::exception&) {
    throw InputError(where + "'" + text + "' does not start with a number");
  }
  std::string unit = text.substr(used);
  unit.erase(0, unit.find_first_not_of(' '));
  static const std::vector<std::pair<std::string, double>> units = {
      {"", 1},     {"B", 1},        {"KB", 1e3},        {"MB", 1e6},
      {"GB", 1e9}, {"KiB", 1024.0}, {"MiB", 1048576.0}, {"GiB", 1073741824.0}};
  for (const auto& [name, scale] : units)
    if (unit == name) {
      if (!(amount > 0)) throw InputError(where + "must be positive");
      return static_cast<int64_t>(amount * scale);
    }
  throw InputError(where + "unknown unit '" + unit + "' (use B, KB, MB, GB, KiB, MiB or GiB)");
}

void readDataEfficiency(ObjectReader r, DataEfficiencySpec& d, int epochs) {
  r.read("enabled", d.enabled);
  r.read("removal_epoch", d.removalEpoch);
  r.read("remove_fraction", d.removeFraction);
  r.check(d.removeFraction >= 0 && d.removeFraction < 1, "remove_fraction", "must be in [0, 1)");
  r.read("keep_lowest", d.keepLowest);
  r.check(d.keepLowest >= 0, "keep_lowest", "must not be negative");
  if (d.enabled)
    r.check(d.removalEpoch >= 1 && d.removalEpoch < epochs, "removal_epoch",
            "must fall inside training: between 1 and " + std::to_string(epochs - 1));
  r.finish();
}

void readAugmentation(ObjectReader r, AugmentationSpec& a, const std::string& dataset) {
  r.read("random_crop", a.randomCrop);
  r.read("horizontal_flip", a.horizontalFlip);
  if (r.has("crop_padding")) {
    int padding = 0;
    r.read("crop_padding", padding);
    r.check(a.randomCrop, "crop_padding", "only used with \"random_crop\": true");
    r.check(padding >= 0 && padding <= 64, "crop_padding", "must be between 0 and 64 pixels");
    a.cropPadding = padding;
  }
  // Crops and mirror images are operations on pictures: a row of a CSV file or a 2-D point has no width to
  // shift along or to mirror.
  const char* firstOn = a.randomCrop ? "random_crop" : "horizontal_flip";
  if (a.any() && !isImageDataset(dataset))
    r.fail(firstOn, "needs an image data set (fashion-mnist, mnist, idx, cifar10, cifar100), not '" + dataset + "'");
  r.finish();
}

std::optional<SweepMembership> readSweepMembership(const json* v, const std::string& source) {
  if (!v) return std::nullopt;
  ObjectReader r(*v, "sweep", source);
  SweepMembership m;
  r.check(r.has("id"), "id", "missing: the id of the sweep this run belongs to");
  r.read("id", m.id);
  r.check(!m.id.empty(), "id", "must not be empty");
  if (const json* values = r.raw("values")) {
    r.check(values->is_object(), "values", "expected an object of key path -> value");
    for (const auto& [key, value] : values->items()) m.values.emplace_back(key, value.dump());
  }
  if (const json* labels = r.raw("labels")) {
    r.check(labels->is_object(), "labels", "expected an object of key path -> label");
    for (const auto& [key, label] : labels->items()) {
      r.check(label.is_string(), "labels", "the label of " + key + " must be a string");
      m.labels.emplace_back(key, label.get<std::string>());
    }
  }
  r.finish();
  return m;
}

}  // namespace

bool isImageDataset(const std::string& dataset) {
  return dataset == "fashion-mnist" || dataset == "mnist" || dataset == "idx" || dataset == "cifar10" ||
         dataset == "cifar100";
}

Project parseProject(const std::string& jsonText, const std::string& source) {
  json doc;
  try {
    doc = json::parse(jsonText);
  } catch (const json::exception& e) {  // a syntax error, or a number beyond a double's range
    throw InputError(source + ": not valid JSON: " + e.what());
  }
  Project p;
  ObjectReader top(doc, "", source);
  top.check(top.has("format"), "format",
            "missing: a project file starts with \"format\": " + std::to_string(kProjectFormat) +
                (top.has("sweep_format") ? " (this is a sweep file: train its runs with 'sparsescope sweep')" : ""));
  top.read("format", p.format);
  top.check(p.format == kProjectFormat, "format",
            "version " + std::to_string(p.format) + " is not supported (this SparseScope reads version " +
                std::to_string(kProjectFormat) + ")");
  top.read("name", p.name);
  top.check(!p.name.empty(), "name", "must not be empty");
  top.read("description", p.description);
  readData(top.child("data"), p.data);
  readModel(top.child("model"), source, p.model);
  readTrain(top.child("train"), p.train);
  readSparsity(top.child("sparsity"), p.sparsity);
  if (const json* a = top.raw("algorithm")) readAlgorithm(*a, p.algorithm, source);
  p.memoryBoundBytes = readMemoryBound(top.raw("memory_bound"), source);
  readDataEfficiency(top.child("data_efficiency"), p.dataEfficiency, p.train.epochs);
  readAugmentation(top.child("augmentation"), p.augmentation, p.data.dataset);
  p.sweep = readSweepMembership(top.raw("sweep"), source);
  top.finish();
  return p;
}

Project loadProject(const std::string& path) {
  return parseProject(readTextFile(path, "project file"), path);
}

std::string projectToJson(const Project& p) {
  json data = {
      {"dataset", p.data.dataset}, {"validation_fraction", p.data.validationFraction}, {"normalize", p.data.normalize}};
  if (!p.data.dir.empty()) data["dir"] = p.data.dir;
  if (p.data.dataset == "idx") {
    data["train_images"] = p.data.trainImages;
    data["train_labels"] = p.data.trainLabels;
    data["test_images"] = p.data.testImages;
    data["test_labels"] = p.data.testLabels;
  } else if (p.data.dataset == "cifar100") {
    data["labels"] = p.data.labels;
  } else if (p.data.dataset == "csv") {
    data["train_csv"] = p.data.trainCsv;
    data["test_csv"] = p.data.testCsv;
  } else if (p.data.dataset == "spirals" || p.data.dataset == "blobs" || p.data.dataset == "circles") {
    data["examples"] = p.data.examples;
    data["classes"] = p.data.classes;
    data["noise"] = p.data.noise;
    data["test_fraction"] = p.data.testFraction;
  }
  const json model = modelToJson(p.model);
  const auto& t = p.train;
  json train = {{"epochs", t.epochs},
                {"batch_size", t.batchSize},
                {"seed", t.seed},
                {"threads", t.threads},
                {"log_every_steps", t.logEverySteps},
                {"checkpoint_every_epochs", t.checkpointEveryEpochs},
                {"checkpoint_every_steps", t.checkpointEverySteps},
                {"mask_snapshot_every", t.maskSnapshotEvery},
                {"optimizer",
                 {{"name", t.optimizer.name},
                  {"lr", t.optimizer.lr},
                  {"momentum", t.optimizer.momentum},
                  {"nesterov", t.optimizer.nesterov},
                  {"weight_decay", t.optimizer.weightDecay}}},
                {"schedule",
                 {{"name", t.schedule.name},
                  {"warmup_epochs", t.schedule.warmupEpochs},
                  {"step_epochs", t.schedule.stepEpochs},
                  {"gamma", t.schedule.gamma},
                  {"min_lr", t.schedule.minLr}}}};
  // Only when on, as augmentation: the projects of runs stored before the key existed compare equal to the same
  // project saved now.
  if (t.optimizer.decayNormAndBias) train["optimizer"]["decay_norm_and_bias"] = true;
  json sparsity = {{"target", p.sparsity.target},
                   {"scheme", p.sparsity.scheme},
                   {"distribution", p.sparsity.distribution},
                   {"dense_layers", p.sparsity.denseLayers},
                   {"scheme_options", json::parse(p.sparsity.schemeOptionsJson)},
                   {"sparse_execution_below", p.sparsity.sparseExecutionBelow},
                   {"transposed_index", p.sparsity.transposedIndex}};
  // Only when not the default, as augmentation: projects stored before the key existed compare equal.
  if (p.sparsity.convSparseExecutionBelow != kDefaultConvSparseExecutionBelow)
    sparsity["conv_sparse_execution_below"] = p.sparsity.convSparseExecutionBelow;
  json algorithm = json::parse(p.algorithm.optionsJson);
  algorithm["name"] = p.algorithm.name;
  const auto& de = p.dataEfficiency;
  json doc = {{"format", p.format},
              {"name", p.name},
              {"data", data},
              {"model", model},
              {"train", train},
              {"sparsity", sparsity},
              {"algorithm", algorithm},
              {"memory_bound", p.memoryBoundBytes ? json(*p.memoryBoundBytes) : json(nullptr)},
              {"data_efficiency",
               {{"enabled", de.enabled},
                {"removal_epoch", de.removalEpoch},
                {"remove_fraction", de.removeFraction},
                {"keep_lowest", de.keepLowest}}}};
  if (!p.description.empty()) doc["description"] = p.description;
  // Only when on: the projects of runs stored before augmentation existed then read back as written, and compare
  // equal to the same project saved now.
  if (p.augmentation.any()) {
    doc["augmentation"] = {{"random_crop", p.augmentation.randomCrop},
                           {"horizontal_flip", p.augmentation.horizontalFlip}};
    if (p.augmentation.cropPadding) doc["augmentation"]["crop_padding"] = *p.augmentation.cropPadding;
  }
  if (p.sweep) {
    json values = json::object();
    for (const auto& [key, value] : p.sweep->values) values[key] = json::parse(value);
    doc["sweep"] = {{"id", p.sweep->id}, {"values", values}};
    if (!p.sweep->labels.empty()) {
      json labels = json::object();
      for (const auto& [key, label] : p.sweep->labels) labels[key] = label;
      doc["sweep"]["labels"] = labels;
    }
  }
  return doc.dump(2);
}

}  // namespace ss
