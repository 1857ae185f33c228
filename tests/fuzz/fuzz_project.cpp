// Project files: the JSON parser, every key's validation, the plan (model shapes, layer budgets, memory model)
// and the round trip through projectToJson, which a run records and `resume` parses again.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.h"
#include "project/project.h"
#include "train/project_plan.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  expectOnlyReportedErrors([&] {
    const ss::Project project = ss::parseProject(text, "fuzz.json");
    const std::string recorded = ss::projectToJson(project);
    FUZZ_REQUIRE(ss::projectToJson(ss::parseProject(recorded, "recorded.json")) == recorded);
    ss::planProject(project);
  });
  return 0;
}
