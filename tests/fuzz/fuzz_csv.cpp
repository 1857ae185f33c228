// CSV data files: header detection, field counts, labels and numbers.
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "data/readers.h"
#include "fuzz_check.h"
#include "fuzz_input_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static FuzzInputFile file("csv");
  const std::string& path = file.write(data, size);
  expectOnlyReportedErrors([&] {
    const ss::Dataset set = ss::readCsv(path, "fuzz");
    FUZZ_REQUIRE(set.features.rows() == int64_t(set.labels.size()));
    for (int64_t r = 0; r < set.features.rows(); ++r)
      for (int64_t c = 0; c < set.features.cols(); ++c) FUZZ_REQUIRE(std::isfinite(set.features.value(r, c)));
    for (int label : set.labels) FUZZ_REQUIRE(label >= 0 && label < set.classCount);
  });
  return 0;
}
