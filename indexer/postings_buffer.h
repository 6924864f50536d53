// PostingsBuffer: one field's postings while a segment is built, in memory.
//
// Every term seen so far, with its documents, their frequencies and the positions, in the order
// they came. Terms are in an open-addressing table over one byte arena. Each term's postings are
// two byte streams (document deltas with frequencies; positions), written into slices of a
// SlicePool shared by the segment's fields, each slice of a stream twice the size of the one
// before, up to a cap. A token of a known term costs one probe and a few bytes appended, never
// an allocation: a table of nodes with three growing vectors per term cost a cache miss at each
// step, three allocations per term and a copy at each growth.
#ifndef TRAWL_INDEXER_POSTINGS_BUFFER_H_
#define TRAWL_INDEXER_POSTINGS_BUFFER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "trawl/analysis.h"
#include "trawl/status.h"

namespace trawl {

// Blocks that slices are cut from, in address order; slices are never freed one by one, only
// all at once. The first block is 1 KiB and each next one twice the size, up to 64 KiB, so that
// a builder of a few documents (a small memory budget flushes after each few) stays small.
class SlicePool {
 public:
  static constexpr unsigned kBlockBits = 16;
  static constexpr uint64_t kBlockSize = uint64_t{1} << kBlockBits;  // the largest block
  static constexpr unsigned kFirstBlockBits = 10;

  // A new slice of `size` bytes (at most kBlockSize). Addresses are stable.
  uint64_t Allocate(uint64_t size);
  // Block i starts at address i * kBlockSize, whatever its size.
  uint8_t* At(uint64_t address) const {
    return blocks_[address >> kBlockBits].get() + (address & (kBlockSize - 1));
  }
  size_t memory_bytes() const { return bytes_ + blocks_.capacity() * sizeof(blocks_[0]); }
  void Clear();

 private:
  static uint64_t BlockSize(size_t block) {
    return block >= kBlockBits - kFirstBlockBits ? kBlockSize
                                                 : uint64_t{1} << (kFirstBlockBits + block);
  }

  std::vector<std::unique_ptr<uint8_t[]>> blocks_;
  uint64_t end_ = 0;    // the next free address
  uint64_t bytes_ = 0;  // of all blocks
};

class PostingsBuffer {
 public:
  // `pool` holds the postings' bytes and must outlive the buffer.
  explicit PostingsBuffer(SlicePool* pool);
  PostingsBuffer(PostingsBuffer&&) noexcept;
  PostingsBuffer& operator=(PostingsBuffer&&) noexcept;
  ~PostingsBuffer();

  // An occurrence of `term` in `doc` at `position`. Documents come in increasing order; within
  // one document, positions increase.
  void AddOccurrence(std::string_view term, uint32_t doc, uint32_t position);
  // AddOccurrence for each token in order: token.term in `doc` at position_base +
  // token.position. A rare term's table slot, state and stream each miss the cache, and each
  // load waits for the one before; a batch takes every token's first step, then every token's
  // next, so that the batch's loads overlap.
  void AddOccurrences(std::span<const Token> tokens, uint32_t doc, uint32_t position_base);
  // `term` in `doc` once, with frequency 1 and no positions (keyword and numeric terms). A
  // repeat within the document adds nothing.
  void AddOnce(std::string_view term, uint32_t doc);

  size_t num_terms() const { return terms_.size(); }
  // Heap bytes held but the pool's: the table, the arena and the term states, plus the sort
  // keys that ForEachTermSorted allocates.
  size_t memory_bytes() const;

  // What SegmentWriter::AddTerm takes: documents ascending, their frequencies, and per document
  // its frequency's worth of position varints (the first absolute, then deltas), or no
  // positions at all for terms added with AddOnce. The views are valid during the call.
  using TermVisitor =
      std::function<Status(std::string_view term, std::span<const uint32_t> docs,
                           std::span<const uint32_t> tfs, std::string_view positions)>;
  // Visits every term in increasing byte order; stops at the first error and returns it.
  Status ForEachTermSorted(const TermVisitor& visit) const;

  // Forgets every term and frees what the buffer holds; the pool keeps its slices.
  void Clear();

  // The hash the term table is probed by (common/hash.h), for tests of terms that share it.
  static uint32_t HashOf(std::string_view term);

 private:
  // Each stream is a chain of slices, each ending in the 8-byte address of the next one. What
  // a token touches of its term is one cache line: the term's first bytes (most terms are
  // compared without the arena), its last document and position, and per stream where the next
  // byte goes and how many data bytes are left of its current slice (at most 2 KiB).
  // write == 0 && left == 0: the stream has no slice yet (a slice at address 0 starts with
  // data bytes left, and once full its write is past 0). Where each stream starts is needed
  // only to read it, so it is kept apart (`starts_`).
  static constexpr size_t kHeadBytes = 18;
  struct alignas(64) TermState {
    uint64_t text = 0;  // offset in arena_ of the whole term
    uint64_t docs_write = 0;
    uint64_t positions_write = 0;
    uint32_t length = 0;
    uint32_t last_doc = 0;
    uint32_t tf = 0;  // of last_doc, not yet in the docs stream
    uint32_t last_position = 0;
    uint16_t docs_left = 0;
    uint16_t positions_left = 0;
    uint8_t docs_level = 0;
    uint8_t positions_level = 0;
    char head[kHeadBytes] = {};  // the term's first bytes, zero past its end
  };
  static_assert(sizeof(TermState) == 64);
  struct StreamStarts {
    uint64_t docs = 0;
    uint64_t positions = 0;
  };
  // One stream of a term: its cursor in the TermState, its start in starts_. The docs stream
  // holds per document its delta from the one before, then (from the second on) the frequency
  // of the one before; the positions stream, per occurrence, its delta in the document.
  struct Stream {
    uint64_t* write;
    uint16_t* left;
    uint8_t* level;
    uint64_t* start;
  };
  Stream DocsStream(size_t term) {
    TermState& t = terms_[term];
    return {&t.docs_write, &t.docs_left, &t.docs_level, &starts_[term].docs};
  }
  Stream PositionsStream(size_t term) {
    TermState& t = terms_[term];
    return {&t.positions_write, &t.positions_left, &t.positions_level, &starts_[term].positions};
  }
  struct Slot {
    uint32_t hash = 0;
    uint32_t term = 0;  // index in terms_ plus one; 0: empty
  };
  // ForEachTermSorted's: a term's first eight bytes as a big-endian number, and the term.
  struct SortKey {
    uint64_t prefix;
    uint32_t term;
  };

  // The term's index in terms_, inserted with no postings if new; `is_new` tells which. `hash`
  // is HashOf(term).
  size_t Find(std::string_view term, uint32_t hash, bool* is_new);
  // The occurrence added to the term Find returned.
  void AddOccurrenceOf(size_t term, bool is_new, uint32_t doc, uint32_t position);
  bool SameText(const TermState& t, std::string_view term) const;
  void Grow();
  // Opens the stream's next slice (its first if it has none).
  void NextSlice(const Stream& s);
  void PutVarint(const Stream& s, uint32_t value);
  // Adds `doc` to the term's documents with frequency 1; the one before, if any, is written
  // out with its final frequency.
  void StartDocument(size_t term, bool is_new, uint32_t doc);
  // Appends to `out` the bytes of the stream that starts at `start` and whose next byte would
  // go to `write`, with `left` data bytes left in its slice.
  void ReadStream(uint64_t start, uint64_t write, uint16_t left, std::string* out) const;

  SlicePool* pool_;
  std::vector<Slot> slots_;  // a power of two, at most half full
  std::vector<TermState> terms_;
  std::vector<StreamStarts> starts_;  // parallel to terms_
  std::vector<char> arena_;
};

}  // namespace trawl

#endif  // TRAWL_INDEXER_POSTINGS_BUFFER_H_
