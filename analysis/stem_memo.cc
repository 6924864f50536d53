#include "analysis/stem_memo.h"

#include <cassert>

namespace trawl {

size_t StemMemo::SetOf(std::string_view word, size_t sets) {
  assert(sets != 0 && (sets & (sets - 1)) == 0);
  return Hash(KeyOf(word)) & (sets - 1);
}

void StemMemo::Remember(const Key& key, uint64_t hash, std::string_view stem) {
  if (slots_ == nullptr) {
    Resize(kInitialSets);
  } else if (set_mask_ + 1 < kMaxSets &&
             ++misses_since_growth_ >= slots() / kSlotsPerGrowthMiss) {
    // The words in use no longer fit comfortably (or keep evicting each other).
    Resize((set_mask_ + 1) * 2);
  }
  Slot slot;
  std::memcpy(slot.word, key.words, sizeof(slot.word));
  slot.word_bytes = static_cast<uint8_t>(key.bytes);
  slot.stem_bytes = static_cast<uint8_t>(stem.size());
  // An empty stem may have no data at all, which memcpy must not be given even for 0 bytes.
  if (!stem.empty()) std::memcpy(slot.stem, stem.data(), stem.size());
  PutFirst(&slots_[(hash & set_mask_) * kWays], slot);
}

void StemMemo::PutFirst(Slot* set, const Slot& slot) {
  static_assert(kWays == 2);
  set[1] = set[0];
  set[0] = slot;
}

void StemMemo::Resize(size_t sets) {
  assert(sets != 0 && (sets & (sets - 1)) == 0);
  const size_t old_slots = slots();
  std::unique_ptr<Slot[]> old = std::move(slots_);
  slots_ = std::make_unique<Slot[]>(sets * kWays);  // zeroed: every slot empty
  set_mask_ = sets - 1;
  misses_since_growth_ = 0;
  if (old == nullptr) return;
  // The older way first, so that each set keeps its order. Doubling splits every set in two,
  // so nothing is evicted here.
  for (size_t i = 0; i < old_slots; i += kWays) {
    for (size_t way = kWays; way-- > 0;) {
      const Slot& slot = old[i + way];
      if (slot.word_bytes == 0) continue;
      Key key{};
      std::memcpy(key.words, slot.word, sizeof(key.words));
      key.bytes = slot.word_bytes;
      PutFirst(&slots_[(Hash(key) & set_mask_) * kWays], slot);
    }
  }
}

}  // namespace trawl
