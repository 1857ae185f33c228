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
// Appends `draws` positions drawn with replacement from [0, size) and not excluded to `out` (empty), sorted and
// without repeats.
void drawSortedUnique(std::vector<int64_t>& out, int64_t draws, int64_t size, const std::vector<int64_t>& excluded,
                      Rng& rng) {
  for (int64_t i = 0; i < draws; ++i) {
    const int64_t p = rng.below(size);
    if (!contains(excluded, p)) out.push_back(p);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
}

// Removes from the ascending `candidates` those also in the ascending `taken`, in place.
void keepOnlyAbsent(std::vector<int64_t>& candidates, const std::vector<int64_t>& taken) {
  auto t = taken.begin();
  auto kept = candidates.begin();
  for (const int64_t p : candidates) {
    t = std::lower_bound(t, taken.end(), p);
    if (t == taken.end() || *t != p) *kept++ = p;
  }
  candidates.erase(kept, candidates.end());
}

// Merges the ascending `more` into the ascending `into` from the back, in place: `into` has room reserved for both.
void mergeInto(std::vector<int64_t>& into, const std::vector<int64_t>& more) {
  size_t a = into.size(), b = more.size();
  into.resize(a + b);
  for (size_t out = a + b; b > 0;) into[--out] = a > 0 && into[a - 1] > more[b - 1] ? into[--a] : more[--b];
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
  // so a round keeps at least half of its draws on average. The first round draws straight into the result and later
  // rounds merge into it in place: the draw holds its positions about once, not as the four or five arrays a
  // merge into new ones would take (88 MB for the 2.7 M positions of a 16384 x 16384 layer at 1%).
  std::vector<int64_t> chosen;
  chosen.reserve(size_t(count));
  drawSortedUnique(chosen, count, size, excluded, rng);
  std::vector<int64_t> round;
  while (int64_t(chosen.size()) < count) {
    round.clear();
    drawSortedUnique(round, count - int64_t(chosen.size()), size, excluded, rng);
    keepOnlyAbsent(round, chosen);
    mergeInto(chosen, round);
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
