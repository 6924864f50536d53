// A bounded memo of word -> stem for the analyzer. Stemming dominates analysis time and word
// frequencies are Zipfian, so a small table serves most tokens; the memo is on the path of every
// token indexed or shown in a snippet, so a lookup must cost little more than a cache line: a
// 2-way set-associative table of 64-byte slots (word and stem inline, no pointer to follow),
// a power-of-two number of sets, and a multiply-based hash of the zero-padded word.
//
// Words longer than kMaxWordBytes, empty words, and stems longer than kMaxStemBytes are not
// remembered: Get then stems every time. The table is allocated on the first miss and doubles
// (keeping what it holds) each time it has missed slots() / kSlotsPerGrowthMiss times, up to
// kMaxSets sets; after that a miss replaces the older entry of its set. Growing that early keeps
// the table sparse while it fills, where a 2-way set rarely has to evict a word still in use
// (on the King James Bible, 4% more misses than a table that never evicts; 1/4 instead of
// 1/16 made that 18%). Not thread-safe (one per Analyzer).
#ifndef TRAWL_ANALYSIS_STEM_MEMO_H_
#define TRAWL_ANALYSIS_STEM_MEMO_H_

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>
#include <type_traits>

#include "common/hash.h"
#include "common/short_bytes.h"

namespace trawl {

class StemMemo {
 public:
  static constexpr size_t kMaxWordBytes = 32;
  static constexpr size_t kMaxStemBytes = 30;
  static constexpr size_t kWays = 2;
  static constexpr size_t kInitialSets = 512;  // 64 KB
  static constexpr size_t kMaxSets = 32768;    // 4 MB
  static constexpr size_t kSlotsPerGrowthMiss = 16;

  StemMemo() = default;
  StemMemo(const StemMemo&) = delete;
  StemMemo& operator=(const StemMemo&) = delete;

  // A word the memo keeps (Keeps), with what a lookup compares and where it looks: made once,
  // so that a caller that knows its next words fetches their sets ahead (Prefetch) and looks
  // them up later, while the sets' lines come from memory.
  class Probe;
  static bool Keeps(std::string_view word) { return !word.empty() && word.size() <= kMaxWordBytes; }
  static Probe ProbeOf(std::string_view word);
  // Starts loading the lines of the probe's set. A growth of the table before the lookup only
  // makes the load useless.
  void Prefetch(const Probe& probe) const;

  // The stem of word: the one remembered, or else stem_of(word), which it then remembers.
  // stem_of must be a pure function of the word (the memo assumes that it answers every time
  // as it answered the first). The view is valid until the next call of Get or of stem_of.
  template <typename StemOf>
  std::string_view Get(std::string_view word, StemOf&& stem_of);
  // As Get, for a word the memo keeps, with its probe. stem_of is given `word` itself: what it
  // returns may be a view of it.
  template <typename StemOf>
  std::string_view Get(std::string_view word, const Probe& probe, StemOf&& stem_of);

  // Slots allocated (0 before the first miss); sets() * kWays.
  size_t slots() const { return slots_ == nullptr ? 0 : (set_mask_ + 1) * kWays; }
  // The set word falls into in a table of `sets` sets (a power of two), for tests that need
  // words that compete for one set.
  static size_t SetOf(std::string_view word, size_t sets);

 private:
  // The word zero-padded to kMaxWordBytes, and its length, which tells "a" from "a\0".
  struct Key {
    uint64_t words[kMaxWordBytes / 8];
    uint64_t bytes;
  };
  // One cache line: an empty slot has word_bytes 0 (empty words are never remembered).
  struct alignas(64) Slot {
    uint64_t word[kMaxWordBytes / 8];
    uint8_t word_bytes;
    uint8_t stem_bytes;
    char stem[kMaxStemBytes];

    bool Holds(const Key& key) const {
      // Branch-free over the whole padded word: cheaper than a length-dependent memcmp.
      return ((word[0] ^ key.words[0]) | (word[1] ^ key.words[1]) | (word[2] ^ key.words[2]) |
              (word[3] ^ key.words[3]) | (word_bytes ^ key.bytes)) == 0;
    }
    std::string_view Stem() const { return std::string_view(stem, stem_bytes); }
  };
  static_assert(sizeof(Slot) == 64);
  static_assert(kMaxWordBytes % 8 == 0 && kMaxWordBytes / 8 == 4);

  // The word's bytes copied by CopyShortBytes (a memcpy of the word's own size would be a
  // call per token).
  static Key KeyOf(std::string_view word) {
    static_assert(kMaxWordBytes == kMaxShortBytes);
    Key key{};
    const size_t n = word.size();
    CopyShortBytes(reinterpret_cast<char*>(key.words), word.data(), n);
    key.bytes = n;
    return key;
  }
  static uint64_t Hash(const Key& key);

  // After a miss: grows the table when due, then puts the word in its set as the newer entry.
  void Remember(const Key& key, uint64_t hash, std::string_view stem);
  void Resize(size_t sets);
  static void PutFirst(Slot* set, const Slot& slot);

  std::unique_ptr<Slot[]> slots_;
  uint64_t set_mask_ = 0;  // sets - 1
  size_t misses_since_growth_ = 0;
};

class StemMemo::Probe {
 public:
  std::string_view word() const {
    return std::string_view(reinterpret_cast<const char*>(key.words), key.bytes);
  }

 private:
  friend class StemMemo;
  Key key;
  uint64_t hash;
};

inline StemMemo::Probe StemMemo::ProbeOf(std::string_view word) {
  assert(Keeps(word));
  Probe probe;
  probe.key = KeyOf(word);
  probe.hash = Hash(probe.key);
  return probe;
}

inline void StemMemo::Prefetch(const Probe& probe) const {
  if (slots_ == nullptr) return;
  const Slot* set = &slots_[(probe.hash & set_mask_) * kWays];
  static_assert(kWays == 2);
  __builtin_prefetch(&set[0]);
  __builtin_prefetch(&set[1]);
}

template <typename StemOf>
std::string_view StemMemo::Get(std::string_view word, StemOf&& stem_of) {
  if (!Keeps(word)) return stem_of(word);
  return Get(word, ProbeOf(word), stem_of);
}

template <typename StemOf>
std::string_view StemMemo::Get(std::string_view word, const Probe& probe, StemOf&& stem_of) {
  // Not a string returned by value, whose view would not outlive this call.
  static_assert(std::is_same_v<std::invoke_result_t<StemOf&, std::string_view>, std::string_view>);
  assert(Keeps(word) && probe.key.bytes == word.size());
  if (slots_ != nullptr) {
    const Slot* set = &slots_[(probe.hash & set_mask_) * kWays];
    if (set[0].Holds(probe.key)) return set[0].Stem();
    if (set[1].Holds(probe.key)) return set[1].Stem();
  }
  const std::string_view stem = stem_of(word);
  if (stem.size() <= kMaxStemBytes) Remember(probe.key, probe.hash, stem);
  return stem;
}

inline uint64_t StemMemo::Hash(const Key& key) {
  // The padded key's four words in fixed loads (HashBytes would branch on the length); the two
  // halves are independent multiplies, so they run side by side.
  const uint64_t* k = kHashConstants;
  const uint64_t low = MultiplyFold(key.words[0] ^ k[0], key.words[1] ^ k[1]);
  const uint64_t high = MultiplyFold(key.words[2] ^ k[2], key.words[3] ^ k[3] ^ key.bytes);
  return MultiplyFold(low ^ high, k[4]);
}

}  // namespace trawl

#endif  // TRAWL_ANALYSIS_STEM_MEMO_H_
