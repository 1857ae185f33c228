#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

namespace ss {

// Bytes kept in pieces of at most kChunkBytes. A checkpoint of a large sparse model (tens or hundreds of MB) goes
// from the trainer through compression into the store this way: a contiguous buffer would double its capacity as it
// grows and be copied whole at each stage, where pieces are allocated to their size and each stage frees a piece
// once the next has taken it, so the process holds the checkpoint about once on its way to disk.
class ChunkedBytes {
 public:
  static constexpr size_t kChunkBytes = size_t(1) << 20;

  ChunkedBytes() = default;
  explicit ChunkedBytes(std::vector<uint8_t> whole) {
    size_ = whole.size();
    if (!whole.empty()) chunks_.push_back(std::move(whole));
  }

  void append(const void* data, size_t n) {
    const auto* bytes = static_cast<const uint8_t*>(data);
    size_ += n;
    while (n > 0) {
      if (chunks_.empty() || chunks_.back().size() == kChunkBytes) {
        chunks_.emplace_back();
        chunks_.back().reserve(kChunkBytes);
      }
      std::vector<uint8_t>& last = chunks_.back();
      const size_t take = std::min(n, kChunkBytes - last.size());
      last.insert(last.end(), bytes, bytes + take);
      bytes += take;
      n -= take;
    }
  }

  // A whole piece, kept as it is (a buffer filled elsewhere, handed over without a copy).
  void appendPiece(std::vector<uint8_t> piece) {
    size_ += piece.size();
    if (!piece.empty()) chunks_.push_back(std::move(piece));
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const std::vector<std::vector<uint8_t>>& chunks() const { return chunks_; }

  // The pieces, handed over one by one: each is freed as the caller moves it out, so a consumer that writes the
  // bytes elsewhere holds at most one piece of both copies at once.
  std::vector<std::vector<uint8_t>> takeChunks() && {
    size_ = 0;
    return std::move(chunks_);
  }

  // One contiguous array: for decoding and for small payloads; moves the piece out when there is only one.
  std::vector<uint8_t> contiguous() && {
    if (chunks_.size() == 1) {
      size_ = 0;
      return std::move(chunks_.front());
    }
    std::vector<uint8_t> whole;
    whole.reserve(size_);
    for (auto& chunk : chunks_) {
      whole.insert(whole.end(), chunk.begin(), chunk.end());
      std::vector<uint8_t>().swap(chunk);
    }
    chunks_.clear();
    size_ = 0;
    return whole;
  }

  // The same bytes, however they are cut into pieces.
  friend bool operator==(const ChunkedBytes& a, const ChunkedBytes& b) {
    if (a.size_ != b.size_) return false;
    size_t ai = 0, ao = 0, bi = 0, bo = 0;
    for (size_t left = a.size_; left > 0;) {
      while (ao == a.chunks_[ai].size()) ++ai, ao = 0;
      while (bo == b.chunks_[bi].size()) ++bi, bo = 0;
      const size_t n = std::min({left, a.chunks_[ai].size() - ao, b.chunks_[bi].size() - bo});
      if (std::memcmp(a.chunks_[ai].data() + ao, b.chunks_[bi].data() + bo, n) != 0) return false;
      ao += n;
      bo += n;
      left -= n;
    }
    return true;
  }

 private:
  std::vector<std::vector<uint8_t>> chunks_;
  size_t size_ = 0;
};

}  // namespace ss
