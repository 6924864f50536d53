// Copies and compares of a few bytes whose count is known only at run time, for the per-token
// paths of indexing (a word's stem memo key, a term's text in the postings buffer). Each is two
// fixed-size moves or loads that overlap in the middle, a few instructions where memcpy or
// memcmp of the count is a library call per token.
#ifndef TRAWL_COMMON_SHORT_BYTES_H_
#define TRAWL_COMMON_SHORT_BYTES_H_

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>

namespace trawl {

inline constexpr size_t kMaxShortBytes = 32;

// to[0, n) = from[0, n), for n <= kMaxShortBytes; the ranges must not overlap.
inline void CopyShortBytes(char* to, const char* from, size_t n) {
  assert(n <= kMaxShortBytes);
  if (n >= 16) {
    std::memcpy(to, from, 16);
    std::memcpy(to + n - 16, from + n - 16, 16);
  } else if (n >= 8) {
    std::memcpy(to, from, 8);
    std::memcpy(to + n - 8, from + n - 8, 8);
  } else if (n >= 4) {
    std::memcpy(to, from, 4);
    std::memcpy(to + n - 4, from + n - 4, 4);
  } else if (n > 0) {
    to[0] = from[0];
    to[n / 2] = from[n / 2];
    to[n - 1] = from[n - 1];
  }
}

// Whether a[0, n) == b[0, n), for n <= kMaxShortBytes.
inline bool ShortBytesEqual(const char* a, const char* b, size_t n) {
  assert(n <= kMaxShortBytes);
  if (n >= 16) {
    return std::memcmp(a, b, 16) == 0 && std::memcmp(a + n - 16, b + n - 16, 16) == 0;
  }
  if (n >= 8) return std::memcmp(a, b, 8) == 0 && std::memcmp(a + n - 8, b + n - 8, 8) == 0;
  if (n >= 4) return std::memcmp(a, b, 4) == 0 && std::memcmp(a + n - 4, b + n - 4, 4) == 0;
  return n == 0 || (a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1]);
}

// Tokens' bytes appended back to back into storage kept for reuse: an append is a capacity
// check and CopyShortBytes, where std::string's is a library call.
class ShortBytesBuffer {
 public:
  void clear() { size_ = 0; }
  size_t size() const { return size_; }
  const char* data() const { return data_.get(); }
  void Append(std::string_view bytes) {
    if (bytes.size() > capacity_ - size_) Reserve(size_ + bytes.size());
    if (bytes.size() <= kMaxShortBytes) {
      CopyShortBytes(data_.get() + size_, bytes.data(), bytes.size());
    } else {
      std::memcpy(data_.get() + size_, bytes.data(), bytes.size());
    }
    size_ += bytes.size();
  }

 private:
  void Reserve(size_t bytes) {
    const size_t capacity = std::max({bytes, 2 * capacity_, size_t{1024}});
    std::unique_ptr<char[]> data = std::make_unique_for_overwrite<char[]>(capacity);
    if (size_ > 0) std::memcpy(data.get(), data_.get(), size_);
    data_ = std::move(data);
    capacity_ = capacity;
  }

  std::unique_ptr<char[]> data_;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

}  // namespace trawl

#endif  // TRAWL_COMMON_SHORT_BYTES_H_
