#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "data/data_file.h"
#include "data/huge_pages.h"
#include "data/pixel_scale.h"
#include "data/readers.h"

namespace ss {
namespace {

constexpr unsigned char kUnsignedByte = 0x08;

std::string hex(uint32_t value, int digits) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%0*X", digits, value);
  return text;
}

uint32_t bigEndian32(const unsigned char* p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | uint32_t(p[3]);
}

// Reads an IDX header, checks it against the expected dimension count and returns the dimension sizes.
std::vector<uint32_t> readHeader(DataFile& file, int dims, const char* what) {
  std::array<unsigned char, 4 + 4 * 3> header{};
  const size_t headerSize = 4 + 4 * size_t(dims);
  const size_t got = file.read(header.data(), headerSize);
  const std::string& path = file.path();
  const std::string kind = "idx" + std::to_string(dims) + " " + what;
  const auto truncated = [&] {
    return InputError(path + ": truncated: " + std::to_string(got) + " bytes, an " + kind + " header needs " +
                      std::to_string(headerSize));
  };
  if (got < 4) throw truncated();
  const uint32_t magic = bigEndian32(header.data());
  const uint32_t expected = uint32_t(kUnsignedByte) << 8 | uint32_t(dims);
  if (header[0] == 0 && header[1] == 0 && header[3] == dims && header[2] != kUnsignedByte) {
    throw InputError(path + ": data type " + hex(header[2], 2) + " is not supported, expected " +
                     hex(kUnsignedByte, 2) + " (unsigned bytes)");
  }
  if (magic != expected) {
    throw InputError(path + ": wrong magic " + hex(magic, 8) + ", expected " + hex(expected, 8) + " (" + kind + ")");
  }
  if (got < headerSize) throw truncated();
  std::vector<uint32_t> sizes(static_cast<size_t>(dims));
  for (size_t d = 0; d < sizes.size(); ++d) sizes[d] = bigEndian32(header.data() + 4 + 4 * d);
  return sizes;
}

void checkPayload(const std::string& path, uint64_t found, uint64_t expected, const char* unit) {
  if (found < expected) {
    throw InputError(path + ": truncated: expected " + std::to_string(expected) + " " + unit + ", found " +
                     std::to_string(found));
  }
  if (found > expected) {
    throw InputError(path + ": " + std::to_string(found - expected) + " unexpected bytes after the " +
                     std::to_string(expected) + " " + unit + " the header announces");
  }
}

}  // namespace

Dataset readIdx(const std::string& imagesPath, const std::string& labelsPath, const std::string& name) {
  DataFile images(imagesPath);
  const std::vector<uint32_t> imageDims = readHeader(images, 3, "images");
  const uint32_t count = imageDims[0];
  const uint32_t height = imageDims[1];
  const uint32_t width = imageDims[2];
  if (count == 0) throw InputError(imagesPath + ": the header announces no images");
  // ExampleShape holds ints; real image sets are far below this.
  if (height == 0 || width == 0 || uint64_t(height) * width > (uint64_t(1) << 30)) {
    throw InputError(imagesPath + ": unusable image size " + std::to_string(height) + "x" + std::to_string(width));
  }

  // Labels first: they are small, and a count mismatch is found before the long pixel read.
  DataFile labelsFile(labelsPath);
  const uint32_t labelCount = readHeader(labelsFile, 1, "labels")[0];
  const std::vector<unsigned char> labelBytes = labelsFile.readRest();
  checkPayload(labelsPath, labelBytes.size(), labelCount, "label bytes");
  if (labelCount != count) {
    throw InputError(imagesPath + ", " + labelsPath + ": images and labels disagree: " + std::to_string(count) +
                     " images, " + std::to_string(labelCount) + " labels");
  }

  const size_t pixelsPerImage = size_t(height) * width;
  const size_t total = size_t(count) * pixelsPerImage;
  // The header's sizes are only a claim: a file that cannot hold that many pixels is reported as truncated
  // before memory is taken for them, so a damaged header costs no more memory than the file's content.
  if (total > images.sizeBound()) checkPayload(imagesPath, images.skipRest(), total, "pixel bytes");

  ByteMatrix pixels(static_cast<Eigen::Index>(count), static_cast<Eigen::Index>(pixelsPerImage));
  adviseHugePages(pixels.data(), total);
  const size_t got = images.read(pixels.data(), total);
  checkPayload(imagesPath, got + images.skipRest(), total, "pixel bytes");

  Dataset set;
  set.name = name;
  set.shape = {1, int(height), int(width)};
  set.features = FeatureRows(std::move(pixels), pixelScale());
  set.labels.assign(labelBytes.begin(), labelBytes.end());
  set.originalIndex.resize(count);
  for (uint32_t i = 0; i < count; ++i) set.originalIndex[i] = i;
  set.classCount = *std::max_element(set.labels.begin(), set.labels.end()) + 1;
  return set;
}

}  // namespace ss
