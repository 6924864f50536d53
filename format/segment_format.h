// Names, kinds and versions of a segment's component files, shared by writer and reader.
// The byte-level layout of each is in docs/format.md.
//
// A segment is a set of immutable files with one name prefix:
//   <name>.meta   META  document count and per-field statistics (BM25 N and total length)
//   <name>.dict   DICT  sorted term dictionary: (field, term) -> df, bounds, posting offsets
//   <name>.post   POST  per term: Roaring docid bitmap (portable format) + bit-packed term freqs
//   <name>.pos    POSI  per term: positions, delta-coded varints, per posting
//   <name>.len    LENS  per text field: every document's length in tokens (u32)
//   <name>.store  STOR  stored documents, zstd-compressed blocks
//   <name>.col    COLS  columns of the typed fields (format/column_writer.h; version 3 on)
#ifndef TRAWL_FORMAT_SEGMENT_FORMAT_H_
#define TRAWL_FORMAT_SEGMENT_FORMAT_H_

#include <algorithm>
#include <cstdint>
#include <cstddef>
#include <string>
#include <string_view>

#include "common/coding.h"

namespace trawl {

// Version 2: block table entries carry impacts (below). Version 3: typed fields: dictionary keys
// start with a variable-length field id (FieldIdCode), .meta holds each field's type, .len only
// the text fields' lengths, terms of other fields may have no positions, and a .col file holds
// the columns. Version 4: the .dict's block index and trailer carry a CRC of their own, which
// every open checks (the file's CRC covers every term, too much to read at each open). Version 5:
// smaller postings of rare terms and dictionary entries: a dictionary block starts with the
// postings and positions offsets of its first term and each entry holds only their lengths, the
// .post has no block count, and none of a term's frequencies when all are 1. Version 6: .len
// holds each field's lengths bit-packed in blocks of kLengthBlockSize. Version 7: a term in one
// document has its docid and frequency in its dictionary entry and nothing in .post (Lucene's
// "pulsing" of singletons). Version 8: block tables store each column in the bytes the term
// needs (BlockTableLayout), and dictionary entries start with a code that lets a term of one
// document drop what it does not need, its docid written as a difference (kDictEntry*).
// Version 9: a block of postings whose positions take kPositionAnchorMinBytes or more starts them
// with anchors, the byte offsets of every kPositionAnchorStride-th posting's positions.
// Versions 1 to 8 are still read.
inline constexpr uint32_t kSegmentFormatVersion = 9;
// The first version with typed fields (everything the comment above lists for version 3).
inline constexpr uint32_t kTypedFieldsVersion = 3;
// The first version whose dictionary index has its own CRC.
inline constexpr uint32_t kDictIndexChecksumVersion = 4;
// The first version with dictionary offsets relative to their block, no block count in the
// postings and no frequency area for a term whose frequencies are all 1.
inline constexpr uint32_t kCompactPostingsVersion = 5;
// The first version whose field lengths are bit-packed (exact, with random access by docid).
inline constexpr uint32_t kPackedLengthsVersion = 6;
// The first version whose terms of one document keep their posting in the dictionary.
inline constexpr uint32_t kInlineSingletonsVersion = 7;
// The first version whose block tables store each column in as few bytes as the term needs.
inline constexpr uint32_t kPackedBlockTablesVersion = 8;
// The first version whose dictionary entries start with a code (below) instead of doc_freq.
inline constexpr uint32_t kDictEntryCodesVersion = 8;
// The first version whose blocks of many positions start with anchors (below).
inline constexpr uint32_t kPositionAnchorsVersion = 9;
// A phrase reaches a common word's postings far apart and reads the positions of one posting
// in a block: without anchors it passes over the varints of the postings before it in the block
// (or after it, back from the block's end), a quarter of a block's on average. An anchor every
// 16 postings leaves at most 15 postings' positions to pass over. A full block's anchors take 15
// bytes (u16): at most 6% of a block from 256 bytes, 0.2% of the peers' mixed index; an anchor
// every 8 postings was faster but would take twice that (docs/benchmarks.md).
inline constexpr size_t kPositionAnchorStride = 16;
inline constexpr size_t kPositionAnchorMinBytes = 256;
// Anchors of a block of `postings` postings: at postings 16, 32, ... below `postings`.
inline constexpr size_t NumPositionAnchors(size_t postings) {
  return postings == 0 ? 0 : (postings - 1) / kPositionAnchorStride;
}
// Whether a block of `postings` postings whose positions take `bytes` has anchors. The answer is
// the same for the bytes without the anchors (as the writer asks) and with them (the reader).
inline constexpr bool HasPositionAnchors(size_t postings, size_t bytes) {
  return NumPositionAnchors(postings) > 0 && bytes >= kPositionAnchorMinBytes;
}
// Documents per block of packed field lengths: a block's directory entry (8 bytes) and width
// byte cost 0.28 bits a document, and a block adapts its width to its own longest field.
inline constexpr uint32_t kLengthBlockSize = 256;
// Postings are grouped in blocks of this many for term frequencies, positions and block-max
// score bounds: small enough that a skip decodes little, large enough that the per-block table
// costs under 1 bit per posting.
inline constexpr uint32_t kPostingBlockSize = 128;
// Terms per dictionary block; each block restarts prefix compression. A lookup passes over
// half a block's entries on average, and a block costs its index key, offset and head whatever
// its size: so the writer closes a block at kDictBlockSize entries, or from kDictBlockMinEntries
// on once it holds kDictBlockSplitBytes, where that fixed cost is a small share (a text
// field's words) and not where it is not (the short ids of a corpus of short documents).
// Readers take blocks of any number of entries.
inline constexpr uint32_t kDictBlockSize = 32;
inline constexpr uint32_t kDictBlockMinEntries = 16;
inline constexpr size_t kDictBlockSplitBytes = 128;
// A posting block's table entry: tf offset, positions offset, max tf, min field length, last
// docid (u32 each), then kBlockImpacts (tf, field length) pairs (u32 each) such that every
// posting of the block has a tf at most and a length at least those of one pair: the block's
// (tf, length) Pareto frontier in at most that many groups, as Lucene's impacts. BM25 rises with
// tf and falls with length, so the best pair bounds the block's scores for any k1, b and avgdl,
// much closer than max tf with min length (which usually come from different documents).
// The last docid lets top-k skip a whole block whose bound is too low.
inline constexpr uint32_t kBlockImpacts = 3;

// One entry of a term's block table: where the block's frequencies and positions start, its
// last docid and its score bounds. BlockTableLayout encodes and decodes it, so that the writer
// and the reader cannot disagree on its layout.
struct BlockTableEntry {
  uint32_t tf_offset = 0;   // into the term's frequency section
  uint32_t pos_offset = 0;  // into the term's positions
  uint32_t max_tf = 0, min_length = 0, last_doc = 0;
  // Impacts: every posting of the block has a tf <= and a length >= one of these pairs.
  // Segments of format 1 have none but the coarse (max_tf, min_length).
  uint32_t num_impacts = 0;
  uint32_t impact_tf[kBlockImpacts] = {}, impact_length[kBlockImpacts] = {};
};

// Version 8 dictionary entries start with a code: a term of one document (its posting in the
// entry) of frequency 1 and no positions, as every id is; of frequency 1; of any frequency; or,
// from kDictEntryDocFreqBias + 2 on, a term of doc_freq code - kDictEntryDocFreqBias.
inline constexpr uint32_t kDictEntryInlineOnceBare = 0;
inline constexpr uint32_t kDictEntryInlineOnce = 1;
inline constexpr uint32_t kDictEntryInline = 2;
inline constexpr uint32_t kDictEntryDocFreqBias = 1;
// A docid as its zigzag-coded difference from the one before: small either way.
inline uint64_t ZigZagDelta(uint32_t before, uint32_t doc) {
  return doc >= before ? uint64_t{doc - before} << 1 : (uint64_t{before - doc} << 1) - 1;
}
// The docid a ZigZagDelta from `before` stands for; false if it is outside u32 (damage).
inline bool UndoZigZagDelta(uint32_t before, uint64_t delta, uint32_t* doc) {
  const uint64_t distance = (delta >> 1) + (delta & 1);
  if (delta & 1 ? distance > before : distance > UINT32_MAX - before) return false;
  *doc = static_cast<uint32_t>(delta & 1 ? before - distance : before + distance);
  return true;
}

// Where each field of a block table entry lies in its bytes. Versions 1 to 7: fixed u32 fields,
// 20 bytes an entry in version 1 (no impacts) and 44 from version 2. Version 8: a term's table
// starts with the byte width (0 to 4) of each of its columns, the fewest that hold the
// column's largest value in that term, and an entry is the columns at those widths: a term of
// a few thousand postings in a short-document corpus takes 10 bytes an entry instead of 44.
// max_tf and min_length are not stored from version 8: the impacts hold them (the frontier's
// first point has the highest tf, its last the shortest length). Single fields are read in
// place (Get).
class BlockTableLayout {
 public:
  // Fields of an entry, in the order of the fixed layouts.
  enum Field : uint8_t {
    kTfOffset, kPosOffset, kMaxTf, kMinLength, kLastDoc,
    kImpactTf0, kImpactLength0,  // then pairs for impacts 1 .. kBlockImpacts - 1
    kNumFields = kImpactTf0 + 2 * kBlockImpacts,
  };
  // The width header of version 8: five 3-bit widths (tf offset, positions offset, last docid,
  // impact tfs, impact lengths) in a u16, low bits first.
  static constexpr size_t kHeaderBytes = 2;

  // The fixed layout of versions 1 to 7.
  static BlockTableLayout Fixed(uint32_t format_version) {
    BlockTableLayout l;
    l.num_impacts_ = format_version >= 2 ? kBlockImpacts : 0;
    for (uint32_t f = 0; f < kImpactTf0 + 2 * l.num_impacts_; ++f) {
      l.offset_[f] = static_cast<uint8_t>(4 * f);
      l.width_[f] = 4;
      l.mask_[f] = UINT32_MAX;
    }
    l.entry_size_ = 4 * (kImpactTf0 + 2 * l.num_impacts_);
    return l;
  }
  // The narrowest version 8 layout that holds every entry (each with kBlockImpacts impacts).
  static BlockTableLayout Packed(const BlockTableEntry* entries, size_t count) {
    uint32_t widest[kPackedColumns] = {};
    for (size_t i = 0; i < count; ++i) {
      const BlockTableEntry& e = entries[i];
      widest[0] |= e.tf_offset;
      widest[1] |= e.pos_offset;
      widest[2] |= e.last_doc;
      for (uint32_t k = 0; k < kBlockImpacts; ++k) {
        widest[3] |= e.impact_tf[k];
        widest[4] |= e.impact_length[k];
      }
    }
    uint8_t widths[kPackedColumns];
    for (size_t c = 0; c < kPackedColumns; ++c) {
      uint8_t w = 0;
      while (w < 4 && (widest[c] >> (8 * w)) != 0) ++w;
      widths[c] = w;
    }
    return FromWidths(widths);
  }
  // Version 8: the layout a table's header describes; false for a damaged header.
  static bool FromHeader(const char* p, BlockTableLayout* out) {
    const uint16_t bits = DecodeFixed16(p);
    uint8_t widths[kPackedColumns];
    for (size_t c = 0; c < kPackedColumns; ++c) {
      widths[c] = (bits >> (3 * c)) & 7;
      if (widths[c] > 4) return false;
    }
    if (bits >> (3 * kPackedColumns)) return false;
    *out = FromWidths(widths);
    return true;
  }
  void EncodeHeader(std::string* out) const {
    uint16_t bits = 0;
    for (size_t c = 0; c < kPackedColumns; ++c)
      bits |= static_cast<uint16_t>(width_[kPackedColumnField[c]] << (3 * c));
    PutFixed16(out, bits);
  }

  size_t entry_size() const { return entry_size_; }

  // Field f of the entry at p, by one 4-byte load masked to the field's width: it may read up
  // to 3 bytes past the entry's end, which every table in a file has (the file's 16-byte footer
  // follows its body; docs/format.md, the envelope).
  uint32_t Get(const char* p, Field f) const { return DecodeFixed32(p + offset_[f]) & mask_[f]; }
  // Bytes readable past a table's end that Get needs.
  static constexpr size_t kReadSlack = 3;

  // Appends entry_size() bytes. Every value must fit its width.
  void Encode(const BlockTableEntry& e, std::string* out) const {
    const size_t at = out->size();
    out->resize(at + entry_size_);
    char* p = out->data() + at;
    Store(p, kTfOffset, e.tf_offset);
    Store(p, kPosOffset, e.pos_offset);
    Store(p, kMaxTf, e.max_tf);
    Store(p, kMinLength, e.min_length);
    Store(p, kLastDoc, e.last_doc);
    for (uint32_t k = 0; k < num_impacts_; ++k) {
      Store(p, static_cast<Field>(kImpactTf0 + 2 * k), e.impact_tf[k]);
      Store(p, static_cast<Field>(kImpactLength0 + 2 * k), e.impact_length[k]);
    }
  }
  BlockTableEntry Decode(const char* p) const {
    BlockTableEntry e;
    e.tf_offset = Get(p, kTfOffset);
    e.pos_offset = Get(p, kPosOffset);
    e.last_doc = Get(p, kLastDoc);
    e.num_impacts = num_impacts_;
    for (uint32_t k = 0; k < num_impacts_; ++k) {
      e.impact_tf[k] = Get(p, static_cast<Field>(kImpactTf0 + 2 * k));
      e.impact_length[k] = Get(p, static_cast<Field>(kImpactLength0 + 2 * k));
    }
    if (packed_) {
      e.max_tf = e.impact_tf[0];
      e.min_length = e.impact_length[0];
      for (uint32_t k = 1; k < num_impacts_; ++k) {
        e.max_tf = std::max(e.max_tf, e.impact_tf[k]);
        e.min_length = std::min(e.min_length, e.impact_length[k]);
      }
    } else {
      e.max_tf = Get(p, kMaxTf);
      e.min_length = Get(p, kMinLength);
    }
    return e;
  }

 private:
  static constexpr size_t kPackedColumns = 5;
  // The field whose width each header column gives (impact columns: all their pairs').
  static constexpr Field kPackedColumnField[kPackedColumns] = {kTfOffset, kPosOffset, kLastDoc,
                                                              kImpactTf0, kImpactLength0};

  static BlockTableLayout FromWidths(const uint8_t* widths) {
    BlockTableLayout l;
    l.packed_ = true;
    l.num_impacts_ = kBlockImpacts;
    uint8_t at = 0;
    auto place = [&](Field f, uint8_t width) {
      l.offset_[f] = at;
      l.width_[f] = width;
      l.mask_[f] = width == 4 ? UINT32_MAX : (1u << (8 * width)) - 1;
      at = static_cast<uint8_t>(at + width);
    };
    place(kTfOffset, widths[0]);
    place(kPosOffset, widths[1]);
    place(kLastDoc, widths[2]);
    for (uint32_t k = 0; k < kBlockImpacts; ++k) {
      place(static_cast<Field>(kImpactTf0 + 2 * k), widths[3]);
      place(static_cast<Field>(kImpactLength0 + 2 * k), widths[4]);
    }
    l.entry_size_ = at;
    return l;
  }
  void Store(char* p, Field f, uint32_t v) const {
    for (uint8_t i = 0; i < width_[f]; ++i) p[offset_[f] + i] = static_cast<char>(v >> (8 * i));
  }

  uint8_t offset_[kNumFields] = {};
  uint8_t width_[kNumFields] = {};  // 0: not stored (reads as 0)
  uint32_t mask_[kNumFields] = {};
  uint32_t entry_size_ = 0;
  uint32_t num_impacts_ = 0;
  bool packed_ = false;
};
// The field every document has: its unique id, indexed verbatim and stored first.
inline constexpr std::string_view kIdField = "id";
// The fields the input readers fill and the searcher shows by name.
inline constexpr std::string_view kTitleField = "title";
inline constexpr std::string_view kBodyField = "body";

// The format holds any u32 field id from version 3 on (versions 1 and 2 had one byte of field
// id in their keys, and so at most 255 fields). This is the indexer's own limit on one
// segment's fields, which the schema's max_fields is to replace; neither SegmentWriter nor
// SegmentReader checks it.
inline constexpr uint32_t kMaxFields = 255;

struct SegmentFile {
  std::string_view suffix;
  std::string_view kind;
};
inline constexpr SegmentFile kMetaFile{".meta", "META"};
inline constexpr SegmentFile kDictFile{".dict", "DICT"};
inline constexpr SegmentFile kPostFile{".post", "POST"};
inline constexpr SegmentFile kPosFile{".pos", "POSI"};
inline constexpr SegmentFile kLenFile{".len", "LENS"};
inline constexpr SegmentFile kStoreFile{".store", "STOR"};
inline constexpr SegmentFile kColFile{".col", "COLS"};
// Every component a segment may have (version 1 and 2 segments have no .col: whoever lists a
// segment's files by this, to keep or remove them, finds none to keep or remove).
inline constexpr SegmentFile kSegmentFiles[] = {kMetaFile, kDictFile,  kPostFile, kPosFile,
                                                kLenFile,  kStoreFile, kColFile};

inline std::string SegmentFilePath(const std::string& dir, const std::string& segment,
                                   const SegmentFile& file) {
  return dir + "/" + segment + std::string(file.suffix);
}

// The field id at the start of a version 3 dictionary key: an order-preserving, prefix-free code
// whose first byte gives its length, the id's bits following big-endian:
//   0xxxxxxx                  ids 0 .. 2^7-1
//   10xxxxxx + 1 byte         ids 2^7 .. 2^14-1
//   110xxxxx + 2 bytes        ids 2^14 .. 2^21-1
//   1110xxxx + 3 bytes        ids 2^21 .. 2^28-1
//   11110000 + 4 bytes        ids 2^28 .. 2^32-1
// Only the shortest code of an id is valid. A longer code starts with a larger first byte, and
// codes of one length compare as their ids do, so bytewise order of codes is numeric order;
// since the first byte gives the length, no code is a prefix of another, and keys sort by
// field, then term.
inline void PutFieldIdCode(std::string* out, uint32_t id) {
  if (id < (1u << 7)) {
    out->push_back(static_cast<char>(id));
    return;
  }
  int extra;  // bytes after the first
  unsigned char first;
  if (id < (1u << 14)) {
    extra = 1, first = static_cast<unsigned char>(0x80 | (id >> 8));
  } else if (id < (1u << 21)) {
    extra = 2, first = static_cast<unsigned char>(0xc0 | (id >> 16));
  } else if (id < (1u << 28)) {
    extra = 3, first = static_cast<unsigned char>(0xe0 | (id >> 24));
  } else {
    extra = 4, first = 0xf0;
  }
  out->push_back(static_cast<char>(first));
  for (int i = extra - 1; i >= 0; --i) out->push_back(static_cast<char>(id >> (8 * i)));
}

// Reads the field id code at the start of `key` into *id and its length into *length; false if
// it is truncated or not the shortest code of its id.
inline bool DecodeFieldIdCode(std::string_view key, uint32_t* id, size_t* length) {
  if (key.empty()) return false;
  const unsigned char first = static_cast<unsigned char>(key[0]);
  int extra;
  uint32_t v;
  if (first < 0x80) {
    extra = 0, v = first;
  } else if (first < 0xc0) {
    extra = 1, v = first & 0x3f;
  } else if (first < 0xe0) {
    extra = 2, v = first & 0x1f;
  } else if (first < 0xf0) {
    extra = 3, v = first & 0x0f;
  } else if (first == 0xf0) {
    extra = 4, v = 0;
  } else {
    return false;
  }
  if (key.size() < static_cast<size_t>(extra) + 1) return false;
  for (int i = 1; i <= extra; ++i) v = (v << 8) | static_cast<unsigned char>(key[i]);
  static constexpr uint32_t kSmallest[] = {0, 1u << 7, 1u << 14, 1u << 21, 1u << 28};
  if (v < kSmallest[extra]) return false;
  *id = v;
  *length = static_cast<size_t>(extra) + 1;
  return true;
}

// Dictionary keys: the field id, then the term's UTF-8 bytes. Sorting keys bytewise sorts by
// field, then term, so a field's terms and a prefix's terms are contiguous. The id is a
// FieldIdCode from segment format 3 on, one byte before.
inline std::string DictKey(uint32_t field_id, std::string_view term,
                           uint32_t format_version = kSegmentFormatVersion) {
  std::string key;
  if (format_version >= kTypedFieldsVersion) {
    PutFieldIdCode(&key, field_id);
  } else {
    key.push_back(static_cast<char>(field_id));
  }
  key.append(term);
  return key;
}

// The field id of a dictionary key and the length of its code; false for a damaged key.
inline bool DecodeDictKeyField(std::string_view key, uint32_t format_version, uint32_t* field_id,
                               size_t* length) {
  if (format_version >= kTypedFieldsVersion) return DecodeFieldIdCode(key, field_id, length);
  if (key.empty()) return false;
  *field_id = static_cast<unsigned char>(key[0]);
  *length = 1;
  return true;
}

// What the dictionary knows of one term in one field of one segment.
struct TermInfo {
  uint32_t doc_freq = 0;
  uint32_t max_tf = 0;       // largest term frequency over the postings
  uint32_t min_length = 0;   // smallest field length among documents containing the term
  uint64_t post_offset = 0;  // into the .post body
  uint64_t post_length = 0;
  uint64_t pos_offset = 0;   // into the .pos body
  uint64_t pos_length = 0;
  // Version 7 on, a term of doc_freq 1: its one document, read from the dictionary entry (its
  // frequency is max_tf, its length min_length); the term has no bytes in .post.
  bool inline_doc = false;
  uint32_t only_doc = 0;
};

}  // namespace trawl

#endif  // TRAWL_FORMAT_SEGMENT_FORMAT_H_
