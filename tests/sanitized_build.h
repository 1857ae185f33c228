#pragma once

// SPARSESCOPE_SANITIZED is defined in the checked trees (tests/sanitizer_tree.sh), where a sanitizer owns the heap
// (its own operator new) and the resident set (shadow memory, quarantined blocks): tests that count allocations or
// measure the process's memory skip there.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SPARSESCOPE_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define SPARSESCOPE_SANITIZED 1
#endif
#endif
