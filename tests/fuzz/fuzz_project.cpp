// Project files: the JSON parser, every key's validation, the plan (model shapes, layer budgets, memory model)
// and the round trip through projectToJson, which a run records and `resume` parses again.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.h"
#include "project/project.h"
#include "train/project_plan.h"

namespace {
// The plan builds the model and draws its masks, so its time grows with the model: a valid convnet with an
// 8944-wide classifier (28 M weights) took 12 s under ASan and was reported as a hang. Planned here against the
// memory of a million parameters (12 bytes each: value, gradient, momentum): buildModel's own check refuses a larger
// model before the layer that crosses the bound is built, and a slow plan of a small one is still a finding.
constexpr int64_t kPlanMemoryBytes = 12'000'000;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  expectOnlyReportedErrors([&] {
    const ss::Project project = ss::parseProject(text, "fuzz.json");
    const std::string recorded = ss::projectToJson(project);
    FUZZ_REQUIRE(ss::projectToJson(ss::parseProject(recorded, "recorded.json")) == recorded);
    ss::planProject(project, kPlanMemoryBytes);
  });
  return 0;
}
