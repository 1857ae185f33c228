#include "memory_table.h"

#include <cstdio>

namespace ss::cli {

double megabytes(int64_t bytes) {
  return double(bytes) / 1e6;
}

namespace {
std::string row(const char* name, int64_t bytes, const int64_t* denseBytes) {
  char text[96];
  if (denseBytes)
    std::snprintf(text, sizeof text, "  %-26s %10.2f %10.2f\n", name, megabytes(bytes), megabytes(*denseBytes));
  else
    std::snprintf(text, sizeof text, "  %-26s %10.2f\n", name, megabytes(bytes));
  return text;
}
}  // namespace

std::string formatMemoryLines(const std::vector<MemoryLineRecord>& lines, bool withDenseTwin) {
  std::string text = withDenseTwin ? "memory model (MB)                sparse      dense\n"
                                   : "memory model (MB)                 model\n";
  int64_t peak = 0, densePeak = 0;
  for (const MemoryLineRecord& l : lines) {
    text += row(l.line.c_str(), l.bytes, withDenseTwin ? &l.denseBytes : nullptr);
    peak += l.bytes;
    densePeak += l.denseBytes;
  }
  return text + row("peak", peak, withDenseTwin ? &densePeak : nullptr);
}

std::string formatMeasuredMemory(int64_t modelPeakBytes, const MeasuredMemory& measured) {
  const int64_t above = measured.peakBytes - measured.baseBytes;
  char text[200];
  std::snprintf(text, sizeof text,
                "measured: peak resident set %.1f MB, %.1f MB above the base of %.1f MB; the model's peak %.1f MB "
                "(%+.1f%%)\n",
                megabytes(measured.peakBytes), megabytes(above), megabytes(measured.baseBytes),
                megabytes(modelPeakBytes), above > 0 ? 100.0 * double(modelPeakBytes - above) / double(above) : 0.0);
  return text;
}

}  // namespace ss::cli
