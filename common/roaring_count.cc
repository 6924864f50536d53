#include "common/roaring_count.h"

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cstring>
#include <memory>

#if defined(__x86_64__)
#include <immintrin.h>
#define TRAWL_VECTOR_ARRAYS 1
#endif

namespace trawl {

namespace {

using roaring_view_internal::Load16;
using roaring_view_internal::Load64;
using roaring_view_internal::PopcountWords;
using Container = RoaringView::Container;
using Kind = RoaringView::Container::Kind;

constexpr uint32_t kBitsetWords = 1024;
constexpr uint32_t kMaxArrayValues = 4096;
// When one container holds this many times the values of the other, searching it for each
// value (or run) of the small one beats a pass over both.
constexpr uint32_t kGallopRatio = 32;
// A run container of at most this many values is intersected as an array of them when it is
// the smallest of an intersection written out.
constexpr uint32_t kRunValuesListed = 256;
// Two arrays of at most this many values each are merged.
constexpr uint32_t kMergedArrayValues = 64;
// Values past its end a scratch array has room for: an array intersection compared eight values
// at a time stores eight, of which only the matches count.
constexpr uint32_t kScratchSlack = 16;

// ---- bulk popcounts (PopcountWords is RoaringView's). Release builds target baseline x86-64,
// where __builtin_popcountll is a libgcc call; these loops are where a conjunction of common
// terms spends its time, so they get a popcnt clone chosen at load time.

__attribute__((target_clones("popcnt", "default"))) uint64_t AndPopcount(const char* a,
                                                                         const char* b) {
  uint64_t n = 0;
  for (uint32_t i = 0; i < kBitsetWords; ++i)
    n += __builtin_popcountll(Load64(a + 8 * i) & Load64(b + 8 * i));
  return n;
}

uint32_t RunStart(const char* runs, uint32_t r) { return Load16(runs + 4 * r); }
uint32_t RunLast(const char* runs, uint32_t r) {
  return Load16(runs + 4 * r) + uint32_t{Load16(runs + 4 * r + 2)};
}

// The set bits of `words` inside the runs.
__attribute__((target_clones("popcnt", "default"))) uint64_t CountBitsInRuns(const char* words,
                                                                             const char* runs,
                                                                             uint32_t num_runs) {
  uint64_t n = 0;
  for (uint32_t r = 0; r < num_runs; ++r) {
    const uint32_t first = RunStart(runs, r), last = RunLast(runs, r);  // Open(): last <= 65535
    const uint32_t w0 = first >> 6, w1 = last >> 6;
    const uint64_t low_mask = ~uint64_t{0} << (first & 63);
    const uint64_t high_mask = ~uint64_t{0} >> (63 - (last & 63));
    // Without branches on whether the run ends in its first word: short runs straddle words
    // at random.
    const bool one_word = w0 == w1;
    n += __builtin_popcountll(Load64(words + 8 * w0) & low_mask & (one_word ? high_mask : ~0ull));
    n += __builtin_popcountll(Load64(words + 8 * w1) & high_mask & (one_word ? 0 : ~0ull));
    for (uint32_t w = w0 + 1; w < w1; ++w) n += __builtin_popcountll(Load64(words + 8 * w));
  }
  return n;
}

bool BitIsSet(const char* words, uint32_t value) {
  return (Load64(words + 8 * (value >> 6)) >> (value & 63)) & 1;
}

// Bits first..last (inclusive, first <= last <= 65535) of `words`, set or cleared.
void SetBits(uint64_t* words, uint32_t first, uint32_t last) {
  const uint32_t w0 = first >> 6, w1 = last >> 6;
  const uint64_t low_mask = ~uint64_t{0} << (first & 63);
  const uint64_t high_mask = ~uint64_t{0} >> (63 - (last & 63));
  if (w0 == w1) {
    words[w0] |= low_mask & high_mask;
    return;
  }
  words[w0] |= low_mask;
  for (uint32_t w = w0 + 1; w < w1; ++w) words[w] = ~uint64_t{0};
  words[w1] |= high_mask;
}
void ClearBits(uint64_t* words, uint32_t first, uint32_t last) {
  const uint32_t w0 = first >> 6, w1 = last >> 6;
  const uint64_t low_mask = ~uint64_t{0} << (first & 63);
  const uint64_t high_mask = ~uint64_t{0} >> (63 - (last & 63));
  if (w0 == w1) {
    words[w0] &= ~(low_mask & high_mask);
    return;
  }
  words[w0] &= ~low_mask;
  for (uint32_t w = w0 + 1; w < w1; ++w) words[w] = 0;
  words[w1] &= ~high_mask;
}

// ---- two arrays compared eight values against eight (SSE4.2's pcmpestrm compares every pair of
// two vectors of eight uint16 at once), as Schlegel, Willhalm and Lehner's "Fast Sorted-Set
// Intersection using SIMD Instructions" (2011): several times faster than marking one array and
// testing the other's values, or than a merge, whose every step waits on an unpredictable
// comparison. Release builds target baseline x86-64, so it is compiled for SSE4.2 apart and
// taken when the processor has it.

#ifdef TRAWL_VECTOR_ARRAYS
#define TRAWL_TARGET_SSE42 __attribute__((target("sse4.2,popcnt")))

// For each mask of eight lanes, the byte order that moves the lanes set in it to the front.
struct MatchedFirstTable {
  alignas(16) uint8_t lanes[256][16];
  constexpr MatchedFirstTable() : lanes{} {
    for (uint32_t mask = 0; mask < 256; ++mask) {
      uint32_t k = 0;
      for (uint32_t lane = 0; lane < 8; ++lane) {
        if ((mask >> lane & 1) == 0) continue;
        lanes[mask][2 * k] = static_cast<uint8_t>(2 * lane);
        lanes[mask][2 * k + 1] = static_cast<uint8_t>(2 * lane + 1);
        ++k;
      }
      for (; k < 8; ++k) lanes[mask][2 * k] = lanes[mask][2 * k + 1] = 0x80;  // zeroed
    }
  }
};
constexpr MatchedFirstTable kMatchedFirst;

#endif

bool ProcessorCanVectorArrays() {
#ifdef TRAWL_VECTOR_ARRAYS
  __builtin_cpu_init();
  return __builtin_cpu_supports("sse4.2") && __builtin_cpu_supports("popcnt");
#else
  return false;
#endif
}

// Whether arrays are intersected eight values at a time: where the processor can, unless a
// test turned it off to check the other paths.
std::atomic<bool> vector_arrays{ProcessorCanVectorArrays()};

// ---- an array against any container. The values in the intersection go to a sink, which
// counts them or writes them out. No path passes more values than the array has, nor any value
// twice, so a writer keeps at most 4096 values (the most an array container or a scratch array
// holds), whatever the bytes; the vector path may store up to eight more past them, and a
// scratch array has that room (kScratchSlack).

struct CountingSink {
  // Runs against marked values are counted a word at a time (KeepMarkedInRuns).
  static constexpr bool kMarksRuns = true;
  // When one array is this many times longer than the other, searching it for each value of
  // the short one beats marking the short one and testing the long one's values.
  static constexpr uint32_t kArrayGallopRatio = kGallopRatio;
  uint32_t n = 0;
  void Keep(uint16_t, bool matched) { n += matched; }
  // values[from, to), all matched.
  void KeepAll(const char* /*values*/, uint32_t from, uint32_t to) { n += to - from; }
  // The marked values inside the runs.
  void KeepMarkedInRuns(const char* marked, const char* runs, uint32_t num_runs) {
    n += static_cast<uint32_t>(CountBitsInRuns(marked, runs, num_runs));
  }
#ifdef TRAWL_VECTOR_ARRAYS
  // Of eight values, those whose lanes are set in `matched`.
  TRAWL_TARGET_SSE42 void KeepMatchedOfEight(__m128i /*values*/, uint32_t matched) {
    n += static_cast<uint32_t>(__builtin_popcount(matched));
  }
#endif
};

// `out` must not overlap the arrays being read.
struct WritingSink {
  // Writing out marked values found in runs would visit every word the runs span: searching
  // the runs for each value is cheaper, so it has no KeepMarkedInRuns.
  static constexpr bool kMarksRuns = false;
  // Writing a value out costs more than counting it: searching pays sooner.
  static constexpr uint32_t kArrayGallopRatio = 4;
  uint16_t* out;
  uint32_t n = 0;
  // Writes unconditionally: no branch to mispredict.
  void Keep(uint16_t value, bool matched) {
    out[n] = value;
    n += matched;
  }
  void KeepAll(const char* values, uint32_t from, uint32_t to) {
    for (uint32_t i = from; i < to; ++i) out[n++] = Load16(values + 2 * i);
  }
#ifdef TRAWL_VECTOR_ARRAYS
  // Stores all eight lanes, the matched ones moved to the front: `out` needs room for eight
  // values from n on.
  TRAWL_TARGET_SSE42 void KeepMatchedOfEight(__m128i values, uint32_t matched) {
    if (matched == 0) return;
    const __m128i order =
        _mm_load_si128(reinterpret_cast<const __m128i*>(kMatchedFirst.lanes[matched]));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + n), _mm_shuffle_epi8(values, order));
    n += static_cast<uint32_t>(__builtin_popcount(matched));
  }
#endif
};

// The first index in [from, n) whose value_at(index) is >= `target`, else n (galloping, then
// binary search). On unsorted values: some index in [from, n].
template <typename ValueAt>
uint32_t GallopTo(uint32_t from, uint32_t n, uint32_t target, ValueAt value_at) {
  if (from >= n || value_at(from) >= target) return from;
  uint32_t lo = from;  // value_at(lo) < target
  uint32_t hi = lo + 1;
  uint32_t step = 1;
  while (hi < n && value_at(hi) < target) {
    lo = hi;
    step <<= 1;
    hi = n - lo > step ? lo + step : n;
  }
  while (hi - lo > 1) {  // value_at(lo) < target; hi == n or value_at(hi) >= target
    const uint32_t mid = lo + (hi - lo) / 2;
    if (value_at(mid) < target) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return hi;
}

template <typename Sink>
void IntersectArrayWithBitset(const char* values, uint32_t n, const char* words, Sink* sink) {
  for (uint32_t i = 0; i < n; ++i) {
    const uint16_t v = Load16(values + 2 * i);
    sink->Keep(v, BitIsSet(words, v));
  }
}

// A bitset of an array's values. Without SSE4.2, two arrays of similar lengths intersect faster
// by marking one and testing the other's values than by a merge, which must wait for each
// comparison before it can load the next value; an array and many runs, by counting marked bits
// run by run.
// Cleared after each use, so zeroed once per count at most.
class Marks {
 public:
  const char* Mark(const char* values, uint32_t n) {
    ZeroOnce();
    for (uint32_t i = 0; i < n; ++i) {
      const uint16_t v = Load16(values + 2 * i);
      words_[v >> 6] |= uint64_t{1} << (v & 63);
    }
    return words();
  }
  const char* words() const { return reinterpret_cast<const char*>(words_); }
  void Unmark(const char* values, uint32_t n) {
    for (uint32_t i = 0; i < n; ++i) words_[Load16(values + 2 * i) >> 6] = 0;
  }

 private:
  void ZeroOnce() {
    if (!zeroed_) {
      std::memset(words_, 0, sizeof(words_));
      zeroed_ = true;
    }
  }

  bool zeroed_ = false;
  uint64_t words_[kBitsetWords];
};

// Merges a with b without a branch per step.
template <typename Sink>
void MergeArrays(const char* a, uint32_t na, const char* b, uint32_t nb, Sink* sink) {
  uint32_t i = 0, j = 0;
  while (i < na && j < nb) {
    const uint16_t x = Load16(a + 2 * i), y = Load16(b + 2 * j);
    sink->Keep(x, x == y);
    i += x <= y;
    j += y <= x;
  }
}

// Each of values[i, n) searched for in others[j, m), from where the last was found: a few
// values against many.
template <typename Sink>
void SearchEachIn(const char* values, uint32_t i, uint32_t n, const char* others, uint32_t j,
                  uint32_t m, Sink* sink) {
  const auto other_at = [others](uint32_t k) { return Load16(others + 2 * k); };
  for (; i < n; ++i) {
    const uint16_t v = Load16(values + 2 * i);
    j = GallopTo(j, m, v, other_at);
    if (j == m) return;
    sink->Keep(v, other_at(j) == v);
  }
}

#ifdef TRAWL_VECTOR_ARRAYS
// Eight values of each array at a time: the block whose last value is smaller moves on (both
// when equal), so every pair of blocks that can share a value is compared once, and the
// matches come out ascending. The values left past the last whole blocks are searched for.
template <typename Sink>
TRAWL_TARGET_SSE42 void IntersectArraysByEights(const char* a, uint32_t na, const char* b,
                                                uint32_t nb, Sink* sink) {
  const uint32_t a_blocks_end = na & ~7u, b_blocks_end = nb & ~7u;
  const uint32_t first_kept = sink->n;
  uint32_t i = 0, j = 0;
  if (a_blocks_end > 0 && b_blocks_end > 0) {
    const auto load = [](const char* p) {
      return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    };
    __m128i va = load(a), vb = load(b);
    // On sorted arrays a's values kept so far are at most those of its blocks up to i's; on
    // damaged ones a block could match again and again, and the sink would overflow.
    uint32_t kept = 0;
    for (;;) {
      const uint32_t matched = static_cast<uint32_t>(_mm_cvtsi128_si32(
          _mm_cmpestrm(vb, 8, va, 8, _SIDD_UWORD_OPS | _SIDD_CMP_EQUAL_ANY | _SIDD_BIT_MASK)));
      kept += static_cast<uint32_t>(__builtin_popcount(matched));
      if (kept > i + 8) return;
      sink->KeepMatchedOfEight(va, matched);
      const uint16_t a_last = Load16(a + 2 * (i + 7)), b_last = Load16(b + 2 * (j + 7));
      if (a_last <= b_last) {
        i += 8;
        if (i == a_blocks_end) break;
        va = load(a + 2 * i);
      }
      if (b_last <= a_last) {
        j += 8;
        if (j == b_blocks_end) break;
        vb = load(b + 2 * j);
      }
    }
  }
  // One side has fewer than eight values left; the other may have thousands. Each of the few
  // is searched for in the other.
  if (na - i < nb - j) {
    SearchEachIn(a, i, na, b, j, nb, sink);
  } else {
    SearchEachIn(b, j, nb, a, i, na, sink);
  }
  // The search may write again values of a's block that the loop matched, if the bytes are
  // damaged: fewer than eight, into the room a writing sink has past its values. The count says
  // no more than a's values, so intersections after this one cannot grow.
  sink->n = std::min(sink->n, first_kept + na);
}
#endif

template <typename Sink>
void IntersectArrays(const char* a, uint32_t na, const char* b, uint32_t nb, Marks* marks,
                     Sink* sink) {
  if (na > nb) {
    std::swap(a, b);
    std::swap(na, nb);
  }
  if (na == 0) return;
#ifdef TRAWL_VECTOR_ARRAYS
  // Up to a ratio of about 40 the pass over both beats searching the longer for each value.
  if (na >= 8 && nb / na < kGallopRatio && vector_arrays.load(std::memory_order_relaxed)) {
    IntersectArraysByEights(a, na, b, nb, sink);
    return;
  }
#endif
  if (nb <= kMergedArrayValues) {
    // Too few values to pay for clearing the marks.
    MergeArrays(a, na, b, nb, sink);
    return;
  }
  if (nb / na < Sink::kArrayGallopRatio) {
    IntersectArrayWithBitset(b, nb, marks->Mark(a, na), sink);
    marks->Unmark(a, na);
    return;
  }
  SearchEachIn(a, 0, na, b, 0, nb, sink);
}

template <typename Sink>
void IntersectArrayWithRuns(const char* values, uint32_t n, const char* runs, uint32_t num_runs,
                            Marks* marks, Sink* sink) {
  if (n == 0 || num_runs == 0) return;
  if (n / num_runs >= kGallopRatio) {
    // Few runs among many values (a rare word's documents, often neighbours, against a common
    // word's): search the values for each run's ends.
    const auto value_at = [values](uint32_t i) { return Load16(values + 2 * i); };
    uint32_t i = 0;
    for (uint32_t r = 0; r < num_runs && i < n; ++r) {
      const uint32_t first = GallopTo(i, n, RunStart(runs, r), value_at);
      i = GallopTo(first, n, RunLast(runs, r) + 1, value_at);
      sink->KeepAll(values, first, i);
    }
    return;
  }
  if constexpr (Sink::kMarksRuns) {
    if (num_runs / n < kGallopRatio) {
      sink->KeepMarkedInRuns(marks->Mark(values, n), runs, num_runs);
      marks->Unmark(values, n);
      return;
    }
  }
  // A few values among many runs, or values to write out: search the runs for each.
  uint32_t r = 0;
  const auto last_at = [runs](uint32_t i) { return RunLast(runs, i); };
  for (uint32_t i = 0; i < n; ++i) {
    const uint16_t v = Load16(values + 2 * i);
    r = GallopTo(r, num_runs, v, last_at);
    if (r == num_runs) return;
    sink->Keep(v, v >= RunStart(runs, r));
  }
}

template <typename Sink>
void IntersectArrayWith(const char* values, uint32_t n, const Container& c, Marks* marks,
                        Sink* sink) {
  switch (c.kind) {
    case Kind::kArray:
      IntersectArrays(values, n, c.data, c.cardinality, marks, sink);
      return;
    case Kind::kBitset:
      IntersectArrayWithBitset(values, n, c.data, sink);
      return;
    case Kind::kRun:
      IntersectArrayWithRuns(values, n, c.data, c.num_runs, marks, sink);
      return;
  }
}

uint64_t CountRunsWithRuns(const char* a, uint32_t na, const char* b, uint32_t nb) {
  uint64_t n = 0;
  uint32_t i = 0, j = 0;
  while (i < na && j < nb) {
    const uint32_t a_last = RunLast(a, i), b_last = RunLast(b, j);
    const uint32_t first = std::max(RunStart(a, i), RunStart(b, j));
    const uint32_t last = std::min(a_last, b_last);
    if (first <= last) n += last - first + 1;
    i += a_last <= b_last;
    j += b_last <= a_last;
  }
  return n;
}

// |bitset ∩ c|, for the words of a bitset.
uint64_t CountInBitset(const char* words, const Container& c) {
  switch (c.kind) {
    case Kind::kArray: {
      CountingSink sink;
      IntersectArrayWithBitset(c.data, c.cardinality, words, &sink);
      return sink.n;
    }
    case Kind::kBitset:
      return AndPopcount(words, c.data);
    case Kind::kRun:
      return CountBitsInRuns(words, c.data, c.num_runs);
  }
  return 0;
}

// |x ∩ y| for two containers of one key.
uint64_t CountBoth(const Container& x, const Container& y, Marks* marks) {
  if (x.kind == Kind::kBitset) return CountInBitset(x.data, y);
  if (y.kind == Kind::kBitset) return CountInBitset(y.data, x);
  if (x.kind == Kind::kArray || y.kind == Kind::kArray) {
    const Container& array = x.kind == Kind::kArray ? x : y;
    const Container& other = x.kind == Kind::kArray ? y : x;
    CountingSink sink;
    IntersectArrayWith(array.data, array.cardinality, other, marks, &sink);
    return sink.n;
  }
  return CountRunsWithRuns(x.data, x.num_runs, y.data, y.num_runs);
}

// The intersection of several containers of one key so far: values (once any of them was an
// array, so at most 4096) or a bitset. Values are filtered from one buffer into the other.
class Scratch {
 public:
  // Starts from x ∩ y.
  void Intersect(const Container& x, const Container& y) {
    if (x.kind == Kind::kArray || y.kind == Kind::kArray) {
      const Container& array = x.kind == Kind::kArray ? x : y;
      const Container& other = x.kind == Kind::kArray ? y : x;
      is_bitset_ = false;
      WritingSink sink{values_[0]};
      IntersectArrayWith(array.data, array.cardinality, other, &marks_, &sink);
      assert(sink.n <= kMaxArrayValues);
      current_ = 0;
      num_values_ = sink.n;
      return;
    }
    is_bitset_ = true;
    if (x.kind == Kind::kBitset) {
      std::memcpy(words_, x.data, sizeof(words_));
    } else {
      std::memset(words_, 0, sizeof(words_));
      for (uint32_t r = 0; r < x.num_runs; ++r)
        SetBits(words_, RunStart(x.data, r), RunLast(x.data, r));
    }
    And(y);
  }

  // Keeps only what is also in c.
  void And(const Container& c) {
    if (!is_bitset_) {
      WritingSink sink{values_[1 - current_]};
      IntersectArrayWith(reinterpret_cast<const char*>(values_[current_]), num_values_, c, &marks_,
                         &sink);
      assert(sink.n <= kMaxArrayValues);
      current_ = 1 - current_;
      num_values_ = sink.n;
      return;
    }
    switch (c.kind) {
      case Kind::kBitset:
        for (uint32_t w = 0; w < kBitsetWords; ++w) words_[w] &= Load64(c.data + 8 * w);
        return;
      case Kind::kRun: {
        uint32_t next = 0;  // the first value not yet covered by a run
        for (uint32_t r = 0; r < c.num_runs; ++r) {
          const uint32_t start = RunStart(c.data, r);
          if (start > next) ClearBits(words_, next, start - 1);
          next = RunLast(c.data, r) + 1;
        }
        if (next <= 0xFFFF) ClearBits(words_, next, 0xFFFF);
        return;
      }
      case Kind::kArray: {
        // The array's values that are set here: an array again.
        WritingSink sink{values_[0]};
        IntersectArrayWithBitset(c.data, c.cardinality, reinterpret_cast<const char*>(words_),
                                 &sink);
        is_bitset_ = false;
        current_ = 0;
        num_values_ = sink.n;
        return;
      }
    }
  }

  // Starts from cs[0] ∪ ... ∪ cs[n-1], as a bitset.
  void Unite(const Container* cs, size_t n) {
    is_bitset_ = true;
    std::memset(words_, 0, sizeof(words_));
    for (size_t i = 0; i < n; ++i) {
      const Container& c = cs[i];
      switch (c.kind) {
        case Kind::kBitset:
          for (uint32_t w = 0; w < kBitsetWords; ++w) words_[w] |= Load64(c.data + 8 * w);
          break;
        case Kind::kRun:
          for (uint32_t r = 0; r < c.num_runs; ++r)
            SetBits(words_, RunStart(c.data, r), RunLast(c.data, r));
          break;
        case Kind::kArray:
          for (uint32_t j = 0; j < c.cardinality; ++j) {
            const uint16_t v = Load16(c.data + 2 * j);
            words_[v >> 6] |= uint64_t{1} << (v & 63);
          }
          break;
      }
    }
  }

  // Drops what is in c from a bitset (after Unite).
  void AndNot(const Container& c) {
    switch (c.kind) {
      case Kind::kBitset:
        for (uint32_t w = 0; w < kBitsetWords; ++w) words_[w] &= ~Load64(c.data + 8 * w);
        return;
      case Kind::kRun:
        for (uint32_t r = 0; r < c.num_runs; ++r)
          ClearBits(words_, RunStart(c.data, r), RunLast(c.data, r));
        return;
      case Kind::kArray:
        for (uint32_t j = 0; j < c.cardinality; ++j) {
          const uint16_t v = Load16(c.data + 2 * j);
          words_[v >> 6] &= ~(uint64_t{1} << (v & 63));
        }
        return;
    }
  }

  // Calls keep(value) on each value, ascending (as the containers' bytes give them), until it
  // returns false; false then.
  template <typename Keep>
  bool ForEach(Keep keep) const {
    if (!is_bitset_) {
      for (uint32_t i = 0; i < num_values_; ++i)
        if (!keep(values_[current_][i])) return false;
      return true;
    }
    for (uint32_t w = 0; w < kBitsetWords; ++w)
      for (uint64_t bits = words_[w]; bits != 0; bits &= bits - 1)
        if (!keep(static_cast<uint16_t>(w << 6 | __builtin_ctzll(bits)))) return false;
    return true;
  }

  bool empty() const { return !is_bitset_ && num_values_ == 0; }
  uint64_t cardinality() const {
    return is_bitset_ ? PopcountWords(reinterpret_cast<const char*>(words_), 0, kBitsetWords)
                      : num_values_;
  }
  Marks* marks() { return &marks_; }
  Container AsContainer() const {
    if (is_bitset_) return {Kind::kBitset, 0, reinterpret_cast<const char*>(words_), 0};
    return {Kind::kArray, num_values_, reinterpret_cast<const char*>(values_[current_]), 0};
  }

 private:
  bool is_bitset_ = false;
  int current_ = 0;  // values_[current_] holds the values
  uint32_t num_values_ = 0;
  uint16_t values_[2][kMaxArrayValues + kScratchSlack];
  uint64_t words_[kBitsetWords];
  Marks marks_;
};

// Smallest first, so that an intersection shrinks soonest and arrays come before bitsets; but
// runs last, where they are counted against rather than written out, which is dearer.
void OrderForIntersection(Container* cs, size_t n) {
  const auto before = [](const Container& a, const Container& b) {
    const bool a_run = a.kind == Kind::kRun, b_run = b.kind == Kind::kRun;
    return a_run != b_run ? b_run : a.cardinality < b.cardinality;
  };
  for (size_t i = 1; i < n; ++i)
    for (size_t j = i; j > 0 && before(cs[j], cs[j - 1]); --j) std::swap(cs[j], cs[j - 1]);
}

// |cs[0] ∩ ... ∩ cs[n-1]| minus what is in *excluded (null: nothing), for n >= 1 containers of
// one key. Reorders cs.
uint64_t CountAtKey(Container* cs, size_t n, const Container* excluded, Scratch* scratch) {
  if (n == 1) {
    if (excluded == nullptr) return cs[0].cardinality;
    const uint64_t dropped = CountBoth(cs[0], *excluded, scratch->marks());
    return cs[0].cardinality > dropped ? cs[0].cardinality - dropped : 0;  // corrupt: any count
  }
  OrderForIntersection(cs, n);
  if (n == 2 && excluded == nullptr) return CountBoth(cs[0], cs[1], scratch->marks());
  // Fold all but the last into the scratch and count that against it; with exclusions, fold
  // them all and count what the exclusions take away.
  const size_t folded = excluded == nullptr ? n - 1 : n;
  scratch->Intersect(cs[0], cs[1]);
  for (size_t i = 2; i < folded; ++i) {
    if (scratch->empty()) return 0;
    scratch->And(cs[i]);
  }
  if (excluded == nullptr) return CountBoth(scratch->AsContainer(), cs[n - 1], scratch->marks());
  const uint64_t kept = scratch->cardinality();
  const uint64_t dropped = CountBoth(scratch->AsContainer(), *excluded, scratch->marks());
  return kept > dropped ? kept - dropped : 0;
}

// |cs[0] ∪ ... ∪ cs[n-1]| minus what is in *excluded (null: nothing), for n >= 1 containers of
// one key.
uint64_t UnionAtKey(Container* cs, size_t n, const Container* excluded, Scratch* scratch) {
  if (n == 1) return CountAtKey(cs, 1, excluded, scratch);
  if (n == 2 && excluded == nullptr) {
    const uint64_t sum = uint64_t{cs[0].cardinality} + cs[1].cardinality;
    const uint64_t both = CountBoth(cs[0], cs[1], scratch->marks());
    return sum > both ? sum - both : 0;  // corrupt: any count
  }
  scratch->Unite(cs, n);
  if (excluded != nullptr) scratch->AndNot(*excluded);
  return scratch->cardinality();
}

// A few elements on the stack, more on the heap.
template <typename T>
class SmallArray {
 public:
  explicit SmallArray(size_t n) {
    if (n > kInline) {
      heap_ = std::make_unique<T[]>(n);
      data_ = heap_.get();
    }
  }
  T& operator[](size_t i) { return data_[i]; }
  T* data() { return data_; }

 private:
  static constexpr size_t kInline = 8;
  T inline_[kInline] = {};
  std::unique_ptr<T[]> heap_;
  T* data_ = inline_;
};

// Keys are 16 bits: past them all.
constexpr uint32_t kNoKey = 0x10000;

// The keys every one of `sets` holds, in increasing order, with each set's container there:
// only keys of the set with the fewest containers can be in all of them.
class CommonKeys {
 public:
  explicit CommonKeys(std::span<const RoaringView> sets) : sets_(sets), next_(sets.size()) {
    for (size_t s = 1; s < sets.size(); ++s)
      if (sets[s].num_containers() < sets[lead_].num_containers()) lead_ = s;
  }
  // The next such key at or after `min_key` into *key and the sets' containers there into
  // at_key (in the order of `sets`); false once there is none.
  bool Next(uint32_t min_key, uint16_t* key, Container* at_key) {
    const RoaringView& leader = sets_[lead_];
    for (; i_ < leader.num_containers(); ++i_) {
      const uint16_t k = leader.key(i_);
      if (k < min_key) continue;
      bool in_all = true;
      for (size_t s = 0; s < sets_.size() && in_all; ++s) {
        if (s == lead_) {
          at_key[s] = leader.container(i_);
          continue;
        }
        const RoaringView& v = sets_[s];
        uint32_t& p = next_[s];  // the set's first container not yet passed
        while (p < v.num_containers() && v.key(p) < k) ++p;
        if (p == v.num_containers()) {  // no key left in common
          i_ = leader.num_containers();
          return false;
        }
        in_all = v.key(p) == k;
        if (in_all) at_key[s] = v.container(p);
      }
      if (in_all) {
        *key = k;
        ++i_;
        return true;
      }
    }
    return false;
  }

 private:
  const std::span<const RoaringView> sets_;
  size_t lead_ = 0;
  uint32_t i_ = 0;  // the leader's next container
  SmallArray<uint32_t> next_;
};

// The container of `view` (null: none) with this key, searched from *next on; keys must be asked
// for in increasing order.
bool FindContainer(const RoaringView* view, uint32_t key, uint32_t* next, Container* out) {
  if (view == nullptr) return false;
  while (*next < view->num_containers() && view->key(*next) < key) ++*next;
  if (*next == view->num_containers() || view->key(*next) != key) return false;
  *out = view->container(*next);
  return true;
}

}  // namespace

namespace roaring_count_internal {
bool SetVectorArrays(bool on) { return vector_arrays.exchange(on && ProcessorCanVectorArrays()); }
}  // namespace roaring_count_internal

uint64_t IntersectionCardinality(std::span<const RoaringView> sets, const RoaringView* excluded) {
  const size_t n = sets.size();
  if (n == 0) return 0;
  if (n == 1 && excluded == nullptr) return sets[0].cardinality();
  CommonKeys keys(sets);
  SmallArray<Container> at_key(n);
  uint32_t next_excluded = 0;
  Scratch scratch;
  uint64_t total = 0;
  uint16_t key;
  while (keys.Next(0, &key, at_key.data())) {
    Container excluded_here{};
    const bool has_excluded = FindContainer(excluded, key, &next_excluded, &excluded_here);
    total += CountAtKey(at_key.data(), n, has_excluded ? &excluded_here : nullptr, &scratch);
  }
  return total;
}

bool IntersectionValues(std::span<const RoaringView> sets, uint32_t from, size_t max, uint32_t* out,
                        size_t* n) {
  *n = 0;
  const size_t num_sets = sets.size();
  if (num_sets < 2) return false;
  CommonKeys keys(sets);
  SmallArray<Container> at_key(num_sets);
  Scratch scratch;
  uint16_t run_values[kRunValuesListed];
  uint16_t key;
  while (keys.Next(from >> 16, &key, at_key.data())) {
    // A few values in runs (a rare word's neighbouring documents) are intersected as an array:
    // as runs, they would be spread over a bitset and the bitset scanned.
    size_t smallest = 0;
    for (size_t s = 1; s < num_sets; ++s)
      if (at_key[s].cardinality < at_key[smallest].cardinality) smallest = s;
    if (at_key[smallest].kind == Kind::kRun && at_key[smallest].cardinality <= kRunValuesListed) {
      const Container& runs = at_key[smallest];
      uint32_t k = 0;
      for (uint32_t r = 0; r < runs.num_runs; ++r)
        for (uint32_t v = RunStart(runs.data, r), last = RunLast(runs.data, r);
             v <= last && k < kRunValuesListed; ++v)
          run_values[k++] = static_cast<uint16_t>(v);
      at_key[smallest] = {Kind::kArray, k, reinterpret_cast<const char*>(run_values), 0};
    }
    OrderForIntersection(at_key.data(), num_sets);
    scratch.Intersect(at_key[0], at_key[1]);
    for (size_t s = 2; s < num_sets && !scratch.empty(); ++s) scratch.And(at_key[s]);
    const bool fits = scratch.ForEach([&](uint16_t low) {
      const uint32_t value = uint32_t{key} << 16 | low;
      if (value < from) return true;
      if (*n == max) return false;
      out[(*n)++] = value;
      return true;
    });
    if (!fits) return false;
  }
  return true;
}

uint64_t UnionCardinality(std::span<const RoaringView> sets, const RoaringView* excluded) {
  const size_t n = sets.size();
  if (n <= 1) return IntersectionCardinality(sets, excluded);
  SmallArray<uint32_t> next(n);  // per view: its first container not yet passed
  SmallArray<Container> at_key(n);
  uint32_t next_excluded = 0;
  Scratch scratch;
  uint64_t total = 0;
  for (;;) {
    uint32_t key = kNoKey;
    for (size_t s = 0; s < n; ++s)
      if (next[s] < sets[s].num_containers()) key = std::min<uint32_t>(key, sets[s].key(next[s]));
    if (key == kNoKey) return total;
    size_t k = 0;  // views with this key
    for (size_t s = 0; s < n; ++s) {
      if (next[s] < sets[s].num_containers() && sets[s].key(next[s]) == key)
        at_key[k++] = sets[s].container(next[s]++);
    }
    Container excluded_here{};
    const bool has_excluded = FindContainer(excluded, key, &next_excluded, &excluded_here);
    total += UnionAtKey(at_key.data(), k, has_excluded ? &excluded_here : nullptr, &scratch);
  }
}

}  // namespace trawl
