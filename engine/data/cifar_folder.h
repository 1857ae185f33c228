#pragma once

#include "data/dataset.h"
#include "project/project.h"

namespace ss {

// Loads the training and test sets of `cifar10` or `cifar100` (with the labels the project asks for) from the folder
// of the data set's binary version, named by data.dir (by default the folder its archive unpacks to, under the
// system's data sets). Class names come from the folder's names files when it has them, else the published ones.
// Throws InputError naming the missing or broken file, with the files the folder must hold and where the data set
// is published.
DataSplits loadCifarFolder(const DataSpec& spec);

}  // namespace ss
