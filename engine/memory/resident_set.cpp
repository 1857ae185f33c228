#include "memory/resident_set.h"

#include <fcntl.h>
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace ss {

namespace {
// The value in kB of "Field:" in the status text, in bytes; 0 when the field is missing.
int64_t kilobyteField(const char* status, const char* field) {
  const char* at = std::strstr(status, field);
  return at ? std::strtoll(at + std::strlen(field), nullptr, 10) * 1024 : 0;
}
}  // namespace

ResidentSet readResidentSet() {
  char status[8192];
  const int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  const ssize_t n = read(fd, status, sizeof status - 1);
  close(fd);
  if (n <= 0) return {};
  status[n] = '\0';
  return {kilobyteField(status, "\nVmRSS:"), kilobyteField(status, "\nVmHWM:")};
}

int64_t ResidentSetBase::peakAbove(const ResidentSet& now) const {
  return std::max<int64_t>(0, (peakResetHere ? now.peakBytes : now.currentBytes) - bytes);
}

ResidentSetBase beginResidentSetMeasurement() {
  // Training keeps freed blocks in the heap (keepLargeAllocationsInHeap); what an earlier run left there would be
  // counted in the base and then reused unseen.
  malloc_trim(0);
  // "5" resets the high-water mark to the resident set now (Linux 4.0 and later).
  bool reset = false;
  if (const int fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC); fd >= 0) {
    reset = write(fd, "5", 1) == 1;
    close(fd);
  }
  return {readResidentSet().currentBytes, reset};
}

}  // namespace ss
