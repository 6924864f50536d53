#include "common/hash.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace trawl {
namespace {

// Every byte of every length up to a few 16-byte steps reaches the hash: a load that skipped a
// byte, or a step that dropped one, would give a changed byte the same hash.
TEST(HashBytesTest, EveryByteAndTheLengthChangeTheHash) {
  std::string base;
  for (int i = 0; i < 70; ++i) base.push_back(static_cast<char>('a' + i % 26));
  for (size_t n = 0; n <= base.size(); ++n) {
    const std::string s = base.substr(0, n);
    const uint64_t h = HashBytes(s);
    EXPECT_EQ(h, HashBytes(std::string(s))) << n;
    for (size_t i = 0; i < n; ++i) {
      for (const char c : {'\0', 'A', '\xFF'}) {
        std::string t = s;
        t[i] = c;
        if (t == s) continue;
        EXPECT_NE(HashBytes(t), h) << n << " changed at " << i;
      }
    }
  }
  // Zero bytes read as padding would make these equal but for the length.
  std::set<uint64_t> zeros;
  for (size_t n = 0; n <= 70; ++n) zeros.insert(HashBytes(std::string(n, '\0')));
  EXPECT_EQ(zeros.size(), 71u);
}

}  // namespace
}  // namespace trawl
