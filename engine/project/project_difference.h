#pragma once

#include <string>

#include "project/project.h"

namespace ss {

// The first key path at which two projects would train differently ("train.epochs"), or "" when they train the
// same. The thread count, the description, the sweep label and the memory bound are not compared: they do not change
// what is trained (a sweep run again with another -j splits the cores differently; a run stopped at its memory bound
// continues with a larger one).
std::string firstTrainingDifference(const Project& a, const Project& b);

}  // namespace ss
