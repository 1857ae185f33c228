#pragma once

namespace ss {

// Training allocates and frees the same large buffers every step (activations, GEMM packing
// blocks). glibc would map and unmap each of them, paying a page fault per 4 KiB on every step;
// this keeps freed large blocks in the heap for reuse instead. Call once before training.
void keepLargeAllocationsInHeap();

}  // namespace ss
