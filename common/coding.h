// Little-endian fixed-width and LEB128 varint encoding, plus a bounds-checked reader.
// Every multi-byte integer trawl writes to disk goes through these functions.
#ifndef TRAWL_COMMON_CODING_H_
#define TRAWL_COMMON_CODING_H_

#include <bit>
#include <cassert>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace trawl {

inline void PutFixed16(std::string* dst, uint16_t v) {
  char buf[2] = {static_cast<char>(v), static_cast<char>(v >> 8)};
  dst->append(buf, 2);
}
inline void PutFixed32(std::string* dst, uint32_t v) {
  char buf[4];
  for (int i = 0; i < 4; ++i) buf[i] = static_cast<char>(v >> (8 * i));
  dst->append(buf, 4);
}
inline void PutFixed64(std::string* dst, uint64_t v) {
  char buf[8];
  for (int i = 0; i < 8; ++i) buf[i] = static_cast<char>(v >> (8 * i));
  dst->append(buf, 8);
}
inline void PutVarint64(std::string* dst, uint64_t v) {
  char buf[10];
  int n = 0;
  while (v >= 0x80) {
    buf[n++] = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  buf[n++] = static_cast<char>(v);
  dst->append(buf, n);
}
inline void PutVarint32(std::string* dst, uint32_t v) { PutVarint64(dst, v); }
inline void PutLengthPrefixed(std::string* dst, std::string_view s) {
  PutVarint64(dst, s.size());
  dst->append(s.data(), s.size());
}

inline uint16_t DecodeFixed16(const char* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);  // little-endian hosts only; checked in format/file_format.cc
  return v;
}
inline uint32_t DecodeFixed32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
inline uint64_t DecodeFixed64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

// Reads from a byte range without ever leaving it. Every Read* returns false (and leaves the
// reader in an undefined position) when the bytes end early or a varint is malformed; callers
// turn that into a Corruption status naming their file.
class ByteReader {
 public:
  ByteReader() = default;
  explicit ByteReader(std::string_view data) : data_(data) {}

  size_t position() const { return pos_; }
  size_t remaining() const { return data_.size() - pos_; }
  // The bytes not read yet.
  std::string_view rest() const {
    return pos_ < data_.size() ? data_.substr(pos_) : std::string_view();
  }
  bool empty() const { return pos_ >= data_.size(); }
  // The next byte, not consumed; -1 at the end.
  int PeekByte() const {
    return pos_ < data_.size() ? static_cast<unsigned char>(data_[pos_]) : -1;
  }
  bool Seek(size_t pos) {
    if (pos > data_.size()) return false;
    pos_ = pos;
    return true;
  }

  bool ReadFixed16(uint16_t* v) {
    if (remaining() < 2) return false;
    *v = DecodeFixed16(data_.data() + pos_);
    pos_ += 2;
    return true;
  }
  bool ReadFixed32(uint32_t* v) {
    if (remaining() < 4) return false;
    *v = DecodeFixed32(data_.data() + pos_);
    pos_ += 4;
    return true;
  }
  bool ReadFixed64(uint64_t* v) {
    if (remaining() < 8) return false;
    *v = DecodeFixed64(data_.data() + pos_);
    pos_ += 8;
    return true;
  }
  bool ReadVarint64(uint64_t* v) {
    if (pos_ < data_.size() && static_cast<unsigned char>(data_[pos_]) < 0x80) {
      *v = static_cast<unsigned char>(data_[pos_++]);  // most are lengths and small counts
      return true;
    }
    uint64_t result = 0;
    for (int shift = 0; shift <= 63 && pos_ < data_.size(); shift += 7) {
      uint64_t byte = static_cast<unsigned char>(data_[pos_++]);
      result |= (byte & 0x7f) << shift;
      if (byte < 0x80) {
        *v = result;
        return true;
      }
    }
    return false;
  }
  // The index (0 to 7) of the byte holding the n-th set bit of `ends`, which has bits only at
  // bit 7 of its bytes (the bytes that end a varint), for 1 <= n <= their count. Branchless:
  // the multiply leaves in each byte the count of ends up to it (at most 8), and adding 0x80 - n
  // sets its high bit where that count reaches n. A loop clearing n - 1 bits mispredicts its
  // exit on most seeks.
  static size_t NthVarintEnd(uint64_t ends, uint64_t n) {
    constexpr uint64_t kHighBits = 0x8080808080808080ull;
    constexpr uint64_t kSumBytes = 0x0101010101010101ull;
    assert(n >= 1 && n <= static_cast<uint64_t>(std::popcount(ends)) && (ends & ~kHighBits) == 0);
    const uint64_t counts = (ends >> 7) * kSumBytes;
    const uint64_t reached = (counts + (0x80 - n) * kSumBytes) & kHighBits;
    return static_cast<size_t>(std::countr_zero(reached) / 8);
  }
  // Skips a few varints (a dictionary entry's) byte by byte, where SkipVarints' word-at-a-time
  // loops do not pay; its callers on positions are then its only ones, and it stays inlined
  // there. False if the data ends first.
  bool SkipFewVarints(uint64_t n) {
    const unsigned char* p = reinterpret_cast<const unsigned char*>(data_.data());
    for (; n > 0; ++pos_) {
      if (pos_ >= data_.size()) return false;
      if (p[pos_] < 0x80) --n;
    }
    return true;
  }
  // Skips `n` varints without decoding them: a varint ends at each byte below 0x80, so eight
  // bytes at a time are counted at once. False if the data ends first.
  bool SkipVarints(uint64_t n) {
    const unsigned char* p = reinterpret_cast<const unsigned char*>(data_.data());
    constexpr uint64_t kHighBits = 0x8080808080808080ull;
    // Byte counts are summed by a multiply into the top byte (baseline x86-64 has no popcnt
    // instruction: std::popcount would be a library call).
    constexpr uint64_t kSumBytes = 0x0101010101010101ull;
    // Long skips (the positions of a common word in every document a phrase passes over) go 64
    // bytes at a time: with more than 64 varints to go, none of the next 64 bytes ends the last.
    while (n > 64 && data_.size() - pos_ >= 64) {
      uint64_t ends_per_byte = 0;  // per byte lane, at most 8
      for (int i = 0; i < 8; ++i) {
        uint64_t word;
        std::memcpy(&word, p + pos_ + 8 * i, 8);
        ends_per_byte += (~word & kHighBits) >> 7;
      }
      n -= (ends_per_byte * kSumBytes) >> 56;
      pos_ += 64;
    }
    while (n > 0 && data_.size() - pos_ >= 8) {
      uint64_t word;
      std::memcpy(&word, p + pos_, 8);
      uint64_t ends = ~word & kHighBits;  // one bit per byte that ends a varint (little endian)
      const uint64_t count = ((ends >> 7) * kSumBytes) >> 56;
      if (count < n) {
        n -= count;
        pos_ += 8;
        continue;
      }
      pos_ += NthVarintEnd(ends, n) + 1;
      return true;
    }
    return SkipFewVarints(n);  // the buffer's last bytes
  }
  // Moves to where the last `n` varints before byte `end` start (end itself for n = 0): the
  // mirror of SkipVarints, for a place nearer the end of a range of varints than the reader.
  // Scans back from `end`, which must end a varint. False if fewer than `n` varints lie between
  // the current position and `end`.
  bool SeekBeforeVarints(size_t end, uint64_t n) {
    if (end > data_.size() || end < pos_) return false;
    const unsigned char* p = reinterpret_cast<const unsigned char*>(data_.data());
    constexpr uint64_t kHighBits = 0x8080808080808080ull;
    constexpr uint64_t kSumBytes = 0x0101010101010101ull;
    // The varints start right after the (n+1)-th varint end back from `end`, or at the current
    // position if only n lie in between.
    uint64_t ends_to_find = n + 1;
    size_t at = end;  // bytes [at, end) are counted
    while (ends_to_find > 64 && at - pos_ >= 64) {
      uint64_t ends_per_byte = 0;
      for (int i = 1; i <= 8; ++i) {
        uint64_t word;
        std::memcpy(&word, p + at - 8 * i, 8);
        ends_per_byte += (~word & kHighBits) >> 7;
      }
      ends_to_find -= (ends_per_byte * kSumBytes) >> 56;
      at -= 64;
    }
    while (at - pos_ >= 8) {
      uint64_t word;
      std::memcpy(&word, p + at - 8, 8);
      uint64_t ends = ~word & kHighBits;
      const uint64_t count = ((ends >> 7) * kSumBytes) >> 56;
      if (count < ends_to_find) {
        ends_to_find -= count;
        at -= 8;
        continue;
      }
      // Byte-swapped, the word reads back from `end`: the end sought lies in its byte j, which
      // is byte 7 - j of the bytes [at - 8, at), and the varints start on the byte after it,
      // at - 8 + (7 - j) + 1 = at - j.
      pos_ = at - NthVarintEnd(__builtin_bswap64(ends), ends_to_find);
      return true;
    }
    while (at > pos_) {
      if (p[--at] < 0x80 && --ends_to_find == 0) {
        pos_ = at + 1;
        return true;
      }
    }
    return ends_to_find == 1;  // exactly n: they start here
  }
  bool ReadVarint32(uint32_t* v) {
    if (pos_ < data_.size() && static_cast<unsigned char>(data_[pos_]) < 0x80) {
      *v = static_cast<unsigned char>(data_[pos_++]);
      return true;
    }
    uint64_t v64;
    if (!ReadVarint64(&v64) || v64 > 0xffffffffu) return false;
    *v = static_cast<uint32_t>(v64);
    return true;
  }
  bool ReadBytes(size_t n, std::string_view* out) {
    if (remaining() < n) return false;
    *out = data_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  bool ReadLengthPrefixed(std::string_view* out) {
    uint64_t n;
    return ReadVarint64(&n) && n <= remaining() && ReadBytes(static_cast<size_t>(n), out);
  }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

}  // namespace trawl

#endif  // TRAWL_COMMON_CODING_H_
