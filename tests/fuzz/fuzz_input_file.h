#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

// The data readers take paths, not bytes, so each fuzz input is written to a file first. One file per process
// and name, reused for every input: fuzzers running side by side do not share files, and none pile up.
class FuzzInputFile {
 public:
  explicit FuzzInputFile(const std::string& name)
      : path_((std::filesystem::temp_directory_path() / ("sparsescope-fuzz-" + std::to_string(getpid()) + "-" + name))
                  .string()) {}
  ~FuzzInputFile() { std::remove(path_.c_str()); }
  FuzzInputFile(const FuzzInputFile&) = delete;
  FuzzInputFile& operator=(const FuzzInputFile&) = delete;

  const std::string& write(const uint8_t* data, size_t size) {
    std::FILE* file = std::fopen(path_.c_str(), "wb");
    if (!file) std::abort();
    if (size && std::fwrite(data, 1, size, file) != size) std::abort();
    std::fclose(file);
    return path_;
  }

 private:
  std::string path_;
};
