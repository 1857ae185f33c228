// CIFAR-10 binary batches, raw or gzip.
#include <cstddef>
#include <cstdint>

#include "data/readers.h"
#include "fuzz_check.h"
#include "fuzz_input_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static FuzzInputFile file("cifar");
  const std::string& path = file.write(data, size);
  expectOnlyReportedErrors([&] {
    const ss::Dataset set = ss::readCifar10({path}, "fuzz");
    FUZZ_REQUIRE(set.features.rows() == int64_t(set.labels.size()));
    FUZZ_REQUIRE(set.features.holdsBytes());
    for (int label : set.labels) FUZZ_REQUIRE(label >= 0 && label < set.classCount);
  });
  return 0;
}
