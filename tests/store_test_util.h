// Helpers shared by the store's tests.
#ifndef TRAWL_TESTS_STORE_TEST_UTIL_H_
#define TRAWL_TESTS_STORE_TEST_UTIL_H_

#include <cstddef>
#include <iterator>
#include <random>
#include <string>

namespace trawl {

// `bytes` bytes of text that compresses as prose does (Huffman-coded literals, matches), with
// multi-byte UTF-8 and line breaks; the last word may be cut.
inline std::string ProseText(std::mt19937* rng, size_t bytes) {
  static const char* const kWords[] = {"river",  "stone", "bridge", "lamp",  "north",
                                       "quiet",  "copper", "field", "amber", "willow",
                                       "é",      "日本語"};
  std::string s;
  while (s.size() < bytes) {
    s += kWords[(*rng)() % std::size(kWords)];
    s += (*rng)() % 9 == 0 ? '\n' : ' ';
  }
  s.resize(bytes);
  return s;
}

}  // namespace trawl

#endif  // TRAWL_TESTS_STORE_TEST_UTIL_H_
