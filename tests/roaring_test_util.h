// Roaring bitmaps for tests: random ones of every container kind (through CRoaring) and
// hand-built bytes with inconsistencies CRoaring never writes.
#ifndef TRAWL_TESTS_ROARING_TEST_UTIL_H_
#define TRAWL_TESTS_ROARING_TEST_UTIL_H_

#include <roaring/roaring.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace trawl {

inline constexpr uint32_t kCookieNoRuns = 12346;
inline constexpr uint32_t kCookieRuns = 12347;

struct BitmapDeleter {
  void operator()(roaring_bitmap_t* r) const { roaring_bitmap_free(r); }
};
using Bitmap = std::unique_ptr<roaring_bitmap_t, BitmapDeleter>;

inline std::string Serialize(const roaring_bitmap_t* r) {
  std::string out(roaring_bitmap_portable_size_in_bytes(r), '\0');
  const size_t n = roaring_bitmap_portable_serialize(r, out.data());
  out.resize(n);
  return out;
}

inline std::vector<uint32_t> Values(const roaring_bitmap_t* r) {
  std::vector<uint32_t> v;
  roaring_iterate(
      r,
      [](uint32_t value, void* param) {
        static_cast<std::vector<uint32_t>*>(param)->push_back(value);
        return true;
      },
      &v);
  return v;
}

inline uint32_t Cookie(const std::string& bytes) {
  uint32_t c;
  std::memcpy(&c, bytes.data(), 4);
  return c;
}

// Holds bytes in an allocation of exactly their size, so AddressSanitizer catches any read past
// the end (a std::string may have spare capacity after its size).
class ExactBuffer {
 public:
  explicit ExactBuffer(std::string_view bytes)
      : size_(bytes.size()), data_(new char[bytes.empty() ? 1 : bytes.size()]) {
    if (!bytes.empty()) std::memcpy(data_.get(), bytes.data(), bytes.size());
  }
  std::string_view view() const { return std::string_view(data_.get(), size_); }
  char* data() { return data_.get(); }

 private:
  size_t size_;
  std::unique_ptr<char[]> data_;
};

enum class Mix { kSparse, kDense, kRuns, kMixed, kShortRuns };

// A random bitmap over `num_keys` distinct random container keys below `max_key`, each filled as
// a sparse array, a dense bitset, a few runs or (rarely) a full container; kShortRuns fills
// each with hundreds of runs of 1 to 6 values, as documents added in order make. Docid
// 0xFFFFFFFF is never used: it is kNoMoreDocs.
inline Bitmap RandomBitmap(uint64_t seed, uint32_t num_keys, uint32_t max_key, Mix mix,
                    bool run_optimize) {
  std::mt19937_64 rng(seed);
  Bitmap r(roaring_bitmap_create());
  std::vector<uint32_t> keys(max_key);
  for (uint32_t i = 0; i < max_key; ++i) keys[i] = i;
  std::shuffle(keys.begin(), keys.end(), rng);
  keys.resize(std::min(num_keys, max_key));
  std::vector<uint32_t> vals;
  for (uint32_t key : keys) {
    const uint32_t base = key << 16;
    int kind = 0;
    switch (mix) {
      case Mix::kSparse:
        kind = 0;
        break;
      case Mix::kDense:
        kind = 1;
        break;
      case Mix::kRuns:
        kind = 2;
        break;
      case Mix::kMixed:
        kind = static_cast<int>(rng() % 7) % 4;
        break;
      case Mix::kShortRuns:
        kind = 4;
        break;
    }
    if (kind == 3 && rng() % 3 != 0) kind = 2;  // keep full containers rare
    vals.clear();
    switch (kind) {
      case 0: {  // sparse: mostly small arrays, sometimes right at the 4096 limit
        uint32_t card = rng() % 4 == 0 ? 4096 - static_cast<uint32_t>(rng() % 3)
                                       : 1 + static_cast<uint32_t>(rng() % 300);
        for (uint32_t i = 0; i < card; ++i)
          vals.push_back(base | static_cast<uint32_t>(rng() & 0xFFFF));
        if (rng() % 4 == 0) vals.push_back(base);
        if (rng() % 4 == 0 && key != 0xFFFF) vals.push_back(base | 0xFFFF);
        roaring_bitmap_add_many(r.get(), vals.size(), vals.data());
        break;
      }
      case 1: {  // dense bitset
        const uint32_t per_mille = 80 + static_cast<uint32_t>(rng() % 900);
        for (uint32_t low = 0; low < 65536; ++low) {
          if (rng() % 1000 < per_mille) vals.push_back(base | low);
        }
        roaring_bitmap_add_many(r.get(), vals.size(), vals.data());
        break;
      }
      case 2: {  // runs
        const uint32_t num_runs = 1 + static_cast<uint32_t>(rng() % 40);
        for (uint32_t i = 0; i < num_runs; ++i) {
          const uint32_t start = static_cast<uint32_t>(rng() % 65536);
          const uint32_t len = 1 + static_cast<uint32_t>(rng() % 3000);
          const uint64_t end = std::min<uint64_t>(uint64_t{start} + len, 65536);
          if (key == 0xFFFF && end == 65536) continue;
          roaring_bitmap_add_range(r.get(), base + start, base + end);
        }
        roaring_bitmap_add(r.get(), base + static_cast<uint32_t>(rng() % 65535));
        break;
      }
      case 4: {  // short runs with short gaps: a run container, hundreds of runs
        uint32_t at = static_cast<uint32_t>(rng() % 64);
        const uint32_t end = 500 + static_cast<uint32_t>(rng() % 5500);  // an array if not runs
        while (at < end) {
          const uint32_t len = 1 + static_cast<uint32_t>(rng() % 6);
          roaring_bitmap_add_range(r.get(), base + at, base + at + len);
          at += len + 1 + static_cast<uint32_t>(rng() % 4);
        }
        break;
      }
      case 3:  // full
        roaring_bitmap_add_range(r.get(), base, base + (key == 0xFFFF ? 65535 : 65536));
        break;
    }
  }
  if (run_optimize) {
    roaring_bitmap_run_optimize(r.get());
  } else {
    roaring_bitmap_remove_run_compression(r.get());
  }
  return r;
}


// --- hand-built bytes, for inconsistencies CRoaring never writes ---

struct TestContainer {
  uint16_t key = 0;
  uint32_t header_card = 0;      // 0: derive from the contents
  std::vector<uint16_t> array;   // array container values
  std::vector<uint64_t> bitset;  // 1024 words for a bitset container
  std::vector<uint16_t> runs;    // (start, length - 1) pairs for a run container
  bool is_run = false;
};

inline void Put16(std::string* s, uint16_t v) { s->append(reinterpret_cast<const char*>(&v), 2); }
inline void Put32(std::string* s, uint32_t v) { s->append(reinterpret_cast<const char*>(&v), 4); }

inline std::string Encode(const std::vector<TestContainer>& cs, bool run_cookie) {
  const uint32_t n = static_cast<uint32_t>(cs.size());
  std::string out;
  std::vector<std::string> bodies;
  for (const TestContainer& c : cs) {
    std::string b;
    if (c.is_run) {
      Put16(&b, static_cast<uint16_t>(c.runs.size() / 2));
      for (uint16_t v : c.runs) Put16(&b, v);
    } else if (!c.bitset.empty()) {
      for (uint64_t w : c.bitset) b.append(reinterpret_cast<const char*>(&w), 8);
    } else {
      for (uint16_t v : c.array) Put16(&b, v);
    }
    bodies.push_back(b);
  }
  size_t header;
  if (run_cookie) {
    Put32(&out, kCookieRuns | ((n - 1) << 16));
    std::string flags((n + 7) / 8, '\0');
    for (uint32_t i = 0; i < n; ++i) {
      if (cs[i].is_run) flags[i / 8] = static_cast<char>(flags[i / 8] | (1 << (i % 8)));
    }
    out += flags;
    header = 4 + flags.size() + 4 * n + (n >= 4 ? 4 * n : 0);
  } else {
    Put32(&out, kCookieNoRuns);
    Put32(&out, n);
    header = 8 + 8 * n;
  }
  for (const TestContainer& c : cs) {
    uint32_t card = c.header_card;
    if (card == 0) {
      if (c.is_run) {
        for (size_t i = 0; i + 1 < c.runs.size(); i += 2) card += c.runs[i + 1] + 1u;
      } else if (!c.bitset.empty()) {
        for (uint64_t w : c.bitset) card += static_cast<uint32_t>(__builtin_popcountll(w));
      } else {
        card = static_cast<uint32_t>(c.array.size());
      }
    }
    Put16(&out, c.key);
    Put16(&out, static_cast<uint16_t>(card - 1));
  }
  if (!run_cookie || n >= 4) {
    uint32_t offset = static_cast<uint32_t>(header);
    for (const std::string& b : bodies) {
      Put32(&out, offset);
      offset += static_cast<uint32_t>(b.size());
    }
  }
  for (const std::string& b : bodies) out += b;
  return out;
}

inline TestContainer Array(uint16_t key, std::vector<uint16_t> values) {
  TestContainer c;
  c.key = key;
  c.array = std::move(values);
  return c;
}
inline TestContainer Runs(uint16_t key, std::vector<uint16_t> runs) {
  TestContainer c;
  c.key = key;
  c.runs = std::move(runs);
  c.is_run = true;
  return c;
}
inline TestContainer Bitset(uint16_t key, uint32_t every) {
  TestContainer c;
  c.key = key;
  c.bitset.assign(1024, 0);
  for (uint32_t v = 0; v < 65536; v += every) c.bitset[v / 64] |= uint64_t{1} << (v % 64);
  return c;
}

}  // namespace trawl

#endif  // TRAWL_TESTS_ROARING_TEST_UTIL_H_
