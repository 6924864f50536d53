#include "common/roaring_view.h"

#include <cassert>
#include <string>

namespace trawl {

namespace {

using roaring_view_internal::Load16;
using roaring_view_internal::Load32;
using roaring_view_internal::Load64;

// From CRoaring's roaring_array.h and the RoaringFormatSpec.
constexpr uint32_t kSerialCookieNoRunContainer = 12346;
constexpr uint32_t kSerialCookie = 12347;
constexpr uint32_t kBitsetWords = 1024;
constexpr size_t kBitsetBytes = kBitsetWords * 8;
constexpr uint32_t kMaxContainers = 1u << 16;

Status Corrupt(const std::string& what) { return Status::Corruption("roaring bitmap: " + what); }

}  // namespace

namespace roaring_view_internal {

__attribute__((target_clones("popcnt", "default"))) uint64_t PopcountWords(const char* words,
                                                                           uint32_t begin,
                                                                           uint32_t end) {
  uint64_t n = 0;
  for (uint32_t i = begin; i < end; ++i) n += __builtin_popcountll(Load64(words + 8 * i));
  return n;
}

}  // namespace roaring_view_internal

using roaring_view_internal::PopcountWords;

Status RoaringView::Open(std::string_view bytes, RoaringView* out, RunCheck run_check) {
  const char* const p = bytes.data();
  const size_t n = bytes.size();
  if (n < 4) return Corrupt("truncated cookie");
  const uint32_t cookie = Load32(p);
  RoaringView v;
  v.data_ = p;
  size_t pos = 4;
  uint32_t count;
  bool has_offsets = true;
  if ((cookie & 0xFFFF) == kSerialCookie) {
    count = (cookie >> 16) + 1;
    const size_t flag_bytes = (count + 7) / 8;
    if (n - pos < flag_bytes) return Corrupt("truncated run flags");
    v.run_flags_ = p + pos;
    pos += flag_bytes;
    has_offsets = count >= kNoOffsetThreshold;
  } else if (cookie == kSerialCookieNoRunContainer) {
    if (n - pos < 4) return Corrupt("truncated container count");
    count = Load32(p + pos);
    pos += 4;
    if (count > kMaxContainers) return Corrupt("too many containers");
  } else {
    return Corrupt("bad cookie");
  }
  v.num_containers_ = count;
  if (n - pos < size_t{4} * count) return Corrupt("truncated keys");
  v.keycards_ = p + pos;
  pos += size_t{4} * count;
  if (has_offsets) {
    if (n - pos < size_t{4} * count) return Corrupt("truncated offsets");
    v.offsets_ = p + pos;
    pos += size_t{4} * count;
  }

  // Containers follow one another with no gaps; CRoaring reads them that way and ignores the
  // offsets, so offsets that disagree mean damage.
  uint64_t cardinality = 0;
  for (uint32_t i = 0; i < count; ++i) {
    if (i > 0 && v.key(i) <= v.key(i - 1)) return Corrupt("container keys not increasing");
    const uint32_t card = v.container_cardinality(i);
    cardinality += card;
    if (has_offsets) {
      if (Load32(v.offsets_ + 4 * i) != pos) return Corrupt("container offset mismatch");
    } else {
      v.small_offsets_[i] = static_cast<uint32_t>(pos);
    }
    if (v.is_run(i)) {
      if (n - pos < 2) return Corrupt("truncated run container");
      const uint32_t num_runs = Load16(p + pos);
      pos += 2;
      if (n - pos < size_t{4} * num_runs) return Corrupt("truncated run container");
      const char* runs = p + pos;
      pos += size_t{4} * num_runs;
      if (run_check == RunCheck::kCheckedBefore) continue;
      uint32_t sum = 0;
      uint32_t next_free = 0;  // lowest value the next run may start at
      for (uint32_t r = 0; r < num_runs; ++r) {
        const uint32_t start = Load16(runs + 4 * r);
        const uint32_t last = start + Load16(runs + 4 * r + 2);
        if (start < next_free) return Corrupt("run container runs unsorted or overlapping");
        if (last > 0xFFFF) return Corrupt("run container run past 65535");
        sum += last - start + 1;
        next_free = last + 1;
      }
      if (sum != card) return Corrupt("run container cardinality mismatch");
    } else {
      const size_t len = card > kMaxArrayCardinality ? kBitsetBytes : size_t{2} * card;
      if (n - pos < len) return Corrupt("truncated container");
      pos += len;
    }
  }
  v.cardinality_ = cardinality;
  v.size_bytes_ = pos;
  *out = v;
  return Status::OK();
}

RoaringView RoaringView::Single(uint32_t doc) {
  RoaringView v;
  char* p = v.single_;
  // cookie | count - 1 (0) as u16 each, one byte of run flags (none set), key | cardinality - 1
  // (0), the value.
  const uint32_t cookie = kSerialCookie;
  const uint16_t key = static_cast<uint16_t>(doc >> 16), low = static_cast<uint16_t>(doc);
  std::memcpy(p, &cookie, 4);
  p[4] = 0;
  std::memcpy(p + 5, &key, 2);
  std::memset(p + 7, 0, 2);
  std::memcpy(p + 9, &low, 2);
  static_assert(kSingleBytes == 11);
  v.data_ = v.single_;
  v.run_flags_ = v.single_ + 4;
  v.keycards_ = v.single_ + 5;
  v.small_offsets_[0] = 9;
  v.num_containers_ = 1;
  v.cardinality_ = 1;
  v.size_bytes_ = kSingleBytes;
  return v;
}

Status RoaringView::Validate() const {
  for (uint32_t i = 0; i < num_containers_; ++i) {
    if (is_run(i)) continue;  // fully checked by Open()
    const uint32_t card = container_cardinality(i);
    const char* c = container_data(i);
    if (card > kMaxArrayCardinality) {
      if (PopcountWords(c, 0, kBitsetWords) != card) {
        return Corrupt("bitset popcount differs from header cardinality");
      }
    } else {
      for (uint32_t j = 1; j < card; ++j) {
        if (Load16(c + 2 * j) <= Load16(c + 2 * (j - 1))) {
          return Corrupt("array container not strictly increasing");
        }
      }
    }
  }
  return Status::OK();
}

roaring_bitmap_t* RoaringView::ToRoaring() const {
  if (size_bytes_ == 0) return roaring_bitmap_create();  // default-constructed view
  if (!Validate().ok()) return nullptr;
  return roaring_bitmap_portable_deserialize_safe(data_, size_bytes_);
}

RoaringView::Cursor RoaringView::NewCursor() const {
  Cursor c;
  c.view_ = this;
  c.EnterContainer(0);
  return c;
}

uint32_t RoaringView::Cursor::NextContainer() {
  ord_ = end_ord_;
  return EnterContainer(container_ + 1);
}

uint32_t RoaringView::Cursor::EnterContainer(uint32_t i) {
  const RoaringView& v = *view_;
  for (; i < v.num_containers_; ++i) {
    const uint32_t card = v.container_cardinality(i);
    container_ = i;
    high_ = uint32_t{v.key(i)} << 16;
    end_ord_ = ord_ + card;
    data_ = v.container_data(i);
    pos_ = 0;
    if (v.is_run(i)) {
      // Open() guarantees at least one run, sorted and within range.
      kind_ = Kind::kRun;
      limit_ = Load16(data_);
      data_ += 2;
      const uint32_t start = Load16(data_);
      run_end_ = start + Load16(data_ + 2);
      doc_ = high_ | start;
      return doc_;
    }
    if (card <= kMaxArrayCardinality) {
      kind_ = Kind::kArray;
      limit_ = card;
      doc_ = high_ | Load16(data_);
      return doc_;
    }
    kind_ = Kind::kBitset;
    for (; pos_ < kBitsetWords; ++pos_) {
      word_ = Load64(data_ + 8 * pos_);
      if (word_ != 0) {
        doc_ = high_ | (pos_ << 6) | static_cast<uint32_t>(__builtin_ctzll(word_));
        return doc_;
      }
    }
    ord_ = end_ord_;  // an all-zero bitset: only damaged bytes make one
  }
  container_ = v.num_containers_;
  kind_ = Kind::kExhausted;
  doc_ = kNoMoreDocs;
  ord_ = v.cardinality_;
  return doc_;
}

uint32_t RoaringView::Cursor::AdvanceSlow(uint32_t target) {
  // Here target > doc_, so the cursor is not exhausted.
  assert(target > doc_ && kind_ != Kind::kExhausted);
  const uint32_t target_high = target & 0xFFFF0000u;
  if (target_high != high_) {
    // Find the first later container with key >= the target's: gallop, then binary search.
    const RoaringView& v = *view_;
    const uint32_t target_key = target >> 16;
    const uint32_t n = v.num_containers_;
    uint32_t lo = container_;  // key(lo) < target_key
    uint32_t hi = lo + 1;      // key(hi) >= target_key once found, or n
    uint32_t step = 1;
    while (hi < n && v.key(hi) < target_key) {
      lo = hi;
      step <<= 1;
      hi = (n - lo > step) ? lo + step : n;
    }
    while (hi - lo > 1) {
      const uint32_t mid = lo + (hi - lo) / 2;
      if (v.key(mid) < target_key) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    // Skipped containers contribute their header cardinalities to the rank.
    uint64_t ord = end_ord_;
    for (uint32_t i = container_ + 1; i < hi; ++i) ord += v.container_cardinality(i);
    ord_ = ord;
    // Landing on a later key (or the end) already satisfies the target.
    if (EnterContainer(hi) >= target) return doc_;
  }
  const uint32_t low = target & 0xFFFFu;
  switch (kind_) {
    case Kind::kArray:
      return AdvanceInArray(low);
    case Kind::kBitset:
      return AdvanceInBitset(low);
    case Kind::kRun:
      return AdvanceInRun(low);
    case Kind::kExhausted:
      break;
  }
  return doc_;
}

uint32_t RoaringView::Cursor::AdvanceInArray(uint32_t low) {
  // Gallop to bracket the target: value(lo) < low, and hi == limit_ or value(hi) >= low.
  uint32_t lo = pos_;
  uint32_t hi = lo + 1;
  uint32_t step = 1;
  while (hi < limit_ && Load16(data_ + 2 * hi) < low) {
    lo = hi;
    step <<= 1;
    hi = (limit_ - lo > step) ? lo + step : limit_;
  }
  // Branchless lower bound in (lo, hi]: the comparisons are unpredictable by nature. The range
  // kept always holds hi or an element seen >= low, so even unsorted bytes yield a value >= low.
  uint32_t base = lo + 1;
  uint32_t n = hi - lo;
  while (n > 1) {
    const uint32_t half = n / 2;
    base = Load16(data_ + 2 * (base + half - 1)) < low ? base + half : base;
    n -= half;
  }
  if (base == limit_) return NextContainer();
  ord_ += base - pos_;
  pos_ = base;
  doc_ = high_ | Load16(data_ + 2 * base);
  return doc_;
}

// A common word's cursor in a conjunction or phrase lands here for nearly every candidate, and
// counts a few words' bits each time: a clone with the popcnt instruction, picked at load time,
// counts each word in one instruction instead of a dozen.
__attribute__((target_clones("popcnt", "default"))) uint32_t RoaringView::Cursor::AdvanceInBitset(
    uint32_t low) {
  // ord_ grows by the set bits in [doc_, new doc): those in word_ below `low`, whole words
  // skipped, and those below `low` in its word.
  const uint32_t target_word = low >> 6;
  const uint64_t keep_mask = ~uint64_t{0} << (low & 63);
  uint64_t w = word_;
  if (target_word != pos_) {
    ord_ += __builtin_popcountll(w);
    if (target_word - pos_ <= 8) {
      for (uint32_t i = pos_ + 1; i < target_word; ++i)
        ord_ += __builtin_popcountll(Load64(data_ + 8 * i));
    } else {
      ord_ += PopcountWords(data_, pos_ + 1, target_word);
    }
    pos_ = target_word;
    w = Load64(data_ + 8 * pos_);
  }
  ord_ += __builtin_popcountll(w & ~keep_mask);
  w &= keep_mask;
  while (w == 0) {
    if (++pos_ == kBitsetWords) return NextContainer();
    w = Load64(data_ + 8 * pos_);
  }
  if (ord_ >= end_ord_) return NextContainer();  // more bits than the header admits
  word_ = w;
  doc_ = high_ | (pos_ << 6) | static_cast<uint32_t>(__builtin_ctzll(w));
  return doc_;
}

uint32_t RoaringView::Cursor::AdvanceInRun(uint32_t low) {
  const uint32_t cur = doc_ & 0xFFFFu;
  if (low <= run_end_) {
    ord_ += low - cur;
    doc_ = high_ | low;
    return doc_;
  }
  // Runs are summed one by one anyway for the rank, so a linear scan costs nothing extra.
  uint64_t ord = ord_ + (run_end_ - cur + 1);
  for (uint32_t r = pos_ + 1; r < limit_; ++r) {
    const uint32_t start = Load16(data_ + 4 * r);
    const uint32_t last = start + Load16(data_ + 4 * r + 2);
    if (last >= low) {
      const uint32_t at = low > start ? low : start;
      pos_ = r;
      run_end_ = last;
      ord_ = ord + (at - start);
      doc_ = high_ | at;
      return doc_;
    }
    ord += last - start + 1;
  }
  return NextContainer();
}

}  // namespace trawl
