// IDX image and label files, raw or gzip. One input holds both files: a 2-byte little-endian length, that many
// bytes of labels file, and the rest as the images file.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "data/readers.h"
#include "fuzz_check.h"
#include "fuzz_input_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const size_t labelsSize = std::min(size - 2, size_t(data[0]) | size_t(data[1]) << 8);
  static FuzzInputFile labelsFile("labels"), imagesFile("images");
  const std::string& labels = labelsFile.write(data + 2, labelsSize);
  const std::string& images = imagesFile.write(data + 2 + labelsSize, size - 2 - labelsSize);
  expectOnlyReportedErrors([&] {
    const ss::Dataset set = ss::readIdx(images, labels, "fuzz");
    FUZZ_REQUIRE(set.features.rows() == int64_t(set.labels.size()));
    FUZZ_REQUIRE(set.features.cols() == int64_t(set.shape.height) * set.shape.width);
    FUZZ_REQUIRE(set.features.holdsBytes());
    for (int64_t r = 0; r < set.features.rows(); ++r)
      for (int64_t c = 0; c < set.features.cols(); ++c)
        FUZZ_REQUIRE(set.features.value(r, c) >= 0 && set.features.value(r, c) <= 1);
  });
  return 0;
}
