// Names, kinds and versions of a segment's component files, shared by writer and reader.
// The byte-level layout of each is in docs/format.md.
//
// A segment is a set of immutable files with one name prefix:
//   <name>.meta   META  document count and per-field statistics (BM25 N and total length)
//   <name>.dict   DICT  sorted term dictionary: (field, term) -> df, bounds, posting offsets
//   <name>.post   POST  per term: Roaring docid bitmap (portable format) + bit-packed term freqs
//   <name>.pos    POSI  per term: positions, delta-coded varints, per posting
//   <name>.len    LENS  per field: every document's length in tokens (u32)
//   <name>.store  STOR  stored documents, zstd-compressed blocks
#ifndef TRAWL_FORMAT_SEGMENT_FORMAT_H_
#define TRAWL_FORMAT_SEGMENT_FORMAT_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "common/coding.h"

namespace trawl {

// Version 2: block table entries carry impacts (below). Version 1 segments are still read.
inline constexpr uint32_t kSegmentFormatVersion = 2;
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

// Field ids are stored as one byte in dictionary keys.
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
inline constexpr SegmentFile kSegmentFiles[] = {kMetaFile, kDictFile, kPostFile,
                                                kPosFile,  kLenFile,  kStoreFile};

inline std::string SegmentFilePath(const std::string& dir, const std::string& segment,
                                   const SegmentFile& file) {
  return dir + "/" + segment + std::string(file.suffix);
}

// Dictionary keys: one byte of field id, then the term's UTF-8 bytes. Sorting keys bytewise
// sorts by field, then term, so a field's terms and a prefix's terms are contiguous.
inline std::string DictKey(uint32_t field_id, std::string_view term) {
  std::string key(1, static_cast<char>(field_id));
  key.append(term);
  return key;
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
};

}  // namespace trawl

#endif  // TRAWL_FORMAT_SEGMENT_FORMAT_H_
