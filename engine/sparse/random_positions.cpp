#include "sparse/random_positions.h"

#include <algorithm>
#include <iterator>
#include <stdexcept>
#include <string>

namespace ss {

namespace {
bool contains(const std::vector<int64_t>& ascending, int64_t p) {
  return std::binary_search(ascending.begin(), ascending.end(), p);
}

// The free positions of [0, size) in ascending order, for the rare case where they are few enough that rejection
// would spin (a layer drawn nearly full).
std::vector<int64_t> freePositions(int64_t size, const std::vector<int64_t>& excluded) {
  std::vector<int64_t> free;
  free.reserve(size_t(size - int64_t(excluded.size())));
  size_t e = 0;
  for (int64_t p = 0; p < size; ++p) {
    if (e < excluded.size() && excluded[e] == p) {
      ++e;
      continue;
    }
    free.push_back(p);
  }
  return free;
}
}  // namespace

std::vector<int64_t> randomPositions(int64_t size, int64_t count, Rng& rng) {
  return randomPositionsOutside(size, {}, count, rng);
}

std::vector<int64_t> randomPositionsOutside(int64_t size, const std::vector<int64_t>& excluded, int64_t count,
                                            Rng& rng) {
  const int64_t available = size - int64_t(excluded.size());
  if (count < 0 || count > available)
    throw std::invalid_argument("randomPositionsOutside: " + std::to_string(count) + " positions asked of " +
                                std::to_string(available) + " free");
  if (count == 0) return {};
  // When the draw would take most of the free positions, drawing the ones left out is cheaper, and rejection of
  // taken positions would get slow near the end.
  if (2 * count > available) {
    std::vector<int64_t> free = freePositions(size, excluded);
    const int64_t leftOut = available - count;
    std::vector<int64_t> out;
    out.reserve(size_t(count));
    if (leftOut == 0) return free;
    std::vector<int64_t> skipped = randomPositions(available, leftOut, rng);  // indices into free
    size_t s = 0;
    for (int64_t i = 0; i < available; ++i) {
      if (s < skipped.size() && skipped[s] == i) {
        ++s;
        continue;
      }
      out.push_back(free[size_t(i)]);
    }
    return out;
  }
  // Rejection: each round draws as many positions as are still missing, with replacement, and keeps the new ones
  // that are neither excluded nor taken, so it never overshoots. At most half the free positions are ever taken,
  // so a round keeps at least half of its draws on average.
  std::vector<int64_t> chosen;
  chosen.reserve(size_t(count));
  std::vector<int64_t> round;
  while (int64_t(chosen.size()) < count) {
    round.clear();
    for (int64_t i = int64_t(chosen.size()); i < count; ++i) {
      const int64_t p = rng.below(size);
      if (!contains(excluded, p)) round.push_back(p);
    }
    std::sort(round.begin(), round.end());
    round.erase(std::unique(round.begin(), round.end()), round.end());
    std::vector<int64_t> fresh;
    std::set_difference(round.begin(), round.end(), chosen.begin(), chosen.end(), std::back_inserter(fresh));
    chosen = mergePositions(chosen, fresh);
  }
  return chosen;
}

std::vector<int64_t> mergePositions(const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
  std::vector<int64_t> out;
  out.reserve(a.size() + b.size());
  std::merge(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

}  // namespace ss
