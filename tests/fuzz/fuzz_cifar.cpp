// CIFAR-10 and CIFAR-100 binary files, raw or gzip: each input is read as both versions, CIFAR-100 with either label.
#include <cstddef>
#include <cstdint>

#include "data/readers.h"
#include "fuzz_check.h"
#include "fuzz_input_file.h"

namespace {

void requireWholeSet(const ss::Dataset& set) {
  FUZZ_REQUIRE(set.features.rows() == int64_t(set.labels.size()));
  FUZZ_REQUIRE(set.features.holdsBytes());
  FUZZ_REQUIRE(set.features.channels() == set.shape.channels);
  FUZZ_REQUIRE(int(set.classNames.size()) == set.classCount);
  for (int label : set.labels) FUZZ_REQUIRE(label >= 0 && label < set.classCount);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static FuzzInputFile file("cifar");
  const std::string& path = file.write(data, size);
  expectOnlyReportedErrors([&] { requireWholeSet(ss::readCifar10({path}, "fuzz")); });
  expectOnlyReportedErrors([&] { requireWholeSet(ss::readCifar100({path}, "fuzz", ss::Cifar100Labels::Fine)); });
  expectOnlyReportedErrors([&] { requireWholeSet(ss::readCifar100({path}, "fuzz", ss::Cifar100Labels::Coarse)); });
  return 0;
}
