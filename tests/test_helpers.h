#pragma once

#include <QTemporaryDir>
#include <fstream>
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
