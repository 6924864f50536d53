// Fixed-width bit packing of small unsigned integers, least significant bit first.
#ifndef TRAWL_COMMON_BITPACK_H_
#define TRAWL_COMMON_BITPACK_H_

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>

namespace trawl {

inline uint32_t BitWidth(uint32_t max_value) {
  return max_value == 0 ? 0 : 32 - static_cast<uint32_t>(std::countl_zero(max_value));
}
inline size_t PackedBytes(size_t count, uint32_t width) { return (count * width + 7) / 8; }

// Appends `count` values of `width` bits each.
inline void PackBits(const uint32_t* values, size_t count, uint32_t width, std::string* out) {
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

// Reads `count` values of `width` bits from `in`, which must hold PackedBytes(count, width) bytes.
inline void UnpackBits(const char* in, size_t count, uint32_t width, uint32_t* values) {
  if (width == 0) {
    for (size_t i = 0; i < count; ++i) values[i] = 0;
    return;
  }
  const unsigned char* p = reinterpret_cast<const unsigned char*>(in);
  const size_t total = PackedBytes(count, width);
  const uint64_t mask = width == 32 ? 0xffffffffull : ((1ull << width) - 1);
  uint64_t bitpos = 0;
  for (size_t i = 0; i < count; ++i, bitpos += width) {
    size_t byte = bitpos >> 3;
    uint64_t word = 0;
    size_t n = total - byte < 8 ? total - byte : 8;
    std::memcpy(&word, p + byte, n);
    values[i] = static_cast<uint32_t>((word >> (bitpos & 7)) & mask);
  }
}

}  // namespace trawl

#endif  // TRAWL_COMMON_BITPACK_H_
