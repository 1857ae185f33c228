#include "core/allocator.h"

#include <malloc.h>

namespace ss {

void keepLargeAllocationsInHeap() {
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
}

}  // namespace ss
