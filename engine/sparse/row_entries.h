#pragma once

#include <algorithm>
#include <cstdint>

namespace ss {

// Where the entries of each row of a sparse matrix are and which column each one sits in, for the
// kernels of sparse_kernels.h. Every layout keeps its values in row-major order of the active positions
// (so optimizer state, checkpoints and mask changes see one order whatever the layout); they differ in
// how little index data they need to find an entry's column. row(r) returns a view with the row's
// entry range [begin, end) and column(e) for e in it.

// Exact x / d for x < 2^24 and d < 2^16, as a multiply and a shift: the N:M and block layouts find an
// entry's group this way in the kernels' inner loops, where a division would cost more than the
// multiply-adds it feeds.
struct SmallDivisor {
  uint64_t magic = 0;
  explicit SmallDivisor(int d) : magic((uint64_t(1) << 40) / uint64_t(d) + 1) {}
  int32_t operator()(int32_t x) const { return int32_t((uint64_t(uint32_t(x)) * magic) >> 40); }
};

// CSR: the entries of row r are [rowStart[r], rowStart[r + 1]); entry e sits in column index[e].
template <typename Index>
struct CsrRows {
  const int32_t* rowStart;
  const Index* index;

  struct Row {
    int32_t begin, end;
    const Index* index;
    int32_t column(int32_t e) const { return int32_t(index[e]); }
  };
  Row row(int r) const { return {rowStart[r], rowStart[r + 1], index}; }
  int64_t entryCount(int rows) const { return rowStart[rows]; }
};

// N:M groups: every row holds the same number of entries (n per full run of m inputs, the scheme's share
// of a shorter last run), so row r starts at r * perRow without a row pointer, and entry e's column is
// its group's first input plus its one-byte position within the group. kOnePerGroup (n = 1, as in 1:4
// or 1:8) makes the entry's group its index in the row, with no division: the kernels' inner loops already
// spend an integer multiply per entry on the row offset, and the division would add two more.
template <bool kOnePerGroup>
struct NmRows {
  const uint8_t* position;
  int32_t perRow;
  int m;
  SmallDivisor perGroup;  // n

  struct Row {
    int32_t begin, end;
    const uint8_t* position;
    int m;
    SmallDivisor perGroup;
    int32_t column(int32_t e) const {
      const int32_t group = kOnePerGroup ? e - begin : perGroup(e - begin);
      return group * m + position[e];
    }
  };
  Row row(int r) const { return {r * perRow, (r + 1) * perRow, position, m, perGroup}; }
  int64_t entryCount(int rows) const { return int64_t(rows) * perRow; }
};

// Blocks of height x width: the rows are cut into groups of `height`, and all rows of a group keep the
// same blocks, so a group stores one column-segment number per block (segment = column / width). Row i
// of group g holds its blocks' entries left to right from entryStart[g] + i * (that group's row length).
// kOneColumn (width 1, as in 4x1 and 8x1 blocks) makes the segment the column and needs no division.
template <typename Index, bool kOneColumn>
struct BlockRows {
  const int32_t* entryStart;  // per row group, and one past the last: its first entry
  const int32_t* blockStart;  // per row group, and one past the last: its first block
  const Index* segment;       // per block
  int rows, height, width;
  SmallDivisor perBlock;  // width

  struct Row {
    int32_t begin, end;
    const Index* segment;
    int width;
    SmallDivisor perBlock;
    int32_t column(int32_t e) const {
      const int32_t local = e - begin;
      if constexpr (kOneColumn) return int32_t(segment[local]);
      const int32_t block = perBlock(local);
      return int32_t(segment[block]) * width + (local - block * width);
    }
  };
  Row row(int r) const {
    const int g = r / height, first = g * height, groupRows = std::min(height, rows - first);
    const int32_t length = (entryStart[g + 1] - entryStart[g]) / groupRows;
    const int32_t begin = entryStart[g] + (r - first) * length;
    return {begin, begin + length, segment + blockStart[g], width, perBlock};
  }
  int64_t entryCount(int) const { return entryStart[(rows + height - 1) / height]; }
};

}  // namespace ss
