#pragma once

#include <cstdio>
#include <cstdlib>

#include "core/error.h"

// Runs one fuzz input through `body`. The errors the engine reports for bad input (InputError, RunError) are the
// expected outcome; any other exception escapes and libFuzzer reports it as a crash, like a sanitizer finding.
template <typename Body>
void expectOnlyReportedErrors(Body body) {
  try {
    body();
  } catch (const ss::InputError&) {
  } catch (const ss::RunError&) {
  }
}

// A property the engine promises for every input it accepts; a broken one is a finding, so it aborts.
#define FUZZ_REQUIRE(condition)                                                                  \
  do {                                                                                           \
    if (!(condition)) {                                                                          \
      std::fprintf(stderr, "%s:%d: fuzz property failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                              \
    }                                                                                            \
  } while (0)
