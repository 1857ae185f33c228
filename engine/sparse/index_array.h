#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ss {

// Indices into one dimension of a matrix, stored in 2 bytes each when that dimension has at most
// 65536 entries (every MLP layer and most convs here) and in 4 bytes otherwise: the column indices
// are the largest part of a sparse layer's memory after its 12 bytes of value, gradient and momentum.
class IndexArray {
 public:
  explicit IndexArray(int extent = 0) : narrow_(bytesPerIndex(extent) == 2) {}
  static int bytesPerIndex(int extent) { return extent <= 65536 ? 2 : 4; }

  size_t size() const { return narrow_ ? narrowValues_.size() : wideValues_.size(); }
  int64_t bytes() const { return int64_t(size()) * (narrow_ ? 2 : 4); }
  int32_t operator[](size_t i) const { return narrow_ ? int32_t(narrowValues_[i]) : wideValues_[i]; }
  void set(size_t i, int32_t value) {
    if (narrow_)
      narrowValues_[i] = uint16_t(value);
    else
      wideValues_[i] = value;
  }
  void push_back(int32_t value) {
    if (narrow_)
      narrowValues_.push_back(uint16_t(value));
    else
      wideValues_.push_back(value);
  }
  void reserve(size_t n) { narrow_ ? narrowValues_.reserve(n) : wideValues_.reserve(n); }
  void resize(size_t n) { narrow_ ? narrowValues_.resize(n) : wideValues_.resize(n); }

  bool operator==(const IndexArray&) const = default;

  // Calls f with the raw array (const uint16_t* or const int32_t*), so kernels compile for both widths.
  template <typename F>
  decltype(auto) withData(F&& f) const {
    return narrow_ ? f(narrowValues_.data()) : f(wideValues_.data());
  }

 private:
  bool narrow_;
  std::vector<uint16_t> narrowValues_;
  std::vector<int32_t> wideValues_;
};

}  // namespace ss
