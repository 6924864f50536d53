#include "common/short_bytes.h"

#include <gtest/gtest.h>

#include <string>

namespace trawl {
namespace {

// Every count up to kMaxShortBytes, against the plain comparison: equal bytes, one byte changed
// at each place inside the count, and bytes past it changed (which must not matter).
TEST(ShortBytesTest, EqualMatchesMemcmpForEveryCountAndEveryChangedByte) {
  const std::string a = "abcdefghijklmnopqrstuvwxyz0123456789";
  for (size_t n = 0; n <= kMaxShortBytes; ++n) {
    std::string b = a;
    EXPECT_TRUE(ShortBytesEqual(a.data(), b.data(), n)) << n;
    for (size_t i = n; i < b.size(); ++i) b[i] = '#';
    EXPECT_TRUE(ShortBytesEqual(a.data(), b.data(), n)) << n << " past the count";
    for (size_t i = 0; i < n; ++i) {
      std::string c = a;
      c[i] ^= 0x20;
      EXPECT_FALSE(ShortBytesEqual(a.data(), c.data(), n)) << n << " changed at " << i;
    }
  }
}

TEST(ShortBytesTest, CopyWritesExactlyTheCount) {
  const std::string from = "ABCDEFGHIJKLMNOPQRSTUVWXYZ!@#$%^&*()";
  for (size_t n = 0; n <= kMaxShortBytes; ++n) {
    std::string to(from.size() + 8, '.');
    CopyShortBytes(to.data() + 4, from.data(), n);
    EXPECT_EQ(to.substr(0, 4), "....") << n;
    EXPECT_EQ(to.substr(4, n), from.substr(0, n)) << n;
    EXPECT_EQ(to.substr(4 + n), std::string(to.size() - 4 - n, '.')) << n;
  }
}

// Appends of every size up to and past the short copies, across growths: the bytes are those
// of a string appended the same way, and clear() starts over with what was reserved.
TEST(ShortBytesTest, BufferHoldsWhatWasAppended) {
  ShortBytesBuffer buffer;
  EXPECT_EQ(buffer.size(), 0u);
  buffer.Append("");
  EXPECT_EQ(buffer.size(), 0u);
  for (int round = 0; round < 2; ++round) {
    std::string want;
    for (size_t n = 0; n < 3000; n += 1 + n / 8) {
      std::string piece;
      for (size_t i = 0; i < n; ++i) piece += static_cast<char>('a' + (i * 7 + n) % 26);
      buffer.Append(piece);
      want += piece;
      ASSERT_EQ(std::string_view(buffer.data(), buffer.size()), want) << n;
    }
    buffer.clear();
    EXPECT_EQ(buffer.size(), 0u);
  }
}

}  // namespace
}  // namespace trawl
