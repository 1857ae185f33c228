#pragma once

#include <cstdint>

namespace ss {

// This machine's physical memory in bytes (RAM, not swap); 0 when the system does not say.
int64_t physicalMemoryBytes();

}  // namespace ss
