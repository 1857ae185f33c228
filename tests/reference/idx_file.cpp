#include "idx_file.h"

#include <zlib.h>

#include <algorithm>
#include <memory>
#include <stdexcept>

namespace reference {
namespace {

struct GzCloser {
  void operator()(gzFile_s* file) const { gzclose(file); }
};

void readExactly(gzFile file, void* into, std::size_t count, const std::string& path) {
  auto* out = static_cast<char*>(into);
  while (count > 0) {
    // gzread takes an unsigned count: read a big payload in pieces.
    const unsigned piece = static_cast<unsigned>(std::min<std::size_t>(count, 1u << 30));
    const int got = gzread(file, out, piece);
    if (got <= 0) throw std::runtime_error(path + ": file ends before its header says");
    out += got;
    count -= static_cast<std::size_t>(got);
  }
}

std::uint32_t bigEndian(const unsigned char* b) {
  return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) | b[3];
}

}  // namespace

IdxFile readIdxFile(const std::string& path) {
  // gzopen reads uncompressed files transparently, so both the Debian package's .gz and unpacked copies work.
  std::unique_ptr<gzFile_s, GzCloser> file(gzopen(path.c_str(), "rb"));
  if (!file) throw std::runtime_error(path + ": cannot open");
  unsigned char magic[4];
  readExactly(file.get(), magic, 4, path);
  const int unsignedBytes = 0x08;
  if (magic[0] != 0 || magic[1] != 0 || magic[2] != unsignedBytes || magic[3] == 0)
    throw std::runtime_error(path + ": not an IDX file of unsigned bytes");
  IdxFile idx;
  std::size_t total = 1;
  for (int i = 0; i < magic[3]; ++i) {
    unsigned char size[4];
    readExactly(file.get(), size, 4, path);
    idx.dimensions.push_back(static_cast<int>(bigEndian(size)));
    total *= idx.dimensions.back();
  }
  idx.bytes.resize(total);
  readExactly(file.get(), idx.bytes.data(), total, path);
  return idx;
}

}  // namespace reference
