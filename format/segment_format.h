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
// "pulsing" of singletons). Versions 1 to 6 are still read.
inline constexpr uint32_t kSegmentFormatVersion = 7;
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
// Documents per block of packed field lengths: a block's directory entry (8 bytes) and width
// byte cost 0.28 bits a document, and a block adapts its width to its own longest field.
inline constexpr uint32_t kLengthBlockSize = 256;
// Postings are grouped in blocks of this many for term frequencies, positions and block-max
// score bounds: small enough that a skip decodes little, large enough that the per-block table
// costs under 1 bit per posting.
inline constexpr uint32_t kPostingBlockSize = 128;
// Terms per dictionary block; each block restarts prefix compression.
inline constexpr uint32_t kDictBlockSize = 32;
// A posting block's table entry: tf offset, positions offset, max tf, min field length, last
// docid (u32 each), then kBlockImpacts (tf, field length) pairs (u32 each) such that every
// posting of the block has a tf at most and a length at least those of one pair: the block's
// (tf, length) Pareto frontier in at most that many groups, as Lucene's impacts. BM25 rises with
// tf and falls with length, so the best pair bounds the block's scores for any k1, b and avgdl,
// much closer than max tf with min length (which usually come from different documents).
// The last docid lets top-k skip a whole block whose bound is too low.
inline constexpr uint32_t kBlockImpacts = 3;

// One entry of a term's block table, encoded and decoded here only, so that the writer and the
// reader cannot disagree on its layout.
struct BlockTableEntry {
  // Byte offsets of the fixed fields within an encoded entry.
  static constexpr uint32_t kTfOffsetAt = 0;
  static constexpr uint32_t kPosOffsetAt = 4;
  static constexpr uint32_t kMaxTfAt = 8;
  static constexpr uint32_t kMinLengthAt = 12;
  static constexpr uint32_t kLastDocAt = 16;
  static constexpr uint32_t kImpactsAt = 20;
  static constexpr uint32_t kEncodedSize = kImpactsAt + 8 * kBlockImpacts;
  static constexpr uint32_t kEncodedSizeV1 = kImpactsAt;  // segment format 1: no impacts
  static constexpr uint32_t EncodedSize(uint32_t format_version) {
    return format_version >= 2 ? kEncodedSize : kEncodedSizeV1;
  }

  uint32_t tf_offset = 0;   // into the term's frequency section
  uint32_t pos_offset = 0;  // into the term's positions
  uint32_t max_tf = 0, min_length = 0, last_doc = 0;
  // Impacts: every posting of the block has a tf <= and a length >= one of these pairs.
  // Segments of format 1 have none but the coarse (max_tf, min_length).
  uint32_t num_impacts = 0;
  uint32_t impact_tf[kBlockImpacts] = {}, impact_length[kBlockImpacts] = {};

  // Appends kEncodedSize bytes; num_impacts must be kBlockImpacts.
  void EncodeTo(std::string* out) const {
    PutFixed32(out, tf_offset);
    PutFixed32(out, pos_offset);
    PutFixed32(out, max_tf);
    PutFixed32(out, min_length);
    PutFixed32(out, last_doc);
    for (uint32_t i = 0; i < kBlockImpacts; ++i) {
      PutFixed32(out, impact_tf[i]);
      PutFixed32(out, impact_length[i]);
    }
  }
  // Decodes an entry of EncodedSize(format_version) bytes at p.
  static BlockTableEntry DecodeFrom(const char* p, uint32_t format_version) {
    BlockTableEntry e;
    e.tf_offset = DecodeFixed32(p + kTfOffsetAt);
    e.pos_offset = DecodeFixed32(p + kPosOffsetAt);
    e.max_tf = DecodeFixed32(p + kMaxTfAt);
    e.min_length = DecodeFixed32(p + kMinLengthAt);
    e.last_doc = DecodeFixed32(p + kLastDocAt);
    if (format_version >= 2) {
      e.num_impacts = kBlockImpacts;
      for (uint32_t i = 0; i < kBlockImpacts; ++i) {
        e.impact_tf[i] = DecodeFixed32(p + kImpactsAt + 8 * i);
        e.impact_length[i] = DecodeFixed32(p + kImpactsAt + 8 * i + 4);
      }
    }
    return e;
  }
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
