// Project files: the JSON parser, every key's validation, the plan (model shapes, layer budgets, memory model)
// and the round trip through projectToJson, which a run records and `resume` parses again.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.h"
#include "project/project.h"
#include "train/project_plan.h"

namespace {
// An upper bound on the model's weight count, from the project alone (the widths are valid, and pooling is taken
// as rounding up). The plan builds the model and draws its masks, so its time grows with this count: a valid
// convnet with a 8944-wide classifier (28 M weights) took 12 s under ASan and was reported as a hang. Planning is
// fuzzed on models up to a million weights, where a slow plan would be a finding; parsing and the round trip on
// every input.
int64_t weightCountBound(const ss::Project& project) {
  const auto shape = ss::knownInputShape(project.data);
  if (!shape) return 0;
  int64_t channels = shape->first.channels, height = shape->first.height, width = shape->first.width, weights = 0;
  const bool mlp = project.model.preset == "mlp";
  if (!mlp)
    for (int filters : project.model.channels) {
      weights += channels * filters * project.model.kernel * project.model.kernel;
      channels = filters;
      height = (height + 1) / 2;
      width = (width + 1) / 2;
    }
  int64_t inputs = channels * height * width;
  for (int units : mlp ? project.model.hidden : project.model.fc) {
    weights += inputs * units;
    inputs = units;
  }
  return weights + inputs * std::max(shape->second, 1);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  expectOnlyReportedErrors([&] {
    const ss::Project project = ss::parseProject(text, "fuzz.json");
    const std::string recorded = ss::projectToJson(project);
    FUZZ_REQUIRE(ss::projectToJson(ss::parseProject(recorded, "recorded.json")) == recorded);
    if (weightCountBound(project) <= 1'000'000) ss::planProject(project);
  });
  return 0;
}
