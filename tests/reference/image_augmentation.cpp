#include "image_augmentation.h"

namespace reference {

void augmentInPlace(RowMatrix& images, int side, int padding, float black, std::mt19937_64& rng) {
  std::uniform_int_distribution<int> offset(0, 2 * padding);
  std::bernoulli_distribution flip(0.5);
  Eigen::VectorXf original(images.cols());
  for (Eigen::Index i = 0; i < images.rows(); ++i) {
    const int dy = offset(rng) - padding, dx = offset(rng) - padding;
    const bool mirrored = flip(rng);
    original = images.row(i).transpose();
    for (int y = 0; y < side; ++y)
      for (int x = 0; x < side; ++x) {
        const int sy = y + dy, sx = (mirrored ? side - 1 - x : x) + dx;
        images(i, y * side + x) = sy >= 0 && sy < side && sx >= 0 && sx < side ? original(sy * side + sx) : black;
      }
  }
}

}  // namespace reference
