#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace reference {

// One IDX file (the MNIST family's format): its dimensions and the unsigned bytes after the header.
struct IdxFile {
  std::vector<int> dimensions;
  std::vector<std::uint8_t> bytes;
};

// Reads a plain or gzip-compressed IDX file of unsigned bytes; throws std::runtime_error naming the file.
IdxFile readIdxFile(const std::string& path);

}  // namespace reference
