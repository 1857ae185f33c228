#pragma once

#include <string>
#include <vector>

namespace ss {

// The class names the CIFAR authors publish beside the binary files (batches.meta.txt, fine_label_names.txt,
// coarse_label_names.txt), in label order: the names a set gets when its folder lacks those files.
const std::vector<std::string>& cifar10ClassNames();
const std::vector<std::string>& cifar100FineClassNames();
const std::vector<std::string>& cifar100CoarseClassNames();

}  // namespace ss
