#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ss {

// Reads a data file from start to end, gunzipping it on the fly when it starts with the gzip magic
// bytes (the name is not consulted: "train-images-idx3-ubyte" may be compressed, "x.gz" raw).
// Streaming lets a reader convert pixels chunk by chunk instead of holding the whole file twice.
// Every failure throws InputError naming the path: missing, unreadable, damaged or cut-off gzip.
class DataFile {
 public:
  explicit DataFile(const std::string& path);
  ~DataFile();
  DataFile(const DataFile&) = delete;
  DataFile& operator=(const DataFile&) = delete;

  // Fills dst with up to n bytes; fewer only when the data ends.
  size_t read(unsigned char* dst, size_t n);
  // All the bytes not read yet.
  std::vector<unsigned char> readRest();
  // Reads and discards the rest, returning how many bytes there were.
  uint64_t skipRest();
  // No more bytes than this can come out of the file: its size when raw, deflate's best ratio times it when
  // gzipped. Readers compare a header's claims with it before taking memory for them.
  uint64_t sizeBound() const;

  const std::string& path() const { return path_; }

 private:
  bool fillInput();
  size_t readRaw(unsigned char* dst, size_t n);
  size_t readGzip(unsigned char* dst, size_t n);

  std::string path_;
  std::optional<uint64_t> fileSize_;  // unknown for pipes and other files that are not regular
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file_;
  std::vector<unsigned char> input_;
  size_t inputPos_ = 0;
  size_t inputEnd_ = 0;
  bool gzip_ = false;
  bool streamEnded_ = false;
  struct Inflater;
  std::unique_ptr<Inflater> inflater_;
};

// Every file's whole content (gunzipped when compressed), for readers that parse it all at once.
std::vector<unsigned char> readDataFile(const std::string& path);

// The path of `file` in the folder `dir` of a standard data set. Throws InputError naming the folder when it does
// not exist, else the file when that does not, followed by `hint`: what the folder must hold and where to get it.
std::string requireDataFile(const std::string& dir, const std::string& file, const std::string& hint);

}  // namespace ss
