#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "core/chunked_bytes.h"
#include "core/error.h"

namespace ss {

// A flat little-endian byte encoding for checkpoints: fixed-size scalars, and length-prefixed strings and arrays.
// Only trivially copyable element types are written, so what the reader gets back is bit for bit what was saved.
// The bytes go into pieces (ChunkedBytes), so a large checkpoint is never one buffer that doubles as it grows.
class ByteWriter {
 public:
  template <typename T>
  void put(T value) {
    static_assert(std::is_trivially_copyable_v<T>);
    append(&value, sizeof value);
  }
  void putString(const std::string& s) {
    put<uint64_t>(s.size());
    append(s.data(), s.size());
  }
  template <typename T>
  void putArray(const T* data, size_t count) {
    static_assert(std::is_trivially_copyable_v<T>);
    put<uint64_t>(count);
    append(data, count * sizeof(T));
  }
  template <typename T>
  void putVector(const std::vector<T>& v) {
    putArray(v.data(), v.size());
  }
  ChunkedBytes& bytes() { return bytes_; }

 private:
  void append(const void* p, size_t n) { bytes_.append(p, n); }
  ChunkedBytes bytes_;
};

// Reads what ByteWriter wrote; running past the end throws RunError naming `what`, so a truncated or damaged
// checkpoint is reported instead of read as garbage.
class ByteReader {
 public:
  ByteReader(const std::vector<uint8_t>& bytes, std::string what) : bytes_(bytes), what_(std::move(what)) {}

  template <typename T>
  T get() {
    static_assert(std::is_trivially_copyable_v<T>);
    T value;
    take(&value, sizeof value);
    return value;
  }
  std::string getString() {
    std::string s(checkedCount(1), '\0');
    take(s.data(), s.size());
    return s;
  }
  template <typename T>
  std::vector<T> getVector() {
    std::vector<T> v(checkedCount(sizeof(T)));
    take(v.data(), v.size() * sizeof(T));
    return v;
  }
  bool atEnd() const { return offset_ == bytes_.size(); }
  size_t remaining() const { return bytes_.size() - offset_; }

 private:
  size_t checkedCount(size_t elementSize) {
    const uint64_t count = get<uint64_t>();
    if (count > (bytes_.size() - offset_) / elementSize) fail();
    return size_t(count);
  }
  void take(void* p, size_t n) {
    if (n > bytes_.size() - offset_) fail();
    if (n) std::memcpy(p, bytes_.data() + offset_, n);
    offset_ += n;
  }
  [[noreturn]] void fail() const {
    throw RunError(what_ + ": truncated or damaged (needs more bytes than the " + std::to_string(bytes_.size()) +
                   " it has)");
  }
  const std::vector<uint8_t>& bytes_;
  std::string what_;
  size_t offset_ = 0;
};

}  // namespace ss
