#pragma once

#include "core/rng.h"
#include "data/dataset.h"
#include "project/project.h"

namespace ss {

// Default folder of Debian's dataset-fashion-mnist package.
std::string defaultFashionMnistDir();

// Loads the train and test sets a project names, splits off validation, and normalises all of them
// with the training set's statistics. Throws InputError naming the missing or broken file.
DataSplits loadDataSplits(const DataSpec& spec, Rng& rng);

}  // namespace ss
