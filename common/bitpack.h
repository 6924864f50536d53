// Fixed-width bit packing of small unsigned integers, least significant bit first.
#ifndef TRAWL_COMMON_BITPACK_H_
#define TRAWL_COMMON_BITPACK_H_

#include <algorithm>
#include <array>
#include <bit>
#include <cassert>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>

namespace trawl {

inline uint32_t BitWidth(uint32_t max_value) {
  return max_value == 0 ? 0 : 32 - static_cast<uint32_t>(std::countl_zero(max_value));
}
inline size_t PackedBytes(size_t count, uint32_t width) { return (count * width + 7) / 8; }

// From how many values SumPacked sums a load at a time: fewer are cheaper one by one.
inline constexpr size_t kSumByLoadsFrom = 6;

// Appends `count` values of `width` bits each.
inline void PackBits(const uint32_t* values, size_t count, uint32_t width, std::string* out) {
  assert(width <= 32);
#ifndef NDEBUG
  for (size_t i = 0; i < count; ++i) assert(width == 32 || values[i] >> width == 0);
#endif
  size_t start = out->size();
  out->resize(start + PackedBytes(count, width), '\0');
  if (width == 0) return;
  unsigned char* p = reinterpret_cast<unsigned char*>(out->data() + start);
  uint64_t bitpos = 0;
  for (size_t i = 0; i < count; ++i, bitpos += width) {
    uint64_t v = values[i];
    size_t byte = bitpos >> 3;
    unsigned shift = bitpos & 7;
    v <<= shift;
    for (unsigned b = 0; b < (width + shift + 7) / 8; ++b) p[byte + b] |= static_cast<unsigned char>(v >> (8 * b));
  }
}

// The value at `index` of values packed `width` bits each into `bytes` bytes at `in`.
inline uint32_t UnpackOne(const char* in, size_t bytes, uint32_t width, size_t index) {
  if (width == 0) return 0;
  const uint64_t bitpos = static_cast<uint64_t>(index) * width;
  const size_t byte = bitpos >> 3;
  uint64_t word = 0;
  // One unaligned 8-byte load covers the value (width <= 32, shift <= 7); only the last values
  // of the buffer need a shorter copy.
  if (byte + 8 <= bytes) {
    std::memcpy(&word, in + byte, 8);
  } else {
    for (size_t b = 0; byte + b < bytes; ++b)
      word |= static_cast<uint64_t>(static_cast<unsigned char>(in[byte + b])) << (8 * b);
  }
  const uint64_t mask = width == 32 ? 0xffffffffull : ((1ull << width) - 1);
  return static_cast<uint32_t>((word >> (bitpos & 7)) & mask);
}

// Where the values of [begin, end) that one 8-byte load each can read stop (width > 0): the
// values before it start at least 8 bytes before the buffer's end. All of them, unless the
// range reaches the buffer's last bytes.
inline size_t EndOfWordLoads(size_t bytes, uint32_t width, size_t begin, size_t end) {
  if (((end - 1) * width >> 3) + 8 <= bytes) return end;
  return bytes < 8 ? begin : std::clamp<size_t>((bytes - 8) * 8 / width + 1, begin, end);
}

namespace bitpack_internal {

// Summing the fields of width w (1 to 8) that a word holds from bit 0, in place: each level
// adds every other slot to its neighbour, into slots twice as wide (a sum of two slots needs one
// bit more, and the slot doubles), until one slot holds the whole sum. masks[l] keeps the low
// (w << l) bits of every (w << (l + 1))-bit slot.
struct FieldSumMasks {
  uint64_t masks[6] = {};
  uint32_t levels = 0;
};
inline constexpr std::array<FieldSumMasks, 9> kFieldSumMasks = [] {
  std::array<FieldSumMasks, 9> table{};
  for (uint32_t w = 1; w <= 8; ++w) {
    FieldSumMasks& t = table[w];
    for (uint32_t slot = w; slot < 64; slot <<= 1) {
      uint64_t mask = 0;
      for (uint32_t at = 0; at < 64; at += 2 * slot)
        for (uint32_t bit = at; bit < at + slot && bit < 64; ++bit) mask |= uint64_t{1} << bit;
      t.masks[t.levels++] = mask;
    }
  }
  return table;
}();

// How many whole fields of width w one load holds from its first value's bit (at least 57 bits
// remain after the shift of up to 7).
inline constexpr uint32_t kFieldsPerLoad[9] = {0, 57, 28, 19, 14, 11, 9, 8, 7};

// SumPacked's values [i, stop) of width W (1 to 8), a load at a time: the masks and the levels
// are constants.
template <uint32_t W>
inline uint64_t SumPackedByLoads(const char* in, size_t i, size_t stop) {
  constexpr FieldSumMasks kT = kFieldSumMasks[W];
  constexpr size_t kPerLoad = kFieldsPerLoad[W];
  uint64_t bitpos = static_cast<uint64_t>(i) * W;
  uint64_t sum = 0;
  while (i < stop) {
    // The load at value i's byte holds the values after it up to kPerLoad, all before stop.
    const size_t n = std::min(kPerLoad, stop - i);
    uint64_t word;
    std::memcpy(&word, in + (bitpos >> 3), 8);
    word = (word >> (bitpos & 7)) & ((uint64_t{1} << (n * W)) - 1);
    [&]<size_t... L>(std::index_sequence<L...>) {
      ((word = (word & kT.masks[L]) + ((word >> (W << L)) & kT.masks[L])), ...);
    }
    (std::make_index_sequence<kT.levels>());
    sum += word;
    i += n;
    bitpos += n * W;
  }
  return sum;
}

inline uint64_t SumPackedByLoads(const char* in, uint32_t width, size_t i, size_t stop) {
  switch (width) {
    case 1:
      return SumPackedByLoads<1>(in, i, stop);
    case 2:
      return SumPackedByLoads<2>(in, i, stop);
    case 3:
      return SumPackedByLoads<3>(in, i, stop);
    case 4:
      return SumPackedByLoads<4>(in, i, stop);
    case 5:
      return SumPackedByLoads<5>(in, i, stop);
    case 6:
      return SumPackedByLoads<6>(in, i, stop);
    case 7:
      return SumPackedByLoads<7>(in, i, stop);
    default:
      return SumPackedByLoads<8>(in, i, stop);
  }
}

}  // namespace bitpack_internal

// The sum of the values at indexes [begin, end): one load per value, no per-value setup (a
// posting cursor sums a block's frequencies to skip the positions of the postings it passes).
// Many values of up to 8 bits are summed a load at a time instead.
inline uint64_t SumPacked(const char* in, size_t bytes, uint32_t width, size_t begin, size_t end) {
  if (width == 0 || begin >= end) return 0;
  const uint64_t mask = width == 32 ? 0xffffffffull : ((1ull << width) - 1);
  const size_t stop = EndOfWordLoads(bytes, width, begin, end);
  uint64_t sum = 0;
  uint64_t bitpos = static_cast<uint64_t>(begin) * width;
  size_t i = begin;
  if (stop - i >= kSumByLoadsFrom && width <= 8) {
    sum = bitpack_internal::SumPackedByLoads(in, width, i, stop);
    i = stop;
  }
  for (; i < stop; ++i) {
    uint64_t word;
    std::memcpy(&word, in + (bitpos >> 3), 8);
    sum += (word >> (bitpos & 7)) & mask;
    bitpos += width;
  }
  for (; i < end; ++i) sum += UnpackOne(in, bytes, width, i);  // the buffer's last bytes
  return sum;
}

// The values at indexes [begin, end) into out[0, end - begin), as SumPacked reads them: one
// load per value while 8 bytes remain, the buffer's last bytes one at a time.
inline void UnpackRangeByValue(const char* in, size_t bytes, uint32_t width, size_t begin,
                               size_t end, uint32_t* out) {
  if (begin >= end) return;
  if (width == 0) {
    std::fill(out, out + (end - begin), 0u);
    return;
  }
  const uint64_t mask = width == 32 ? 0xffffffffull : ((1ull << width) - 1);
  const size_t stop = EndOfWordLoads(bytes, width, begin, end);
  uint64_t bitpos = static_cast<uint64_t>(begin) * width;
  size_t i = begin;
  for (; i < stop; ++i, bitpos += width) {
    uint64_t word;
    std::memcpy(&word, in + (bitpos >> 3), 8);
    out[i - begin] = static_cast<uint32_t>((word >> (bitpos & 7)) & mask);
  }
  for (; i < end; ++i) out[i - begin] = UnpackOne(in, bytes, width, i);
}

namespace bitpack_internal {

// 32 values of W bits, the first at bit 0 of `in`: every load offset, shift and mask is a
// constant, about four instructions a value instead of a dozen. Reads (31 * W) / 8 + 8 bytes.
template <uint32_t W, size_t... J>
inline void Unpack32(const char* in, uint32_t* out, std::index_sequence<J...>) {
  constexpr uint64_t kMask = W == 32 ? 0xffffffffull : (uint64_t{1} << W) - 1;
  auto value = [in](size_t bit) {
    uint64_t word;
    std::memcpy(&word, in + bit / 8, 8);
    return static_cast<uint32_t>((word >> (bit % 8)) & kMask);
  };
  ((out[J] = value(J * W)), ...);
}
template <uint32_t W>
void Unpack32(const char* in, uint32_t* out) {
  Unpack32<W>(in, out, std::make_index_sequence<32>());
}
template <size_t... W>
constexpr auto MakeUnpack32Table(std::index_sequence<W...>) {
  return std::array<void (*)(const char*, uint32_t*), sizeof...(W)>{&Unpack32<W>...};
}
// By width, 0 to 32 (0 unused: its values are all 0).
inline constexpr auto kUnpack32 = MakeUnpack32Table(std::make_index_sequence<33>());

}  // namespace bitpack_internal

// UnpackRange for long ranges (a block of postings' frequencies): 32 values at a time from an
// index that is a multiple of 8 (their first bit then starts a byte), while the loads stay
// inside the buffer; the rest one at a time.
inline void UnpackRange(const char* in, size_t bytes, uint32_t width, size_t begin, size_t end,
                        uint32_t* out) {
  size_t i = begin;
  if (width != 0 && end > begin && end - begin >= 32) {
    const size_t aligned = std::min(end, (begin + 7) & ~size_t{7});
    UnpackRangeByValue(in, bytes, width, begin, aligned, out);
    const auto unpack32 = bitpack_internal::kUnpack32[width];
    for (i = aligned; i + 32 <= end && i * width / 8 + 31 * width / 8 + 8 <= bytes; i += 32)
      unpack32(in + i * width / 8, out + (i - begin));
  }
  UnpackRangeByValue(in, bytes, width, i, end, out + (i - begin));
}

// Reads `count` values of `width` bits from `in`, which must hold PackedBytes(count, width) bytes.
inline void UnpackBits(const char* in, size_t count, uint32_t width, uint32_t* values) {
  const size_t total = PackedBytes(count, width);
  for (size_t i = 0; i < count; ++i) values[i] = UnpackOne(in, total, width, i);
}

// 64-bit values, for columns: widths up to 64, so a value may span nine bytes.
inline uint32_t BitWidth64(uint64_t max_value) {
  return max_value == 0 ? 0 : 64 - static_cast<uint32_t>(std::countl_zero(max_value));
}

// Appends `count` values of `width` (<= 64) bits each, least significant bit first.
inline void PackBits64(const uint64_t* values, size_t count, uint32_t width, std::string* out) {
  assert(width <= 64);
  const size_t start = out->size();
  out->resize(start + PackedBytes(count, width), '\0');
  if (width == 0) return;
  unsigned char* p = reinterpret_cast<unsigned char*>(out->data() + start);
  uint64_t bitpos = 0;
  for (size_t i = 0; i < count; ++i, bitpos += width) {
    const uint64_t v = values[i];
    assert(width == 64 || v >> width == 0);
    const size_t byte = bitpos >> 3;
    const unsigned shift = bitpos & 7;
    const unsigned n = (width + shift + 7) / 8;  // 1 to 9 bytes
    const uint64_t low = v << shift;
    for (unsigned b = 0; b < n && b < 8; ++b) p[byte + b] |= static_cast<unsigned char>(low >> (8 * b));
    if (n == 9) p[byte + 8] |= static_cast<unsigned char>(v >> (64 - shift));
  }
}

// The value at `index` of values packed `width` (<= 64) bits each; reads only bytes [0, bytes)
// of `in` whatever the index (bits past the end read as 0), so damaged input cannot make it
// read out of bounds.
inline uint64_t UnpackOne64(const char* in, size_t bytes, uint32_t width, uint64_t index) {
  if (width == 0) return 0;
  // Overflow-free form of index * width / 8 > bytes: an index past the end reads as 0.
  if (index > (static_cast<uint64_t>(bytes) * 8) / width) return 0;
  const uint64_t bitpos = index * width;
  const size_t byte = bitpos >> 3;
  const unsigned shift = bitpos & 7;
  uint64_t word = 0;
  if (byte + 8 <= bytes) {
    std::memcpy(&word, in + byte, 8);
  } else {
    for (size_t b = 0; byte + b < bytes && b < 8; ++b)
      word |= static_cast<uint64_t>(static_cast<unsigned char>(in[byte + b])) << (8 * b);
  }
  uint64_t v = word >> shift;
  if (shift != 0 && width + shift > 64 && byte + 8 < bytes)
    v |= static_cast<uint64_t>(static_cast<unsigned char>(in[byte + 8])) << (64 - shift);
  return width == 64 ? v : v & ((uint64_t{1} << width) - 1);
}

}  // namespace trawl

#endif  // TRAWL_COMMON_BITPACK_H_
