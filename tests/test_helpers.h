#pragma once

#include <QTemporaryDir>
#include <cstdint>
#include <fstream>
#include <initializer_list>
#include <string>
#include <vector>

#include "core/rng.h"

// Writes bytes to a file in dir and returns its path; tests make their own data files.
inline std::string writeTestFile(const QTemporaryDir& dir, const std::string& name,
                                 const std::vector<unsigned char>& bytes) {
  const std::string path = dir.path().toStdString() + "/" + name;
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return path;
}

inline std::string writeTestText(const QTemporaryDir& dir, const std::string& name, const std::string& text) {
  return writeTestFile(dir, name, std::vector<unsigned char>(text.begin(), text.end()));
}

// The header of an IDX file: its element type (0x08, unsigned bytes, unless a test wants another), the number of
// dimensions, and each dimension's size as a big-endian 32-bit word.
inline std::vector<unsigned char> idxHeader(std::initializer_list<uint32_t> sizes, unsigned char type = 0x08) {
  std::vector<unsigned char> header{0, 0, type, static_cast<unsigned char>(sizes.size())};
  for (uint32_t size : sizes)
    for (int shift = 24; shift >= 0; shift -= 8) header.push_back(static_cast<unsigned char>(size >> shift));
  return header;
}

// IDX files of `count` 12x12 images: a bright bar across the top half for class 1, the bottom half for class 0,
// on a noisy background, so that a small model learns and crops and flips change what it sees.
inline void writeIdxPair(const QTemporaryDir& dir, const QString& prefix, uint32_t count, uint64_t seed) {
  constexpr uint32_t kSide = 12;
  std::vector<unsigned char> images = idxHeader({count, kSide, kSide}), labels = idxHeader({count});
  for (uint32_t i = 0; i < count; ++i) {
    const int label = int(ss::mixBits(seed + i) & 1);
    labels.push_back(static_cast<unsigned char>(label));
    for (uint32_t y = 0; y < kSide; ++y)
      for (uint32_t x = 0; x < kSide; ++x) {
        const bool bar = (label == 1 ? y == 3 : y == 8) && x >= 2 && x < 7;
        images.push_back(static_cast<unsigned char>(
            bar ? 230 : int(ss::mixBits(seed * 977 + i * kSide * kSide + y * kSide + x) % 90)));
      }
  }
  writeTestFile(dir, (prefix + "-images").toStdString(), images);
  writeTestFile(dir, (prefix + "-labels").toStdString(), labels);
}
