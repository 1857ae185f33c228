#pragma once

#include <Eigen/Core>
#include <string>
#include <vector>

namespace reference {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Images one per row (pixels as floats), labels 0..9.
struct ImageSet {
  RowMatrix images;
  std::vector<int> labels;
};

struct TrainTestSets {
  ImageSet train;
  ImageSet test;
  float black = 0;  // a pixel of value 0 after the standardisation (the padding of random crops)
};

// Loads the four standard IDX files of `dir` (names as the MNIST family ships them, .gz or not), keeps
// the first `trainLimit` training images and the first `testLimit` test images (0: all), and standardises
// both sets with the mean and standard deviation of every pixel of the kept training images.
TrainTestSets loadStandardisedImages(const std::string& dir, int trainLimit, int testLimit);

}  // namespace reference
