#include "indexer/postings_buffer.h"

#include <algorithm>
#include <cassert>
#include <cstring>

#include "common/coding.h"

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

uint32_t HashOf(std::string_view term) {
  return static_cast<uint32_t>(std::hash<std::string_view>{}(term));
}

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
         arena_.capacity() + terms_.size() * sizeof(uint32_t);
}

void PostingsBuffer::Clear() { *this = PostingsBuffer(pool_); }

PostingsBuffer::TermState& PostingsBuffer::Find(std::string_view term, bool* is_new) {
  const uint32_t hash = HashOf(term);
  const size_t mask = slots_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    Slot& slot = slots_[i];
    if (slot.term == 0) {
      TermState t;
      t.text = arena_.size();
      t.length = static_cast<uint32_t>(term.size());
      arena_.insert(arena_.end(), term.begin(), term.end());
      terms_.push_back(t);
      slot.hash = hash;
      slot.term = static_cast<uint32_t>(terms_.size());
      *is_new = true;
      if (terms_.size() * 2 > slots_.size()) {
        Grow();
      }
      return terms_.back();
    }
    if (slot.hash == hash) {
      TermState& t = terms_[slot.term - 1];
      if (t.length == term.size() &&
          std::memcmp(arena_.data() + t.text, term.data(), term.size()) == 0) {
        *is_new = false;
        return t;
      }
    }
  }
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

void PostingsBuffer::NextSlice(Stream* s, uint8_t* level) {
  const bool first = s->end == 0;
  if (!first && *level < kLastLevel) ++*level;
  const uint64_t size = SliceSize(first ? 0 : *level);
  if (first) *level = 0;
  const uint64_t start = pool_->Allocate(size);
  if (first) {
    s->start = start;
  } else {
    std::memcpy(pool_->At(s->end), &start, kLinkBytes);
  }
  s->write = start;
  s->end = start + size - kLinkBytes;
}

void PostingsBuffer::PutVarint(Stream* s, uint8_t* level, uint32_t value) {
  uint8_t bytes[5];
  size_t n = 0;
  while (value >= 0x80) {
    bytes[n++] = static_cast<uint8_t>(value | 0x80);
    value >>= 7;
  }
  bytes[n++] = static_cast<uint8_t>(value);
  for (size_t i = 0; i < n;) {
    if (s->write == s->end) NextSlice(s, level);
    const size_t room = static_cast<size_t>(s->end - s->write);
    const size_t take = std::min(room, n - i);
    std::memcpy(pool_->At(s->write), bytes + i, take);
    s->write += take;
    i += take;
  }
}

void PostingsBuffer::StartDocument(TermState* t, bool is_new, uint32_t doc) {
  assert(is_new || doc > t->last_doc);
  if (!is_new) PutVarint(&t->docs, &t->docs_level, t->tf);  // the document before is complete
  PutVarint(&t->docs, &t->docs_level, is_new ? doc : doc - t->last_doc);
  t->last_doc = doc;
  t->tf = 1;
}

void PostingsBuffer::AddOccurrence(std::string_view term, uint32_t doc, uint32_t position) {
  bool is_new;
  TermState& t = Find(term, &is_new);
  if (is_new || t.last_doc != doc) {
    StartDocument(&t, is_new, doc);
    PutVarint(&t.positions, &t.positions_level, position);
  } else {
    assert(position > t.last_position);
    PutVarint(&t.positions, &t.positions_level, position - t.last_position);
    ++t.tf;
  }
  t.last_position = position;
}

void PostingsBuffer::AddOnce(std::string_view term, uint32_t doc) {
  bool is_new;
  TermState& t = Find(term, &is_new);
  if (is_new || t.last_doc != doc) StartDocument(&t, is_new, doc);
}

void PostingsBuffer::ReadStream(const Stream& s, std::string* out) const {
  if (s.end == 0) return;
  uint64_t at = s.start;
  uint64_t slice_end = s.start + SliceSize(0) - kLinkBytes;
  unsigned level = 0;
  for (;;) {
    // The stream's current slice is the one holding its write cursor.
    const bool last = slice_end == s.end;
    const uint64_t stop = last ? s.write : slice_end;
    out->append(reinterpret_cast<const char*>(pool_->At(at)), static_cast<size_t>(stop - at));
    if (last) return;
    std::memcpy(&at, pool_->At(slice_end), kLinkBytes);
    if (level < kLastLevel) ++level;
    slice_end = at + SliceSize(level) - kLinkBytes;
  }
}

Status PostingsBuffer::ForEachTermSorted(const TermVisitor& visit) const {
  std::vector<uint32_t> order(terms_.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  const char* arena = arena_.data();
  auto text = [&](uint32_t i) {
    return std::string_view(arena + terms_[i].text, terms_[i].length);
  };
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return text(a) < text(b); });
  std::string doc_bytes, positions;
  std::vector<uint32_t> docs, tfs;
  for (uint32_t i : order) {
    const TermState& t = terms_[i];
    doc_bytes.clear();
    positions.clear();
    docs.clear();
    tfs.clear();
    ReadStream(t.docs, &doc_bytes);
    ReadStream(t.positions, &positions);
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
