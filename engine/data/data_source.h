#pragma once

#include <optional>

#include "core/rng.h"
#include "data/dataset.h"
#include "project/project.h"

namespace ss {

// Default folder of Debian's dataset-fashion-mnist package.
std::string defaultFashionMnistDir();

// Loads the train and test sets a project names, splits off validation, and normalises all of them
// with the training set's statistics. Throws InputError naming the missing or broken file.
DataSplits loadDataSplits(const DataSpec& spec, Rng& rng);

// An example's shape and the class count of a published data set the spec names (Fashion-MNIST, MNIST,
// CIFAR-10, CIFAR-100 fine or coarse), known without reading a file; nullopt for files of the user's (idx, csv)
// and synthetic sets, whose shape only their data tells.
struct PublishedShape {
  ExampleShape example;
  int classes = 0;
};
std::optional<PublishedShape> publishedShape(const DataSpec& spec);

}  // namespace ss
