// SegmentWriter: streams the term-indexed files of one segment (.meta, .dict, .post, .pos, .len)
// one term at a time, so neither a flush nor a merge has to hold more than one term's postings
// in the encoder, and writes its columns (.col) at the end. The stored documents go through
// StoreWriter separately. Layouts: docs/format.md.
#ifndef TRAWL_FORMAT_SEGMENT_WRITER_H_
#define TRAWL_FORMAT_SEGMENT_WRITER_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "format/column_writer.h"
#include "format/file_format.h"
#include "format/segment_format.h"
#include "trawl/file_system.h"
#include "trawl/schema.h"
#include "trawl/status.h"

namespace trawl {

struct SegmentStats {
  uint32_t num_docs = 0;
  uint64_t num_terms = 0;
  uint64_t bytes_on_disk = 0;  // of the term-indexed files and the columns, without the store
};

class SegmentWriter {
 public:
  // Creates <dir>/<segment>.{meta,dict,post,pos,len} (none may exist; Finish writes .col). `fs` null means
  // FileSystem::Default(). Files not finished are removed when the writer is destroyed.
  static Status Create(const std::string& dir, const std::string& segment, FileSystem* fs,
                       std::unique_ptr<SegmentWriter>* out);
  ~SegmentWriter();
  SegmentWriter(const SegmentWriter&) = delete;
  SegmentWriter& operator=(const SegmentWriter&) = delete;

  // Appends one term's postings. (field_id, term) must increase bytewise from call to call.
  // `docs` ascending and non-empty; `tfs[i]` ≥ 1 is the frequency in docs[i]; `positions` holds,
  // per posting, tfs[i] varints (the first absolute, then deltas), or nothing at all for a field
  // that is not text (Finish refuses a text field with a term without positions);
  // `field_lengths` is the field's length of every document of the segment (for the score
  // bounds), or empty for a field that is not text: the reader gives such fields length 1, and
  // Finish refuses one whose postings were bounded with another length.
  Status AddTerm(uint32_t field_id, std::string_view term, std::span<const uint32_t> docs,
                 std::span<const uint32_t> tfs, std::string_view positions,
                 std::span<const uint32_t> field_lengths);

  struct Field {
    std::string_view name;
    std::span<const uint32_t> lengths;  // num_docs entries; text fields only (others: ignored)
    uint32_t docs_with_field = 0;
    uint64_t total_length = 0;
    FieldType type = FieldType::kText;
  };
  // Writes the dictionary index, the lengths, the meta file and the columns (WriteColumns:
  // `columns` in increasing field id order, each of its field's type, possibly none; sorted and
  // deduplicated in place), and fsyncs every file. `fields` in field id order, field 0 being
  // the id field.
  Status Finish(uint32_t num_docs, const std::vector<Field>& fields,
                std::vector<ColumnValues>* columns, SegmentStats* stats);

 private:
  SegmentWriter() = default;
  Status FlushDictBlock();
  // The terms and columns seen agree with the fields' types.
  Status CheckFields(const std::vector<Field>& fields, const std::vector<ColumnValues>& columns) const;
  Status ColumnFileSize(uint64_t* bytes) const;  // adds the .col file's size

  std::string col_path_;
  FileSystem* fs_ = nullptr;
  std::unique_ptr<FileWriter> meta_, dict_, post_, pos_, len_;
  // Per field id that has terms: whether one had no positions, and the longest field length a
  // posting's score bounds were computed with (checked against the field types at Finish).
  std::vector<bool> field_without_positions_;
  std::vector<uint32_t> field_max_bound_length_;
  std::string block_;     // the open dictionary block
  std::string index_;     // per block: first key, offset
  std::string prev_key_;  // within the open block, for prefix compression
  uint32_t in_block_ = 0;
  uint32_t block_doc_ = 0;  // the open block's last term of one document's docid
  uint32_t num_blocks_ = 0;
  uint64_t num_terms_ = 0;
  // Scratch reused across terms.
  std::string key_, out_, tf_section_, pos_section_;
  std::vector<BlockTableEntry> entries_;  // the term's block table
  std::vector<uint32_t> minus_one_;
};

}  // namespace trawl

#endif  // TRAWL_FORMAT_SEGMENT_WRITER_H_
