// SegmentReader: read-only access to one immutable segment through memory maps. Every offset and
// length read from a file is checked against the file's bounds; damage is reported as a
// Corruption status naming the file, never a crash.
#ifndef TRAWL_FORMAT_SEGMENT_READER_H_
#define TRAWL_FORMAT_SEGMENT_READER_H_

#include <algorithm>
#include <array>
#include <cassert>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/bitpack.h"
#include "common/coding.h"
#include "common/roaring_view.h"
#include "format/checked_posting_lists.h"
#include "format/column_reader.h"
#include "format/file_format.h"
#include "format/segment_format.h"
#include "format/store_reader.h"
#include "trawl/schema.h"
#include "trawl/status.h"

namespace trawl {

struct FieldInfo {
  std::string name;
  // BM25's N for this field, as Lucene counts it: 32 bits in a segment, 64 bits once summed
  // over the segments of many shards.
  uint64_t docs_with_field = 0;
  uint64_t total_length = 0;     // sum of field lengths: avgdl = total_length / docs_with_field
  // Segments of format 1 and 2 have no types: their field 0 (id) reads as kKeyword, the rest
  // as kText.
  FieldType type = FieldType::kText;
};

// One term's postings, validated: a cursor over docids with term frequencies, and positions on
// demand. Views into the segment's maps: must not outlive the SegmentReader.
class PostingList {
 public:
  PostingList() = default;
  // Views into itself (a term of one document's frequency, its bitmap): opened in place.
  PostingList(const PostingList&) = delete;
  PostingList& operator=(const PostingList&) = delete;
  uint32_t doc_freq() const { return info_.doc_freq; }
  const TermInfo& info() const { return info_; }
  const RoaringView& docids() const { return bitmap_; }

  using BlockInfo = BlockTableEntry;
  size_t num_blocks() const { return num_blocks_; }
  BlockInfo block(size_t b) const;
  // Single fields of block(b), read without decoding the rest of its entry.
  uint32_t BlockLastDoc(size_t b) const {
    return table_.empty() ? kNoMoreDocs - 1 : TableField(b, BlockTableLayout::kLastDoc);
  }
  size_t BlockFrequenciesOffset(size_t b) const { return table_.empty() ? 0 : TableField(b, BlockTableLayout::kTfOffset);
  }
  // Block b's postings and the range of positions() bytes theirs take.
  size_t BlockPostings(size_t b) const {
    return std::min<size_t>(kPostingBlockSize, info_.doc_freq - b * kPostingBlockSize);
  }
  size_t BlockPositionsBegin(size_t b) const { return table_.empty() ? 0 : TableField(b, BlockTableLayout::kPosOffset);
  }
  size_t BlockPositionsEnd(size_t b) const {
    return b + 1 == num_blocks_ ? positions_.size() : BlockPositionsBegin(b + 1);
  }

  // Where block b's postings' positions start in positions(): after its anchors (format 9) if
  // it has them, and the offsets they hold.
  struct PositionAnchors {
    const char* data = nullptr;  // null for a block without anchors
    uint32_t width = 0;          // bytes an anchor: 2 or 4
    size_t count = 0;
    size_t positions_begin = 0;
    // The offset of the positions of the block's posting k * kPositionAnchorStride from
    // positions_begin, for 1 <= k <= count.
    size_t Get(size_t k) const {
      const char* p = data + (k - 1) * width;
      return width == 2 ? DecodeFixed16(p) : DecodeFixed32(p);
    }
  };
  // False if the anchors' width is not 2 or 4 or they run past the block's positions.
  bool BlockPositionAnchors(size_t b, PositionAnchors* out) const;
  // Whether every anchor of every block holds the offset of its posting's positions, found by
  // passing over the varints before it. For VerifyStructure: seeks trust the anchors.
  bool PositionAnchorsAgree() const;

  // Term frequencies of block b (up to kPostingBlockSize values) into out; returns the count.
  size_t DecodeBlockFrequencies(size_t b, uint32_t* out) const;
  // Block b's bit-packed frequencies, for reading single values without decoding the block.
  struct PackedFrequencies {
    const char* data = nullptr;
    size_t bytes = 0;  // readable from data on: the block's and the term's later blocks'
    uint32_t width = 0;
    uint32_t Get(size_t i) const { return UnpackOne(data, bytes, width, i) + 1; }
    // Get(i) summed over [begin, end).
    uint64_t Sum(size_t begin, size_t end) const {
      return SumPacked(data, bytes, width, begin, end) + (end - begin);
    }
    // Get(i) for i in [begin, end) into out[0, end - begin).
    void Unpack(size_t begin, size_t end, uint32_t* out) const {
      UnpackRange(data, bytes, width, begin, end, out);
      for (size_t i = 0; i < end - begin; ++i) out[i] += 1;
    }
  };
  PackedFrequencies BlockFrequencies(size_t b) const;
  // The positions bytes of the whole term (varints per posting; see docs/format.md).
  std::string_view positions() const { return positions_; }

 private:
  friend class SegmentReader;
  uint32_t TableField(size_t b, BlockTableLayout::Field f) const {
    return table_layout_.Get(table_.data() + b * table_layout_.entry_size(), f);
  }
  TermInfo info_;
  RoaringView bitmap_;
  size_t num_blocks_ = 0;
  std::string_view table_;     // num_blocks entries, or empty for a single block
  uint32_t format_version_ = kSegmentFormatVersion;
  BlockTableLayout table_layout_;  // by the segment's format version and, from 8, the term
  std::string_view tf_data_;
  std::string_view positions_;
  // A term whose one posting the dictionary holds (format 7): its frequency, packed as tf_data_
  // expects (width byte 32, then tf - 1 as 4 bytes, little-endian like the packed blocks).
  char single_frequency_[5] = {};
};

// One posting's positions, decoded one at a time, as a forward-only cursor: a phrase check
// usually settles after the first few positions of a common word, and a stream leaves the rest
// undecoded. Views the segment's map; valid until its PostingCursor moves or reads positions
// again.
class PositionStream {
 public:
  // position() once the stream has none left (or its bytes are damaged): above any position.
  static constexpr uint64_t kEnd = UINT64_MAX;

  PositionStream() = default;  // at its end
  uint64_t position() const { return position_; }
  // Positions not yet read, for ordering streams by how much they hold.
  uint32_t left() const { return left_; }
  // Moves to the next position and returns it (kEnd when none is left).
  uint64_t Next() {
    if (left_ == 0) return position_ = kEnd;
    --left_;
    // Most deltas fit one byte, and most first positions two.
    if (end_ - p_ >= 2) {
      const uint32_t low = p_[0];
      if (low < 0x80) {
        ++p_;
        return position_ += low;
      }
      const uint32_t high = p_[1];
      if (high < 0x80) {
        p_ += 2;
        return position_ += (low & 0x7f) | (high << 7);
      }
    }
    return NextSlow();
  }
  // Moves to the first position >= target and returns it; stays put if already there.
  uint64_t Advance(uint64_t target) {
    while (position_ < target) {
      // A run of one-byte deltas (most of a common word's) with no per-byte bounds checks.
      const unsigned char* p = p_;
      const unsigned char* const stop = p + std::min<size_t>(left_, end_ - p_);
      uint64_t position = position_;
      // Four bytes to a bounds check (a long advance passes hundreds of a common word's).
      int k = 4;
      while (k == 4 && stop - p >= 4) {
        k = 0;
        while (k < 4 && position < target && p[k] < 0x80) position += p[k++];
        p += k;
      }
      if (k == 4)
        while (position < target && p < stop && *p < 0x80) position += *p++;
      left_ -= static_cast<uint32_t>(p - p_);
      p_ = p;
      position_ = position;
      if (position < target) Next();  // a longer delta, or the end
    }
    return position_;
  }

 private:
  friend class PostingCursor;
  uint64_t NextSlow();
  const unsigned char* p_ = nullptr;
  const unsigned char* end_ = nullptr;
  uint32_t left_ = 0;
  uint64_t position_ = kEnd;
};

namespace posting_internal {
// For each byte value, the indexes of its set bits, ascending, one a byte from the lowest; and
// how many there are (a table: the build's baseline x86-64 has no popcount instruction).
inline constexpr std::array<uint64_t, 256> kSetBitIndexes = [] {
  std::array<uint64_t, 256> table{};
  for (uint32_t bits = 0; bits < 256; ++bits) {
    uint32_t k = 0;
    for (uint32_t i = 0; i < 8; ++i)
      if (bits >> i & 1) table[bits] |= uint64_t{i} << (8 * k++);
  }
  return table;
}();
inline constexpr std::array<uint8_t, 256> kSetBitCounts = [] {
  std::array<uint8_t, 256> table{};
  for (uint32_t bits = 0; bits < 256; ++bits)
    for (uint32_t i = 0; i < 8; ++i) table[bits] += bits >> i & 1;
  return table;
}();
}  // namespace posting_internal

// A cursor over one posting list: docids with their frequencies, positions read lazily.
class PostingCursor {
 public:
  explicit PostingCursor(const PostingList* list);
  uint32_t doc() const { return cursor_.doc(); }
  uint32_t Next() { return cursor_.Next(); }
  uint32_t Advance(uint32_t target) { return cursor_.Advance(target); }
  // Inline: scoring loops call it for every posting they score.
  uint32_t freq() {
    const uint64_t ord = cursor_.ordinal();
    const size_t b = ord / kPostingBlockSize;
    if (b != loaded_block_) LoadBlock(b);
    return packed_freqs_.Get(ord % kPostingBlockSize);
  }
  uint64_t ordinal() const { return cursor_.ordinal(); }
  // For scoring a block at a time: the current posting and the rest of its block up to docid
  // `last`, their docids into docs and frequencies into freqs (room for kPostingBlockSize
  // each). The cursor moves to the first posting after them. Returns how many (0 once
  // exhausted or past `last`).
  size_t ReadRestOfBlock(uint32_t* docs, uint32_t* freqs, uint32_t last = kNoMoreDocs - 1);
  // The same over the whole rest of the block, but only for the postings of frequency
  // min_freq (at least 1) or more that keep(freq) accepts: their docids and frequencies, in
  // order, into docs and freqs; returns how many. *read gets how many postings the cursor
  // moved past (0 once exhausted). Frequencies are read first, so that the docids of the
  // postings left out are not decoded where their container allows (an array's values are
  // read at their ranks).
  template <typename Keep>
  size_t ReadRestOfBlockKept(uint32_t min_freq, Keep keep, uint32_t* docs, uint32_t* freqs,
                             size_t* read);
  // The block of postings holding the current document.
  PostingList::BlockInfo current_block() const {
    return list_->block(cursor_.ordinal() / kPostingBlockSize);
  }
  // Positions of the current document, ascending. False if the positions bytes are damaged.
  bool Positions(std::vector<uint32_t>* out);
  // The same as a stream standing on the first of them. False if the positions bytes are
  // damaged; a stream may also end early on damage that lies further on.
  bool OpenPositions(PositionStream* out);
  const PostingList& list() const { return *list_; }

 private:
  // Once per block a cursor enters: out of line, so that freq() stays small.
  [[gnu::noinline]] void LoadBlock(size_t b);
  // Once per block whose positions a cursor reads (scoring reads the frequencies of many more):
  // the loaded block's positions, at its first posting's.
  [[gnu::noinline]] void LoadBlockPositions();
  // For reading the rest of the current block: loads it; *begin gets the current posting's
  // index in it and *want how many postings are left in it. False once exhausted.
  bool EnterRestOfBlock(size_t* begin, size_t* want) {
    const uint64_t ord = cursor_.ordinal();
    if (cursor_.doc() == kNoMoreDocs || ord >= list_->doc_freq()) return false;
    const size_t b = ord / kPostingBlockSize;
    if (b != loaded_block_) LoadBlock(b);
    *begin = ord % kPostingBlockSize;
    *want = std::min<uint64_t>(kPostingBlockSize - *begin, list_->doc_freq() - ord);
    return true;
  }
  // Moves the position reader to the start of the current posting's positions; *tf gets their
  // number. False if the positions bytes are damaged.
  bool SeekPositions(uint32_t* tf);
  const PostingList* list_;
  RoaringView::Cursor cursor_;
  size_t loaded_block_ = SIZE_MAX;
  // Frequencies are read one at a time from the packed block: a query rarely needs a whole
  // block's (conjunctions and phrases score few documents of each block).
  PostingList::PackedFrequencies packed_freqs_;
  // Positions are read forward through the loaded block: the reader stands at the positions of
  // posting `next_positions_` of the block, and those of the postings a query passes over are
  // skipped without decoding (a phrase of common words needs few documents of each block), from
  // there, from the block's anchor before the posting sought (format 9) or back from the block's
  // end, whichever is nearest.
  ByteReader position_reader_;
  size_t positions_block_ = SIZE_MAX;  // the block whose positions the members below describe
  size_t next_positions_ = 0;
  size_t block_postings_ = 0;
  size_t block_positions_end_ = 0;
  PostingList::PositionAnchors anchors_;
  // The posting (in block) read last and where its positions start, to read them again.
  size_t last_positions_ = SIZE_MAX;
  size_t last_positions_offset_ = 0;
  bool positions_damaged_ = false;
};

template <typename Keep>
size_t PostingCursor::ReadRestOfBlockKept(uint32_t min_freq, Keep keep, uint32_t* docs,
                                          uint32_t* freqs, size_t* read) {
  static_assert(kPostingBlockSize <= RoaringView::Cursor::kMaxTakeRanks);
  assert(min_freq >= 1);  // every stored frequency is at least 1
  *read = 0;
  size_t begin, want;
  if (!EnterRestOfBlock(&begin, &want)) return 0;
  uint32_t all_freqs[kPostingBlockSize];
  packed_freqs_.Unpack(begin, begin + want, all_freqs);
  // Two passes, each without a branch per posting, so that the work for every posting read is
  // a comparison compilers vectorize. First a flag byte per posting of frequency min_freq or
  // more (less one, so that a frequency wrapped to 0 on damaged bytes passes); eight flags make
  // a byte by one multiplication, and the byte's set bits their ranks by one table load. Then
  // the postings flagged are judged by `keep`.
  const uint32_t min_stored = min_freq - 1;
  uint8_t flags[kPostingBlockSize];
  for (size_t i = 0; i < want; ++i) flags[i] = all_freqs[i] - 1 >= min_stored;
  const size_t groups = (want + 7) / 8;
  std::fill(flags + want, flags + 8 * groups, uint8_t{0});
  // Eight bytes of slack: each group stores eight ranks, of which the next group's overwrite
  // those past its set bits.
  uint8_t flagged[kPostingBlockSize + 8];
  size_t num_flagged = 0;
  for (size_t g = 0; g < groups; ++g) {
    uint64_t bytes;
    std::memcpy(&bytes, flags + 8 * g, 8);
    // Byte i (0 or 1) lands on bit 56 + i alone: the partial products never overlap.
    const uint32_t bits = static_cast<uint32_t>((bytes * 0x0102040810204080ull) >> 56);
    // Ranks below 128 in every byte: adding the group's base to each never carries.
    const uint64_t group = posting_internal::kSetBitIndexes[bits] + 0x0808080808080808ull * g;
    std::memcpy(flagged + num_flagged, &group, 8);
    num_flagged += posting_internal::kSetBitCounts[bits];
  }
  // The ranks kept, in place of those flagged.
  uint8_t* const ranks = flagged;
  size_t kept = 0;
  for (size_t j = 0; j < num_flagged; ++j) {
    const uint8_t rank = flagged[j];
    ranks[kept] = rank;
    kept += keep(all_freqs[rank]);
  }
  const size_t n = cursor_.TakeRanks(ranks, kept, want, docs);
  *read = n;
  // A bitset whose bits disagree with its header's cardinality may end early.
  if (n < want) kept = static_cast<size_t>(std::lower_bound(ranks, ranks + kept, n) - ranks);
  for (size_t j = 0; j < kept; ++j) freqs[j] = all_freqs[ranks[j]];
  return kept;
}

class SegmentReader {
 public:
  // Opens <dir>/<name>.*. verify_checksums: check every file's CRC now (reads every byte).
  // `fs` null means FileSystem::Default(); the reader does not need it after.
  static Status Open(const std::string& dir, const std::string& name, bool verify_checksums,
                     std::unique_ptr<SegmentReader>* out, FileSystem* fs = nullptr);
  ~SegmentReader();

  const std::string& name() const { return name_; }
  uint32_t num_docs() const { return num_docs_; }
  uint64_t num_terms() const { return num_terms_; }
  const std::vector<FieldInfo>& fields() const { return fields_; }
  // -1 if this segment has no such field.
  int FieldId(std::string_view field) const;

  // NotFound if the term is absent; Corruption if the dictionary is damaged.
  Status LookupTerm(uint32_t field_id, std::string_view term, TermInfo* info) const;
  // Calls fn for every term of the field starting with prefix, in order, until fn returns false.
  Status ForEachTermWithPrefix(uint32_t field_id, std::string_view prefix,
                               const std::function<bool(std::string_view, const TermInfo&)>& fn) const;
  // Calls fn for every term of the field from `start` on (start itself if present), in order,
  // until fn returns false. Lets a merge walk several dictionaries side by side in batches.
  Status ForEachTermFrom(uint32_t field_id, std::string_view start,
                         const std::function<bool(std::string_view, const TermInfo&)>& fn) const;
  // Validates and opens a term's postings.
  Status OpenPostings(const TermInfo& info, PostingList* out) const;
  // Only the docids of a term's postings, checked as OpenPostings checks them (frequencies and
  // positions are neither opened nor checked): what counting needs.
  Status OpenDocids(const TermInfo& info, RoaringView* out) const;

  // A field without lengths (one that is not text, in a segment of format 3 on) has length 1
  // in every document, so that BM25 scores its terms by tf alone. Damaged bitmaps could name
  // docids past the end; they read as length 0 rather than out of bounds.
  uint32_t FieldLength(uint32_t field_id, uint32_t docid) const {
    if (docid >= num_docs_ || field_id >= field_lengths_.size()) return 0;
    const PackedLengths& packed = packed_lengths_[field_id];
    if (packed.directory != nullptr) {
      const PackedLengths::Block block = packed.BlockOf(docid);
      return block.base + UnpackOne(block.data, block.bytes, block.width, docid % kLengthBlockSize);
    }
    const char* lengths = field_lengths_[field_id];
    return lengths == nullptr ? 1 : DecodeFixed32(lengths + static_cast<size_t>(docid) * 4);
  }
  const StoreReader& store() const { return *store_; }
  // The segment's columns; null for segments of format 1 and 2, which have none.
  const ColumnReader* columns() const { return columns_.get(); }
  // The segment's format version (kSegmentFormatVersion or older).
  uint32_t format_version() const { return format_version_; }

  // Unmaps the pages of every file this process has touched (MappedFile::ReleaseResidentPages):
  // a merge calls it as it goes, so that reading segments through the map does not make its
  // resident set as large as its inputs. Views stay valid.
  void ReleaseResidentPages() const;

  // Full structural check of every term's postings (for --verify).
  Status VerifyStructure() const;

 private:
  friend class FieldLengthReader;  // reads the packed length blocks
  SegmentReader() = default;
  // `checked`: WasChecked(info), so the bitmap's runs need no check.
  Status ReadDocids(const TermInfo& info, bool checked, ByteReader* in, RoaringView* out) const;
  // Whether OpenPostings remembers that it checked this list (checked_lists_): a long list,
  // whose checks cost enough to be worth a slot.
  bool RemembersChecks(const TermInfo& info) const;
  // Whether an earlier OpenPostings checked this list whole (docids, block table, frequency
  // and position areas) and remembered it.
  bool WasChecked(const TermInfo& info) const;
  Status ParseMeta();
  Status ParseDictIndex();
  Status ParseLengths();
  Status OpenColumns(const std::string& dir, bool verify_checksums, FileSystem* fs);
  // Strips the field id code from a dictionary key; false for a damaged key.
  bool SplitKey(std::string_view key, uint32_t* field_id, std::string_view* term) const;
  // Finds the dictionary block that could hold key: the last block whose first key <= key.
  size_t FindBlock(std::string_view key) const;
  // Where the next entry's postings and positions start (format 5 on: the block's head, then
  // each entry's lengths added).
  struct DictBlockCursor {
    uint64_t post_offset = 0;
    uint64_t pos_offset = 0;
    uint32_t doc = 0;  // the docid of the block's last term of one document so far (format 8)
  };
  // Positions `in` at the first entry of dictionary block b, *offsets at its offsets.
  Status OpenDictBlock(size_t b, ByteReader* in, DictBlockCursor* offsets) const;
  // The TermInfo of the dictionary entry `in` stands in, after its key; false if damaged.
  bool ReadTermInfo(ByteReader* in, DictBlockCursor* offsets, TermInfo* info) const;
  // ReadTermInfo and SkipTermInfo (t null) of format 8 on: a pass over an entry still decodes
  // the docid of a term of one document, which the next one's is written against.
  bool ReadCodedTermInfo(ByteReader* in, DictBlockCursor* offsets, TermInfo* info) const;
  bool SkipCodedTermInfo(ByteReader* in, DictBlockCursor* offsets) const;
  // SkipCodedTermInfo without bounds checks, for an entry with kMaxCodedTermInfoBytes readable
  // bytes at p: where the next entry starts, or null (offsets untouched) for any entry that is
  // not a well-formed one of varints of at most ten bytes, which the checked reader then reads.
  static constexpr size_t kMaxCodedTermInfoBytes = 5 * 10;
  static const unsigned char* PassOverCodedTermInfo(const unsigned char* p,
                                                    DictBlockCursor* offsets);
  // A term of one document whose posting (tf, docid) and positions length *t holds: its offsets
  // (no postings, its positions next in the block) and a mark that it is inline.
  static void PlaceInlinePosting(DictBlockCursor* offsets, TermInfo* t);
  // A term whose posting the dictionary holds has no stored min_length: it is its document's
  // length in the field (0 for a damaged docid, which OpenPostings refuses).
  void SetInlineLength(uint32_t field_id, TermInfo* info) const {
    if (info->inline_doc) info->min_length = FieldLength(field_id, info->only_doc);
  }
  // Passes over that TermInfo (t null), or, with t, fills t's offsets and lengths after
  // ReadTermInfo read its statistics; either way moves the offsets on.
  bool SkipTermInfo(ByteReader* in, DictBlockCursor* offsets, TermInfo* t) const;
  // Scans dictionary block b, calling fn(key, info) per entry until fn returns false.
  Status ScanBlock(size_t b, const std::function<bool(std::string_view, const TermInfo&)>& fn) const;

  std::string dir_, name_;
  std::unique_ptr<MappedFile> meta_, dict_, post_, pos_, len_;
  std::unique_ptr<StoreReader> store_;
  std::unique_ptr<ColumnReader> columns_;
  // The long lists OpenPostings has checked (kMinBlocksToRememberChecked blocks or more); null
  // in a segment too small to have any. Filled by queries through a const reader: a cache of
  // what the immutable bytes are, not state.
  std::unique_ptr<CheckedPostingLists> checked_lists_;
  uint32_t format_version_ = kSegmentFormatVersion;
  uint32_t num_docs_ = 0;
  uint64_t num_terms_ = 0;
  std::vector<FieldInfo> fields_;
  std::vector<std::string_view> block_first_keys_;
  std::vector<uint64_t> block_key_prefixes_;  // of block_first_keys_: FindBlock searches them
  std::vector<uint64_t> block_offsets_;
  uint64_t dict_data_end_ = 0;
  // Per field: its num_docs u32 lengths in the .len map (formats 1 to 5), or null when it has
  // none or they are packed.
  std::vector<const char*> field_lengths_;
  // Per field, format 6 on: its block directory and packed blocks, or a null directory.
  struct PackedLengths {
    const char* directory = nullptr;  // per block: base u32, offset u32 into data
    const char* data = nullptr;
    size_t bytes = 0;
    // The documents of the leading whole blocks whose every value can be read with one 8-byte
    // load inside the packed bytes: all but the last block or two.
    uint32_t loadable_docs = 0;
    // A block's lengths: base + `width`-bit values from `data`, of which `bytes` are readable.
    struct Block {
      uint32_t base;
      uint32_t width;
      const char* data;
      size_t bytes;
    };
    // The block holding docid (< the segment's num_docs; the directory is not null). Open
    // checked every block's offset and width against the packed bytes.
    Block BlockOf(uint32_t docid) const {
      const char* entry = directory + static_cast<size_t>(docid / kLengthBlockSize) * 8;
      const size_t offset = DecodeFixed32(entry + 4);
      return {DecodeFixed32(entry), static_cast<unsigned char>(data[offset]), data + offset + 1,
              bytes - offset - 1};
    }
  };
  std::vector<PackedLengths> packed_lengths_;
  Status ParsePackedLengths(ByteReader* in, size_t field);
};

// One field's lengths, read as SegmentReader::FieldLength reads them, for a scorer that reads
// them for ascending docids: the length block of the last docid read is kept, so that a read
// in it is one load and a mask. Any order is correct; other blocks are looked up again.
class FieldLengthReader {
 public:
  FieldLengthReader(const SegmentReader* segment, uint32_t field_id);
  uint32_t Get(uint32_t docid) {
    const uint32_t i = docid - first_;  // a docid below first_ wraps above span_
    if (i > span_) return Load(docid);
    const uint64_t bitpos = static_cast<uint64_t>(i) * width_;
    uint64_t word;
    std::memcpy(&word, data_ + (bitpos >> 3), 8);
    return base_ + static_cast<uint32_t>((word >> (bitpos & 7)) & mask_);
  }
  // Get of each of docids[0, n) into out: a block of postings' lengths.
  void GetMany(const uint32_t* docids, size_t n, uint32_t* out);

 private:
  // Get past the kept block: Keep, then Get, or FieldLength.
  [[gnu::noinline]] uint32_t Load(uint32_t docid);
  // Keeps docid's block when each of its values can be read with one 8-byte load (always but
  // near the end of the lengths); false when it is not kept.
  bool Keep(uint32_t docid) {
    using Block = SegmentReader::PackedLengths::Block;
    uint32_t span = kLengthBlockSize - 1;
    // Blocks before loadable_docs are whole and were checked at open; the last one or two are
    // checked here.
    if (docid >= packed_.loadable_docs) {
      if (docid >= num_docs_ || packed_.directory == nullptr) return false;
      const uint32_t first = docid / kLengthBlockSize * kLengthBlockSize;
      span = std::min(first + (kLengthBlockSize - 1), num_docs_ - 1) - first;
      const Block block = packed_.BlockOf(docid);
      if (block.width != 0 && ((span * block.width) >> 3) + 8 > block.bytes) return false;
    }
    const Block block = packed_.BlockOf(docid);
    first_ = docid / kLengthBlockSize * kLengthBlockSize;
    span_ = span;
    base_ = block.base;
    width_ = block.width;
    mask_ = (uint64_t{1} << block.width) - 1;  // a width is at most 32
    // A width of 0 reads its values from kZeros, masked off.
    data_ = block.width == 0 ? kZeros : block.data;
    return true;
  }
  static constexpr char kZeros[8] = {};
  const SegmentReader* segment_;
  uint32_t field_id_;
  uint32_t num_docs_;
  SegmentReader::PackedLengths packed_;  // the field's; a null directory if not packed
  // The kept block: docids first_ + [0, span_]. At first the docid UINT32_MAX alone, read as
  // length 0 from kZeros, which is what FieldLength says of a docid past the segment.
  uint32_t first_ = UINT32_MAX, span_ = 0, base_ = 0, width_ = 0;
  uint64_t mask_ = 0;
  const char* data_ = kZeros;
};

}  // namespace trawl

#endif  // TRAWL_FORMAT_SEGMENT_READER_H_
