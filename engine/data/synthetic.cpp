#include "data/synthetic.h"

#include <cmath>
#include <numbers>
#include <string>
#include <utility>

#include "core/error.h"

namespace ss {
namespace {

constexpr float kTwoPi = 2.0f * std::numbers::pi_v<float>;
// Each spiral arm winds this many turns from the centre to radius 1.
constexpr float kSpiralTurns = 1.25f;
// Blob centres sit on a circle of radius 1; each blob has this much spread before any noise.
constexpr float kBlobSpread = 0.25f;
constexpr float kInnerCircleRadius = 0.5f;

const char* kindName(SyntheticKind kind) {
  switch (kind) {
    case SyntheticKind::Spirals:
      return "spirals";
    case SyntheticKind::Blobs:
      return "blobs";
    case SyntheticKind::Circles:
      return "circles";
  }
  return "synthetic";
}

}  // namespace

// Examples are interleaved by class (example i has class i mod K), so any prefix is balanced.
// noise is the standard deviation of the Gaussian jitter added to both coordinates.
Dataset makeSynthetic(const SyntheticOptions& options, Rng& rng) {
  const std::string kind = kindName(options.kind);
  const int classes = options.kind == SyntheticKind::Circles ? 2 : options.classes;
  if (options.examples < 1) {
    throw InputError("synthetic " + kind + ": examples must be at least 1, got " + std::to_string(options.examples));
  }
  if (classes < 2) {
    throw InputError("synthetic " + kind + ": classes must be at least 2, got " + std::to_string(classes));
  }
  if (!(options.noise >= 0.0f) || !std::isfinite(options.noise)) {
    throw InputError("synthetic " + kind + ": noise must be 0 or more, got " + std::to_string(options.noise));
  }

  const int64_t n = options.examples;
  Dataset set;
  set.name = kind;
  set.shape = {1, 1, 2};
  set.classCount = classes;
  Matrix points(n, 2);
  set.labels.resize(size_t(n));
  set.originalIndex.resize(size_t(n));

  for (int64_t i = 0; i < n; ++i) {
    const int c = int(i % classes);
    const int64_t j = i / classes;  // position of the example within its class
    const int64_t inClass = n / classes + (c < n % classes ? 1 : 0);
    float x = 0.0f;
    float y = 0.0f;
    switch (options.kind) {
      case SyntheticKind::Spirals: {
        const float r = inClass > 1 ? float(j) / float(inClass - 1) : 0.0f;
        const float angle = kTwoPi * (float(c) / float(classes) + kSpiralTurns * r);
        x = r * std::cos(angle);
        y = r * std::sin(angle);
        break;
      }
      case SyntheticKind::Blobs: {
        const float angle = kTwoPi * float(c) / float(classes);
        x = std::cos(angle) + rng.normal(0.0f, kBlobSpread);
        y = std::sin(angle) + rng.normal(0.0f, kBlobSpread);
        break;
      }
      case SyntheticKind::Circles: {
        const float r = c == 0 ? kInnerCircleRadius : 1.0f;
        const float angle = rng.uniform(0.0f, kTwoPi);
        x = r * std::cos(angle);
        y = r * std::sin(angle);
        break;
      }
    }
    if (options.noise > 0.0f) {
      x += rng.normal(0.0f, options.noise);
      y += rng.normal(0.0f, options.noise);
    }
    points(i, 0) = x;
    points(i, 1) = y;
    set.labels[size_t(i)] = c;
    set.originalIndex[size_t(i)] = i;
  }
  set.features = FeatureRows(std::move(points));
  return set;
}

}  // namespace ss
