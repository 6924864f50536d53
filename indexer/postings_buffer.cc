#include "indexer/postings_buffer.h"

#include <algorithm>
#include <cassert>
#include <cstring>

#include "common/coding.h"
#include "common/hash.h"
#include "common/short_bytes.h"

namespace trawl {

namespace {

// Slices of a stream: 16 bytes, then twice the size each time, up to 2 KiB. A term of one
// occurrence fits its first slice; a common term's stream spends 8 bytes of 2 KiB on links.
constexpr unsigned kFirstSliceBits = 4;
constexpr unsigned kLastLevel = 7;
constexpr uint64_t kLinkBytes = sizeof(uint64_t);
static_assert((uint64_t{1} << (kFirstSliceBits + kLastLevel)) <= SlicePool::kBlockSize);
constexpr size_t kFirstSlots = 16;

constexpr uint64_t SliceSize(unsigned level) { return uint64_t{1} << (kFirstSliceBits + level); }

}  // namespace

uint64_t SlicePool::Allocate(uint64_t size) {
  assert(size <= kBlockSize);
  uint64_t start = end_;
  const size_t block = static_cast<size_t>(start >> kBlockBits);
  // A slice that would not fit in the current block starts the next one that can hold it.
  if (block >= blocks_.size() || (start & (kBlockSize - 1)) + size > BlockSize(block)) {
    while (BlockSize(blocks_.size()) < size) blocks_.emplace_back();  // left unallocated
    start = static_cast<uint64_t>(blocks_.size()) << kBlockBits;
    blocks_.push_back(std::make_unique_for_overwrite<uint8_t[]>(BlockSize(blocks_.size())));
    bytes_ += BlockSize(blocks_.size() - 1);
  }
  end_ = start + size;
  return start;
}

void SlicePool::Clear() { *this = SlicePool(); }

PostingsBuffer::PostingsBuffer(SlicePool* pool) : pool_(pool), slots_(kFirstSlots) {}
PostingsBuffer::PostingsBuffer(PostingsBuffer&&) noexcept = default;
PostingsBuffer& PostingsBuffer::operator=(PostingsBuffer&&) noexcept = default;
PostingsBuffer::~PostingsBuffer() = default;

size_t PostingsBuffer::memory_bytes() const {
  return slots_.capacity() * sizeof(Slot) + terms_.capacity() * sizeof(TermState) +
         starts_.capacity() * sizeof(StreamStarts) + arena_.capacity() +
         terms_.size() * sizeof(SortKey);
}

void PostingsBuffer::Clear() { *this = PostingsBuffer(pool_); }

uint32_t PostingsBuffer::HashOf(std::string_view term) {
  return static_cast<uint32_t>(HashBytes(term));
}

size_t PostingsBuffer::Find(std::string_view term, uint32_t hash, bool* is_new) {
  assert(hash == HashOf(term));
  const size_t mask = slots_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    Slot& slot = slots_[i];
    if (slot.term == 0) {
      TermState& t = terms_.emplace_back();
      starts_.emplace_back();
      t.text = arena_.size();
      t.length = static_cast<uint32_t>(term.size());
      std::memcpy(t.head, term.data(), std::min(term.size(), kHeadBytes));
      arena_.insert(arena_.end(), term.begin(), term.end());
      slot.hash = hash;
      slot.term = static_cast<uint32_t>(terms_.size());
      *is_new = true;
      if (terms_.size() * 2 > slots_.size()) {
        Grow();
      }
      return terms_.size() - 1;
    }
    if (slot.hash == hash && SameText(terms_[slot.term - 1], term)) {
      *is_new = false;
      return slot.term - 1;
    }
  }
}

bool PostingsBuffer::SameText(const TermState& t, std::string_view term) const {
  if (t.length != term.size()) return false;
  const size_t head = std::min(term.size(), kHeadBytes);
  if (!ShortBytesEqual(t.head, term.data(), head)) return false;
  const size_t rest = term.size() - head;
  const char* stored = arena_.data() + t.text + head;
  return rest <= kMaxShortBytes ? ShortBytesEqual(stored, term.data() + head, rest)
                                : std::memcmp(stored, term.data() + head, rest) == 0;
}

void PostingsBuffer::Grow() {
  std::vector<Slot> slots(slots_.size() * 2);
  const size_t mask = slots.size() - 1;
  for (const Slot& slot : slots_) {
    if (slot.term == 0) continue;
    size_t i = slot.hash & mask;
    while (slots[i].term != 0) i = (i + 1) & mask;
    slots[i] = slot;
  }
  slots_ = std::move(slots);
}

void PostingsBuffer::NextSlice(const Stream& s) {
  const bool first = *s.write == 0;  // called with no data bytes left: a slice is full past 0
  if (!first && *s.level < kLastLevel) ++*s.level;
  const uint64_t size = SliceSize(first ? 0 : *s.level);
  if (first) *s.level = 0;
  const uint64_t start = pool_->Allocate(size);
  if (first) {
    *s.start = start;
  } else {
    std::memcpy(pool_->At(*s.write), &start, kLinkBytes);
  }
  *s.write = start;
  *s.left = static_cast<uint16_t>(size - kLinkBytes);
}

void PostingsBuffer::PutVarint(const Stream& s, uint32_t value) {
  // Most varints fit what is left of the slice: written in place, with no call to memcpy.
  if (*s.left >= 5) {
    uint8_t* const begin = pool_->At(*s.write);
    uint8_t* p = begin;
    for (; value >= 0x80; value >>= 7) *p++ = static_cast<uint8_t>(value | 0x80);
    *p++ = static_cast<uint8_t>(value);
    *s.write += static_cast<uint64_t>(p - begin);
    *s.left = static_cast<uint16_t>(*s.left - (p - begin));
    return;
  }
  uint8_t bytes[5];
  size_t n = 0;
  while (value >= 0x80) {
    bytes[n++] = static_cast<uint8_t>(value | 0x80);
    value >>= 7;
  }
  bytes[n++] = static_cast<uint8_t>(value);
  for (size_t i = 0; i < n;) {
    if (*s.left == 0) NextSlice(s);
    const size_t take = std::min<size_t>(*s.left, n - i);
    std::memcpy(pool_->At(*s.write), bytes + i, take);
    *s.write += take;
    *s.left = static_cast<uint16_t>(*s.left - take);
    i += take;
  }
}

void PostingsBuffer::StartDocument(size_t term, bool is_new, uint32_t doc) {
  TermState& t = terms_[term];
  assert(is_new || doc > t.last_doc);
  const Stream docs = DocsStream(term);
  if (!is_new) PutVarint(docs, t.tf);  // the document before is complete
  PutVarint(docs, is_new ? doc : doc - t.last_doc);
  t.last_doc = doc;
  t.tf = 1;
}

void PostingsBuffer::AddOccurrence(std::string_view term, uint32_t doc, uint32_t position) {
  bool is_new;
  const size_t i = Find(term, HashOf(term), &is_new);
  AddOccurrenceOf(i, is_new, doc, position);
}

void PostingsBuffer::AddOccurrences(std::span<const Token> tokens, uint32_t doc,
                                    uint32_t position_base) {
  constexpr size_t kBatch = 32;
  uint32_t hashes[kBatch];
  uint32_t terms[kBatch];
  bool is_new[kBatch];
  for (size_t from = 0; from < tokens.size(); from += kBatch) {
    const std::span<const Token> batch =
        tokens.subspan(from, std::min(kBatch, tokens.size() - from));
    const size_t n = batch.size();
    const size_t mask = slots_.size() - 1;
    for (size_t i = 0; i < n; ++i) {
      hashes[i] = HashOf(batch[i].term);
      __builtin_prefetch(&slots_[hashes[i] & mask]);
    }
    for (size_t i = 0; i < n; ++i) {
      const Slot& slot = slots_[hashes[i] & mask];
      if (slot.term != 0) __builtin_prefetch(&terms_[slot.term - 1]);
    }
    // Find may insert a term and grow the table; of a term it reads only the text, which adding
    // occurrences leaves alone: every token's term is found, in order, before any is added to.
    for (size_t i = 0; i < n; ++i) {
      terms[i] = static_cast<uint32_t>(Find(batch[i].term, hashes[i], &is_new[i]));
      const TermState& t = terms_[terms[i]];
      // A stream's next byte lies in a slice only if the slice has bytes left.
      if (t.positions_left != 0) __builtin_prefetch(pool_->At(t.positions_write));
      if (t.docs_left != 0) __builtin_prefetch(pool_->At(t.docs_write));
    }
    for (size_t i = 0; i < n; ++i) {
      AddOccurrenceOf(terms[i], is_new[i], doc, position_base + batch[i].position);
    }
  }
}

void PostingsBuffer::AddOccurrenceOf(size_t i, bool is_new, uint32_t doc, uint32_t position) {
  TermState& t = terms_[i];
  if (is_new || t.last_doc != doc) {
    StartDocument(i, is_new, doc);
    PutVarint(PositionsStream(i), position);
  } else {
    assert(position > t.last_position);
    PutVarint(PositionsStream(i), position - t.last_position);
    ++t.tf;
  }
  t.last_position = position;
}

void PostingsBuffer::AddOnce(std::string_view term, uint32_t doc) {
  bool is_new;
  const size_t i = Find(term, HashOf(term), &is_new);
  if (is_new || terms_[i].last_doc != doc) StartDocument(i, is_new, doc);
}

void PostingsBuffer::ReadStream(uint64_t start, uint64_t write, uint16_t left,
                                std::string* out) const {
  if (write == 0 && left == 0) return;
  const uint64_t end = write + left;  // where the current slice's data ends
  uint64_t at = start;
  uint64_t slice_end = start + SliceSize(0) - kLinkBytes;
  unsigned level = 0;
  for (;;) {
    // The stream's current slice is the one holding its write cursor.
    const bool last = slice_end == end;
    const uint64_t stop = last ? write : slice_end;
    out->append(reinterpret_cast<const char*>(pool_->At(at)), static_cast<size_t>(stop - at));
    if (last) return;
    std::memcpy(&at, pool_->At(slice_end), kLinkBytes);
    if (level < kLastLevel) ++level;
    slice_end = at + SliceSize(level) - kLinkBytes;
  }
}

Status PostingsBuffer::ForEachTermSorted(const TermVisitor& visit) const {
  const char* arena = arena_.data();
  auto text = [&](uint32_t i) {
    return std::string_view(arena + terms_[i].text, terms_[i].length);
  };
  // Sorted by their first eight bytes as a big-endian number (zero-padded), read from the
  // terms' heads, and only on a tie by their bytes: where two such numbers differ, they order
  // the terms as their bytes do. Most comparisons then read neither the arena nor the states.
  std::vector<SortKey> keys(terms_.size());
  for (uint32_t i = 0; i < keys.size(); ++i) {
    const TermState& t = terms_[i];
    uint64_t prefix = 0;
    for (size_t b = 0; b < 8; ++b) prefix = prefix << 8 | static_cast<uint8_t>(t.head[b]);
    keys[i] = {prefix, i};
  }
  static_assert(kHeadBytes >= 8);
  std::sort(keys.begin(), keys.end(), [&](const SortKey& a, const SortKey& b) {
    return a.prefix != b.prefix ? a.prefix < b.prefix : text(a.term) < text(b.term);
  });
  std::string doc_bytes, positions;
  std::vector<uint32_t> docs, tfs;
  for (const SortKey& key : keys) {
    const uint32_t i = key.term;
    const TermState& t = terms_[i];
    doc_bytes.clear();
    positions.clear();
    docs.clear();
    tfs.clear();
    ReadStream(starts_[i].docs, t.docs_write, t.docs_left, &doc_bytes);
    ReadStream(starts_[i].positions, t.positions_write, t.positions_left, &positions);
    ByteReader reader(doc_bytes);
    uint32_t doc = 0;
    while (!reader.empty()) {
      uint32_t value = 0;
      [[maybe_unused]] bool ok = reader.ReadVarint32(&value);
      assert(ok);
      if (!docs.empty()) {
        tfs.push_back(value);
        ok = reader.ReadVarint32(&value);
        assert(ok);
      }
      doc += value;
      docs.push_back(doc);
    }
    tfs.push_back(t.tf);
    assert(docs.size() == tfs.size() && docs.back() == t.last_doc);
    TRAWL_RETURN_IF_ERROR(visit(text(i), docs, tfs, positions));
  }
  return Status::OK();
}

}  // namespace trawl
