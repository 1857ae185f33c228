#include "data/data_file.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/error.h"

namespace ss {

namespace {
constexpr size_t kInputChunk = size_t(1) << 18;
// zlib counts output in 32-bit unsigned ints.
constexpr size_t kMaxInflateSlice = size_t(1) << 30;
// Deflate compresses at most about 1032:1, which bounds a size taken on trust from a gzip trailer.
constexpr uint64_t kMaxDeflateRatio = 1032;

// How many bytes a file holds once gunzipped: the gzip trailer's last four bytes give it modulo 2^32
// (for the last member), good enough as a first buffer size.
size_t gunzippedSizeHint(std::FILE* file, uint64_t fileSize) {
  const long here = std::ftell(file);
  unsigned char trailer[4] = {};
  const bool ok = fileSize >= 18 && std::fseek(file, -4, SEEK_END) == 0 && std::fread(trailer, 1, 4, file) == 4;
  std::fseek(file, here, SEEK_SET);
  if (!ok) return size_t(fileSize * 4);
  const uint64_t size =
      uint64_t(trailer[0]) | uint64_t(trailer[1]) << 8 | uint64_t(trailer[2]) << 16 | uint64_t(trailer[3]) << 24;
  return size_t(std::min(size, fileSize * kMaxDeflateRatio));
}
}  // namespace

struct DataFile::Inflater {
  z_stream z{};
  ~Inflater() { inflateEnd(&z); }
};

DataFile::DataFile(const std::string& path) : path_(path), file_(nullptr, &std::fclose) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) throw InputError(path + ": no such file");
  if (std::filesystem::is_directory(status)) throw InputError(path + ": is a folder, not a file");
  file_.reset(std::fopen(path.c_str(), "rb"));
  if (!file_) throw InputError(path + ": cannot open: " + std::strerror(errno));
  if (const uint64_t size = std::filesystem::file_size(path, ec); !ec) fileSize_ = size;
  // A small file gets a buffer of its own size: zeroing 256 KB for a 40-byte CSV was most of its reading time.
  input_.resize(fileSize_ ? size_t(std::min<uint64_t>(kInputChunk, *fileSize_ + 1)) : kInputChunk);

  fillInput();
  gzip_ = inputEnd_ >= 2 && input_[0] == 0x1f && input_[1] == 0x8b;
  if (gzip_) {
    inflater_ = std::make_unique<Inflater>();
    if (inflateInit2(&inflater_->z, 16 + MAX_WBITS) != Z_OK) {
      throw InputError(path + ": cannot start gzip decompression");
    }
  }
}

DataFile::~DataFile() = default;

bool DataFile::fillInput() {
  inputPos_ = 0;
  inputEnd_ = std::fread(input_.data(), 1, input_.size(), file_.get());
  if (std::ferror(file_.get())) throw InputError(path_ + ": read error: " + std::strerror(errno));
  return inputEnd_ > 0;
}

size_t DataFile::read(unsigned char* dst, size_t n) {
  return gzip_ ? readGzip(dst, n) : readRaw(dst, n);
}

size_t DataFile::readRaw(unsigned char* dst, size_t n) {
  const size_t buffered = std::min(n, inputEnd_ - inputPos_);
  std::memcpy(dst, input_.data() + inputPos_, buffered);
  inputPos_ += buffered;
  size_t got = buffered;
  if (got < n) {
    got += std::fread(dst + got, 1, n - got, file_.get());
    if (std::ferror(file_.get())) throw InputError(path_ + ": read error: " + std::strerror(errno));
  }
  return got;
}

size_t DataFile::readGzip(unsigned char* dst, size_t n) {
  z_stream& z = inflater_->z;
  size_t got = 0;
  while (got < n && !streamEnded_) {
    if (inputPos_ == inputEnd_ && !fillInput()) {
      throw InputError(path_ + ": truncated gzip stream: compressed data ends early");
    }
    const size_t slice = std::min(kMaxInflateSlice, n - got);
    z.next_in = input_.data() + inputPos_;
    z.avail_in = static_cast<uInt>(inputEnd_ - inputPos_);
    z.next_out = dst + got;
    z.avail_out = static_cast<uInt>(slice);
    const int rc = inflate(&z, Z_NO_FLUSH);
    inputPos_ = inputEnd_ - z.avail_in;
    got += slice - z.avail_out;
    if (rc == Z_STREAM_END) {
      // gzip allows several members one after another; anything else after the end is ignored, as gzip does.
      if (inputPos_ == inputEnd_) fillInput();
      if (inputEnd_ - inputPos_ >= 2 && input_[inputPos_] == 0x1f && input_[inputPos_ + 1] == 0x8b) {
        inflateReset(&z);
      } else {
        streamEnded_ = true;
      }
    } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
      throw InputError(path_ + ": damaged gzip stream: " + (z.msg ? z.msg : "inflate error " + std::to_string(rc)));
    }
  }
  return got;
}

uint64_t DataFile::sizeBound() const {
  if (!fileSize_) return UINT64_MAX;
  return gzip_ ? *fileSize_ * kMaxDeflateRatio : *fileSize_;
}

std::vector<unsigned char> DataFile::readRest() {
  const size_t guess = !fileSize_ ? kInputChunk
                       : gzip_    ? gunzippedSizeHint(file_.get(), *fileSize_)
                                  : size_t(*fileSize_);
  // One byte more than the guess, so a right guess is confirmed without growing the buffer.
  std::vector<unsigned char> out(guess + 1);
  size_t filled = 0;
  for (;;) {
    filled += read(out.data() + filled, out.size() - filled);
    if (filled < out.size()) break;
    out.resize(std::max(kInputChunk, out.size() * 2));
  }
  out.resize(filled);
  return out;
}

uint64_t DataFile::skipRest() {
  std::vector<unsigned char> sink(kInputChunk);
  uint64_t total = 0;
  size_t got = 0;
  while ((got = read(sink.data(), sink.size())) > 0) total += got;
  return total;
}

std::vector<unsigned char> readDataFile(const std::string& path) {
  DataFile file(path);
  return file.readRest();
}

std::string requireDataFile(const std::string& dir, const std::string& file, const std::string& hint) {
  if (!std::filesystem::is_directory(dir)) throw InputError(dir + ": data folder not found" + hint);
  const std::string path = (std::filesystem::path(dir) / file).string();
  if (!std::filesystem::exists(path)) throw InputError(path + ": data file not found" + hint);
  return path;
}

}  // namespace ss
