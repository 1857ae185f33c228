#pragma once

#include <QTemporaryDir>
#include <cstdint>
#include <fstream>
#include <initializer_list>
#include <string>
#include <vector>

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
