// Hashes for the tables indexing probes once per token (the stem memo, the postings buffer's
// terms): a few multiplies over fixed-size loads, where std::hash's byte loop is a library call
// of about fifty instructions for a word. Not seeded: a table that uses them must stay correct
// when keys collide.
#ifndef TRAWL_COMMON_HASH_H_
#define TRAWL_COMMON_HASH_H_

#include <cstdint>
#include <string_view>

#include "common/coding.h"

namespace trawl {

// 64 x 64 -> 128-bit multiply, folded: every output bit depends on every input bit of both.
inline uint64_t MultiplyFold(uint64_t a, uint64_t b) {
  const unsigned __int128 product = static_cast<unsigned __int128>(a) * b;
  return static_cast<uint64_t>(product) ^ static_cast<uint64_t>(product >> 64);
}

// Odd constants with well-spread bits (from the fractional digits of pi), mixed into the keys
// of HashBytes and of the stem memo's hash (analysis/stem_memo.h).
inline constexpr uint64_t kHashConstants[] = {0x243F6A8885A308D3, 0x13198A2E03707345,
                                              0xA4093822299F31D1, 0x082EFA98EC4E6C89,
                                              0x452821E638D01377};

// A hash of any bytes. Up to 16 bytes are read as two loads that overlap in the middle (as
// common/short_bytes.h copies), longer ones 16 bytes at a time and then their last 16; the
// length is mixed in, so that loads which overlap differently do not collide.
inline uint64_t HashBytes(std::string_view bytes) {
  const uint64_t* k = kHashConstants;
  // The byte order of the loads does not matter to a hash.
  const auto Load64 = DecodeFixed64;
  const auto Load32 = DecodeFixed32;
  const char* const p = bytes.data();
  const size_t n = bytes.size();
  uint64_t a = 0, b = 0, seed = k[0];
  if (n > 16) {
    for (size_t i = 0; i + 16 < n; i += 16)
      seed = MultiplyFold(Load64(p + i) ^ k[1] ^ seed, Load64(p + i + 8) ^ k[2]);
    a = Load64(p + n - 16);
    b = Load64(p + n - 8);
  } else if (n >= 8) {
    a = Load64(p);
    b = Load64(p + n - 8);
  } else if (n >= 4) {
    a = Load32(p);
    b = Load32(p + n - 4);
  } else if (n > 0) {
    a = uint64_t{static_cast<unsigned char>(p[0])} |
        uint64_t{static_cast<unsigned char>(p[n / 2])} << 8 |
        uint64_t{static_cast<unsigned char>(p[n - 1])} << 16;
  }
  return MultiplyFold(MultiplyFold(a ^ seed, b ^ k[3] ^ n), k[4]);
}

}  // namespace trawl

#endif  // TRAWL_COMMON_HASH_H_
