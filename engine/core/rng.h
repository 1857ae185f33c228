#pragma once

#include <cstdint>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace ss {

// SplitMix64's finalizer: 64 well-mixed bits from a counter, so that a stream keyed by one draw, mixBits(key + i *
// kGoldenGamma) for i = 0, 1, ..., can be computed in any order and on any thread and stays the same.
constexpr uint64_t kGoldenGamma = 0x9E3779B97F4A7C15ull;
inline uint64_t mixBits(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Every random choice of a run draws from one of these, seeded from the run's seed and passed in,
// never from a global, so a seed and a thread count reproduce a run bit for bit.
class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}

  // A child stream for one purpose (init, data order, ...), so adding draws to one purpose
  // does not shift the others.
  Rng fork(uint64_t purpose) { return Rng(engine_() ^ (purpose * 0x9E3779B97F4A7C15ull)); }

  uint64_t next() { return engine_(); }
  float uniform(float lo, float hi) { return std::uniform_real_distribution<float>(lo, hi)(engine_); }
  float normal(float mean, float stddev) { return std::normal_distribution<float>(mean, stddev)(engine_); }
  int64_t below(int64_t n) { return std::uniform_int_distribution<int64_t>(0, n - 1)(engine_); }

  template <typename T>
  void shuffle(std::vector<T>& v) {
    for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[static_cast<size_t>(below(int64_t(i)))]);
  }

  std::mt19937_64& engine() { return engine_; }

  // The generator's full state as text (the standard's own format), for checkpoints.
  std::string state() const {
    std::ostringstream out;
    out << engine_;
    return out.str();
  }
  // Returns false when the text is not a state state() wrote.
  bool setState(const std::string& text) {
    std::istringstream in(text);
    std::mt19937_64 restored;
    if (!(in >> restored)) return false;
    engine_ = restored;
    return true;
  }

 private:
  std::mt19937_64 engine_;
};

}  // namespace ss
