#pragma once

#include <string>

#include "project/project.h"

namespace ss {

// The first key path at which two projects would train differently ("train.epochs"), or "" when they train the
// same. The thread count, the description and the sweep label are not compared: they do not change what is
// trained, and a sweep run again with another -j splits the cores differently.
std::string firstTrainingDifference(const Project& a, const Project& b);

}  // namespace ss
