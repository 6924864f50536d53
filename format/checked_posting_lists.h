// The long posting lists of one segment that SegmentReader::OpenPostings has checked whole
// (the docid bitmap's runs, the block table, the frequency and position areas it points to),
// so that it checks each once rather than at every query: a fixed table of slots, each
// holding one list's TermInfo, read and written by any number of threads without a lock.
#ifndef TRAWL_FORMAT_CHECKED_POSTING_LISTS_H_
#define TRAWL_FORMAT_CHECKED_POSTING_LISTS_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "format/segment_format.h"

namespace trawl {

// Lists shorter than this are checked at every open: their check costs about as much as
// looking them up.
inline constexpr size_t kMinBlocksToRememberChecked = 8;

// A set of TermInfos that may forget: Contains(t) is true only if Insert(t) was called with the
// same values of every field a block table's check reads, and false for any TermInfo it has
// forgotten (a later Insert took its slot) or whose slot another thread is writing. The checks
// depend on nothing but those values and the segment's immutable bytes, so a TermInfo once
// checked never needs to be checked again; a damaged dictionary that gives two terms the same
// offsets but other frequencies or lengths gives them different keys.
class CheckedPostingLists {
 public:
  // `slots` is rounded up to a power of two.
  explicit CheckedPostingLists(size_t slots);
  bool Contains(const TermInfo& t) const;
  void Insert(const TermInfo& t);

 private:
  // A sequence lock per slot: the sequence is odd while a writer fills the slot, and a reader
  // that sees it change (or odd) answers false. The key's fields are atomics, read relaxed, so
  // that a reader racing a writer reads torn values without a data race, and then discards them.
  struct Slot {
    std::atomic<uint32_t> sequence{0};
    std::atomic<uint32_t> doc_freq{0};
    std::atomic<uint32_t> max_tf{0};
    std::atomic<uint64_t> post_offset{0};
    std::atomic<uint64_t> post_length{0};
    std::atomic<uint64_t> pos_offset{0};
    std::atomic<uint64_t> pos_length{0};
  };
  Slot& SlotOf(const TermInfo& t) const;
  size_t mask_;
  std::unique_ptr<Slot[]> slots_;
};

}  // namespace trawl

#endif  // TRAWL_FORMAT_CHECKED_POSTING_LISTS_H_
