#include "format/checked_posting_lists.h"

#include <algorithm>
#include <bit>

namespace trawl {

CheckedPostingLists::CheckedPostingLists(size_t slots)
    : mask_(std::bit_ceil(std::max<size_t>(slots, 1)) - 1), slots_(new Slot[mask_ + 1]) {}

CheckedPostingLists::Slot& CheckedPostingLists::SlotOf(const TermInfo& t) const {
  // A list's .post offset is unique in an intact segment; multiplying spreads neighbouring
  // offsets (lists of similar lengths) over the slots.
  const uint64_t h = (t.post_offset ^ (t.pos_offset << 17)) * 0x9e3779b97f4a7c15ull;
  return slots_[(h >> 32) & mask_];
}

bool CheckedPostingLists::Contains(const TermInfo& t) const {
  // A sequence lock's reader (Boehm, "Can seqlocks get along with programming language memory
  // models?", 2012): the acquire fence keeps the key's loads before the second sequence load.
  const Slot& s = SlotOf(t);
  const uint32_t before = s.sequence.load(std::memory_order_acquire);
  if (before == 0 || (before & 1) != 0) return false;
  const bool same = s.post_offset.load(std::memory_order_relaxed) == t.post_offset &&
                    s.post_length.load(std::memory_order_relaxed) == t.post_length &&
                    s.pos_offset.load(std::memory_order_relaxed) == t.pos_offset &&
                    s.pos_length.load(std::memory_order_relaxed) == t.pos_length &&
                    s.doc_freq.load(std::memory_order_relaxed) == t.doc_freq &&
                    s.max_tf.load(std::memory_order_relaxed) == t.max_tf;
  std::atomic_thread_fence(std::memory_order_acquire);
  return same && s.sequence.load(std::memory_order_relaxed) == before;
}

void CheckedPostingLists::Insert(const TermInfo& t) {
  Slot& s = SlotOf(t);
  uint32_t sequence = s.sequence.load(std::memory_order_relaxed);
  // Another writer holds the slot: this list is checked again next time instead.
  if ((sequence & 1) != 0 ||
      !s.sequence.compare_exchange_strong(sequence, sequence + 1, std::memory_order_relaxed))
    return;
  // The odd sequence is visible before any field changes.
  std::atomic_thread_fence(std::memory_order_release);
  s.post_offset.store(t.post_offset, std::memory_order_relaxed);
  s.post_length.store(t.post_length, std::memory_order_relaxed);
  s.pos_offset.store(t.pos_offset, std::memory_order_relaxed);
  s.pos_length.store(t.pos_length, std::memory_order_relaxed);
  s.doc_freq.store(t.doc_freq, std::memory_order_relaxed);
  s.max_tf.store(t.max_tf, std::memory_order_relaxed);
  s.sequence.store(sequence + 2, std::memory_order_release);
}

}  // namespace trawl
