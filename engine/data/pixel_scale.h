#pragma once

#include <array>

namespace ss {

// Byte pixel value -> [0, 1]: the table an image set's byte rows start with (FeatureRows), so a batch's pixels
// become floats by look-up, without a division each.
inline const std::array<float, 256>& pixelScale() {
  static const std::array<float, 256> table = [] {
    std::array<float, 256> t{};
    for (int i = 0; i < 256; ++i) t[size_t(i)] = float(i) / 255.0f;
    return t;
  }();
  return table;
}

}  // namespace ss
