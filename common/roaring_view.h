// Zero-copy, bounds-checked reader of CRoaring's portable serialization format
// (https://github.com/RoaringBitmap/RoaringFormatSpec). Posting lists live in memory-mapped
// segment files in this format; the searcher iterates them in place instead of deserializing a
// roaring_bitmap_t (an allocation and a full copy) for every term of every query.
//
// Trust model: Open() checks everything that decides where bytes are read (cookie, container
// count, header, every container's byte range, run containers) in O(containers + runs). The values
// inside array and bitset containers are only checked by Validate() (O(size)), but a cursor over a
// view that passed Open() stays inside the buffer and keeps ordinal() < cardinality() whatever
// those values are; it may merely return docids out of order if an array container is unsorted.
#ifndef TRAWL_COMMON_ROARING_VIEW_H_
#define TRAWL_COMMON_ROARING_VIEW_H_

#include <roaring/roaring.h>

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>

#include "trawl/status.h"

namespace trawl {

// Also a valid roaring value, so docid 0xFFFFFFFF cannot be told from the end by doc() alone.
inline constexpr uint32_t kNoMoreDocs = 0xFFFFFFFFu;

// Owns a CRoaring bitmap.
struct RoaringFree {
  void operator()(roaring_bitmap_t* r) const { roaring_bitmap_free(r); }
};
using RoaringPtr = std::unique_ptr<roaring_bitmap_t, RoaringFree>;

namespace roaring_view_internal {

// Unaligned little-endian loads: the serialized containers have no alignment guarantee.
inline uint16_t Load16(const char* p) {
  uint16_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}
inline uint32_t Load32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}
inline uint64_t Load64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

// The set bits in words [begin, end) of a serialized bitset container: a loop of popcounts, in a
// clone with the popcnt instruction picked at load time (Validate, skipping far inside a
// bitset, and counts of conjunctions of common terms spend their time there).
uint64_t PopcountWords(const char* words, uint32_t begin, uint32_t end);

}  // namespace roaring_view_internal

class RoaringView {
 public:
  // Parses and validates the header of a portable-format bitmap in `bytes` (which must outlive the
  // view): cookie, container count, keys strictly increasing, every container's byte range inside
  // `bytes` (and the offset table, when present, agreeing with it), run containers' runs sorted,
  // non-overlapping, inside 0..65535 and summing to the header cardinality. Bytes after the bitmap
  // are ignored (see size_in_bytes()). Corruption("...") on failure, leaving *out untouched.
  // With RunCheck::kCheckedBefore the runs are not walked (a common word's bitmap may hold
  // thousands): only for bytes that are those an earlier Open checked whole, unchanged since.
  enum class RunCheck { kCheck, kCheckedBefore };
  static Status Open(std::string_view bytes, RoaringView* out,
                     RunCheck run_check = RunCheck::kCheck);

  RoaringView() = default;  // an empty bitmap
  // The bitmap {doc}, its bytes held in the view itself: a term in one document keeps its docid
  // in the dictionary (segment format 7), with no bitmap in any file. ToRoaring(), cursors and
  // the container accessors read it like any other view.
  static RoaringView Single(uint32_t doc);
  // A view of its own bytes (Single) points into the copy's bytes, any other at the same bytes.
  RoaringView(const RoaringView& other) noexcept { CopyFrom(other); }
  RoaringView& operator=(const RoaringView& other) noexcept {
    if (this != &other) CopyFrom(other);
    return *this;
  }

  uint64_t cardinality() const { return cardinality_; }
  // The exact number of bytes the serialized bitmap occupies at the start of `bytes`.
  size_t size_in_bytes() const { return size_bytes_; }
  uint32_t num_containers() const { return num_containers_; }

  // Everything Open() does not check: array containers strictly increasing, bitset popcounts equal
  // to the header cardinalities. O(size); meant for --verify.
  Status Validate() const;

  // A new CRoaring bitmap with the same contents, for set algebra; the caller owns it
  // (roaring_bitmap_free). Runs Validate() first, because CRoaring trusts serialized
  // cardinalities and sortedness and would overflow its own buffers on bytes that lie.
  // nullptr on failure.
  roaring_bitmap_t* ToRoaring() const;

  // A forward-only cursor. doc() is the current docid, kNoMoreDocs once exhausted; a new cursor is
  // on the first docid. The view (not only its bytes) must outlive the cursor. Copyable, 72 bytes,
  // never allocates.
  class Cursor {
   public:
    Cursor() = default;  // exhausted

    uint32_t doc() const { return doc_; }
    // 0-based rank of doc() in the bitmap, for indexing arrays aligned with the posting list.
    // Always < cardinality() while doc() != kNoMoreDocs; equals cardinality() once exhausted.
    uint64_t ordinal() const { return ord_; }

    // Moves to the next docid and returns it (kNoMoreDocs at the end, and from then on).
    inline uint32_t Next();
    // Stores doc() and the docids after it, up to n of them and up to `last`, into out and
    // moves past them: returns how many (fewer than n only at the end or past `last`). An
    // array container's run is copied without a step per docid.
    inline size_t Take(uint32_t* out, size_t n, uint32_t last = kNoMoreDocs - 1);
    // Moves past doc() and the docids after it, n in all, as Take(…, n) does, but stores only
    // those at the given ranks among them: ranks[0 … m) increase, rank 0 is doc(), and out[j]
    // gets the docid of rank ranks[j]. Returns how many docids it moved past (fewer than n
    // only at the end; ranks from there on get nothing). An array container's docids are read
    // at their ranks, not one by one. n is at most kMaxTakeRanks.
    static constexpr size_t kMaxTakeRanks = 256;
    inline size_t TakeRanks(const uint8_t* ranks, size_t m, size_t n, uint32_t* out);
    // Moves to the first docid >= target and returns it; never moves backwards, so a target <=
    // doc() leaves the cursor where it is.
    uint32_t Advance(uint32_t target) {
      if (target <= doc_) return doc_;
      return AdvanceSlow(target);
    }

   private:
    friend class RoaringView;
    enum class Kind : uint8_t { kArray, kBitset, kRun, kExhausted };

    // Leaves the current container (ord_ jumps to its end rank) and moves to the first docid of
    // the next non-empty one.
    uint32_t NextContainer();
    // Positions on the first docid of container i or, if it is empty (only corrupt bitsets can
    // be), of the first non-empty container after it. ord_ must be container i's base rank.
    uint32_t EnterContainer(uint32_t i);
    uint32_t AdvanceSlow(uint32_t target);
    // Within the current container, to the first value >= low; requires doc_ < high_ | low.
    // AdvanceInBitset has a clone with the popcnt instruction, picked at load time (clang takes
    // the attribute only on the first declaration).
    uint32_t AdvanceInArray(uint32_t low);
    __attribute__((target_clones("popcnt", "default"))) uint32_t AdvanceInBitset(uint32_t low);
    uint32_t AdvanceInRun(uint32_t low);
    // Take()'s step in a bitset container, from doc_ on: out[*taken...] gets its set bits a word
    // at a time, up to n docids in all and up to `last`. Leaves the cursor on the first docid
    // not taken, or in the next container past the header's cardinality or the last word (as
    // Next() does).
    inline void TakeFromBitset(uint32_t* out, size_t n, uint32_t last, size_t* taken);
    // Take()'s and TakeRanks()' step in a run container, a run at a time: passes docids from
    // doc_ on, up to `last` and until *passed reaches n, and calls visit(first, at, count) for
    // each stretch of them, the consecutive docids first … first + count - 1 passed as the
    // at-th and later. Leaves the cursor as Next() would after the last one passed, in the next
    // container if the runs end.
    template <typename Visit>
    inline void PassRuns(size_t n, uint32_t last, size_t* passed, Visit visit);

    const RoaringView* view_ = nullptr;
    const char* data_ = nullptr;  // current container: array values, bitset words or runs
    uint64_t ord_ = 0;            // rank of doc_
    uint64_t end_ord_ = 0;        // rank one past the current container, from the header
    uint64_t word_ = 0;           // bitset: the current word with bits below doc_ cleared
    uint32_t doc_ = kNoMoreDocs;
    uint32_t high_ = 0;       // current container's key << 16
    uint32_t pos_ = 0;        // array: value index; bitset: word index; run: run index
    uint32_t limit_ = 0;      // array: cardinality; run: number of runs
    uint32_t run_end_ = 0;    // run: last low value of the current run
    uint32_t container_ = 0;  // index of the current container
    Kind kind_ = Kind::kExhausted;
  };

  Cursor NewCursor() const;

  // Container i (< num_containers()) as Open() bounded it, for set algebra straight on the
  // bytes (common/roaring_count.h). Its values are unchecked unless Validate() passed.
  struct Container {
    enum class Kind : uint8_t { kArray, kBitset, kRun };
    Kind kind;
    uint32_t cardinality;  // from the header; Open() checked it against runs only
    // kArray: `cardinality` uint16 values; kBitset: 1024 uint64 words; kRun: `num_runs`
    // (start, length - 1) uint16 pairs, sorted, disjoint and inside 0..65535. Unaligned.
    const char* data;
    uint32_t num_runs;  // kRun only
  };
  uint16_t key(uint32_t i) const { return roaring_view_internal::Load16(keycards_ + 4 * i); }
  Container container(uint32_t i) const {
    const char* data = container_data(i);
    const uint32_t card = container_cardinality(i);
    if (is_run(i)) {
      return {Container::Kind::kRun, card, data + 2, roaring_view_internal::Load16(data)};
    }
    return {card > kMaxArrayCardinality ? Container::Kind::kBitset : Container::Kind::kArray, card,
            data, 0};
  }

 private:
  static constexpr uint32_t kNoOffsetThreshold = 4;
  static constexpr uint32_t kMaxArrayCardinality = 4096;

  uint32_t container_cardinality(uint32_t i) const {
    return uint32_t{roaring_view_internal::Load16(keycards_ + 4 * i + 2)} + 1;
  }
  bool is_run(uint32_t i) const {
    return run_flags_ != nullptr && ((static_cast<uint8_t>(run_flags_[i >> 3]) >> (i & 7)) & 1);
  }
  const char* container_data(uint32_t i) const {
    return data_ + (offsets_ != nullptr ? roaring_view_internal::Load32(offsets_ + 4 * i)
                                        : small_offsets_[i]);
  }

  // Every member, with the pointers into `other.single_` moved into this view's own.
  void CopyFrom(const RoaringView& other) {
    data_ = other.data_;
    keycards_ = other.keycards_;
    run_flags_ = other.run_flags_;
    offsets_ = other.offsets_;
    std::memcpy(small_offsets_, other.small_offsets_, sizeof(small_offsets_));
    num_containers_ = other.num_containers_;
    cardinality_ = other.cardinality_;
    size_bytes_ = other.size_bytes_;
    if (other.data_ == other.single_) {
      std::memcpy(single_, other.single_, sizeof(single_));
      data_ = single_;
      keycards_ = single_ + (other.keycards_ - other.single_);
      run_flags_ = single_ + (other.run_flags_ - other.single_);
    }
  }

  const char* data_ = nullptr;
  const char* keycards_ = nullptr;   // num_containers_ (key, cardinality - 1) uint16 pairs
  const char* run_flags_ = nullptr;  // null when the cookie rules out run containers
  const char* offsets_ = nullptr;    // null when absent: then small_offsets_ holds them
  uint32_t small_offsets_[kNoOffsetThreshold - 1] = {};
  uint32_t num_containers_ = 0;
  uint64_t cardinality_ = 0;
  size_t size_bytes_ = 0;
  // Single(): the portable serialization of one value (run header with no run flagged, one
  // key and cardinality, one array value), which data_ then points to.
  static constexpr size_t kSingleBytes = 11;
  char single_[kSingleBytes] = {};
};

inline uint32_t RoaringView::Cursor::Next() {
  using roaring_view_internal::Load16;
  using roaring_view_internal::Load64;
  switch (kind_) {
    case Kind::kArray:
      if (++pos_ < limit_) {
        ++ord_;
        doc_ = high_ | Load16(data_ + 2 * pos_);
        return doc_;
      }
      return NextContainer();
    case Kind::kRun:
      ++ord_;
      if ((doc_ & 0xFFFFu) < run_end_) return ++doc_;
      if (++pos_ < limit_) {
        const uint32_t start = Load16(data_ + 4 * pos_);
        run_end_ = start + Load16(data_ + 4 * pos_ + 2);
        doc_ = high_ | start;
        return doc_;
      }
      return NextContainer();
    case Kind::kBitset:
      // Stopping at the header cardinality keeps ordinals in range even if the bits disagree.
      if (++ord_ == end_ord_) return NextContainer();
      word_ &= word_ - 1;
      while (word_ == 0) {
        if (++pos_ == 1024) return NextContainer();
        word_ = Load64(data_ + 8 * pos_);
      }
      doc_ = high_ | (pos_ << 6) | static_cast<uint32_t>(__builtin_ctzll(word_));
      return doc_;
    case Kind::kExhausted:
      break;
  }
  return doc_;
}

inline size_t RoaringView::Cursor::Take(uint32_t* out, size_t n, uint32_t last) {
  using roaring_view_internal::Load16;
  size_t k = 0;
  while (k < n && doc_ <= last) {
    if (kind_ == Kind::kArray) {
      // Values pos_ to pos_ + m - 1; the cursor then stands on the last and steps off it with
      // Next, which leaves the container when that was its last value.
      uint32_t m = static_cast<uint32_t>(std::min<size_t>(limit_ - pos_, n - k));
      // Locals: stores through `out` could otherwise alias the members, reloaded every value.
      const uint32_t high = high_;
      const char* const values = data_ + 2 * pos_;
      uint32_t* const to = out + k;
      if ((high | Load16(values + 2 * (m - 1))) <= last) {
        for (uint32_t j = 0; j < m; ++j) to[j] = high | Load16(values + 2 * j);
      } else {  // the run passes `last` (doc_ does not: m stays at least 1)
        uint32_t j = 0;
        for (; j < m && (high | Load16(values + 2 * j)) <= last; ++j)
          to[j] = high | Load16(values + 2 * j);
        m = j;
      }
      k += m;
      pos_ += m - 1;
      ord_ += m - 1;
      doc_ = out[k - 1];
    } else if (kind_ == Kind::kBitset) {
      TakeFromBitset(out, n, last, &k);
      continue;
    } else {
      PassRuns(n, last, &k, [out](uint32_t first, size_t at, size_t count) {
        for (size_t i = 0; i < count; ++i) out[at + i] = first + static_cast<uint32_t>(i);
      });
      continue;
    }
    Next();
  }
  return k;
}

inline size_t RoaringView::Cursor::TakeRanks(const uint8_t* ranks, size_t m, size_t n,
                                             uint32_t* out) {
  using roaring_view_internal::Load16;
  assert(n <= kMaxTakeRanks);
  size_t passed = 0, j = 0;
  // The last key's container may hold kNoMoreDocs itself (only damaged bytes do), where Take
  // stops: that container goes through Take.
  while (passed < n && high_ != (kNoMoreDocs & 0xFFFF0000u)) {
    if (kind_ == Kind::kArray) {
      const uint32_t step = static_cast<uint32_t>(std::min<size_t>(limit_ - pos_, n - passed));
      const uint32_t high = high_;
      const char* const values = data_ + 2 * pos_;
      for (; j < m && ranks[j] < passed + step; ++j)
        out[j] = high | Load16(values + 2 * (ranks[j] - passed));
      passed += step;
      // On the last docid passed, then off it as Take leaves an array's run.
      pos_ += step - 1;
      ord_ += step - 1;
      doc_ = high | Load16(data_ + 2 * pos_);
    } else if (kind_ == Kind::kRun) {
      PassRuns(n, kNoMoreDocs - 1, &passed, [&](uint32_t first, size_t at, size_t count) {
        for (; j < m && ranks[j] < at + count; ++j)
          out[j] = first + static_cast<uint32_t>(ranks[j] - at);
      });
      continue;
    } else {
      break;
    }
    Next();
  }
  if (passed < n && kind_ != Kind::kExhausted) {
    // A bitset yields its docids one set bit at a time anyway.
    uint32_t taken[kMaxTakeRanks];
    const size_t k = Take(taken, n - passed);
    for (; j < m && ranks[j] < passed + k; ++j) out[j] = taken[ranks[j] - passed];
    passed += k;
  }
  return passed;
}

// Documents added in order make runs (a word common in one source of an archive): short runs
// are many, so the loop keeps the cursor in locals rather than stepping with Next().
template <typename Visit>
inline void RoaringView::Cursor::PassRuns(size_t n, uint32_t last, size_t* passed, Visit visit) {
  using roaring_view_internal::Load16;
  assert(kind_ == Kind::kRun && *passed < n && doc_ <= last);
  size_t k = *passed;
  uint32_t doc = doc_;
  uint32_t pos = pos_;
  uint64_t ord = ord_;
  const uint32_t high = high_, limit = limit_;
  const char* const runs = data_;
  uint32_t run_last = high | run_end_;  // the current run's last docid
  for (;;) {
    const uint32_t stop = std::min(run_last, last);
    const size_t step = std::min<size_t>(stop - doc + 1, n - k);
    visit(doc, k, step);
    k += step;
    ord += step;
    if (doc + (step - 1) < run_last) {  // n or `last` reached inside the run
      doc += static_cast<uint32_t>(step);
      break;
    }
    if (++pos == limit) {
      NextContainer();
      *passed = k;
      return;
    }
    const uint32_t start = Load16(runs + 4 * pos);
    doc = high | start;
    run_last = high | (start + Load16(runs + 4 * pos + 2));
    if (k == n || doc > last) break;
  }
  doc_ = doc;
  ord_ = ord;
  pos_ = pos;
  run_end_ = run_last & 0xFFFFu;
  *passed = k;
}

inline void RoaringView::Cursor::TakeFromBitset(uint32_t* out, size_t n, uint32_t last,
                                                size_t* taken) {
  using roaring_view_internal::Load64;
  // Locals: stores through `out` could otherwise alias the members, reloaded every docid.
  size_t k = *taken;
  uint64_t word = word_;
  uint32_t pos = pos_;
  uint64_t ord = ord_;
  const uint64_t end_ord = end_ord_;
  const uint32_t high = high_;
  for (;;) {
    const uint32_t doc = high | (pos << 6) | static_cast<uint32_t>(__builtin_ctzll(word));
    if (k == n || doc > last) {
      word_ = word;
      pos_ = pos;
      ord_ = ord;
      doc_ = doc;
      break;
    }
    out[k++] = doc;
    // Stopping at the header cardinality keeps ordinals in range even if the bits disagree.
    if (++ord == end_ord) {
      NextContainer();
      break;
    }
    word &= word - 1;
    while (word == 0) {
      if (++pos == 1024) {
        NextContainer();
        *taken = k;
        return;
      }
      word = Load64(data_ + 8 * pos);
    }
  }
  *taken = k;
}

}  // namespace trawl

#endif  // TRAWL_COMMON_ROARING_VIEW_H_
