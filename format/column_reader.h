// Reads a segment's columns (format/column_writer.h, docs/format.md) in place from the memory
// map: opening validates the structure, nothing is copied into the heap.
#ifndef TRAWL_FORMAT_COLUMN_READER_H_
#define TRAWL_FORMAT_COLUMN_READER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "format/file_format.h"
#include "trawl/file_system.h"
#include "trawl/schema.h"
#include "trawl/status.h"

namespace trawl {

struct ColumnDirEntry;  // format/column_format.h

// One field's column: each document's values in ascending order (sortable keys for numbers,
// dates and bools; ordinals for keywords), without repeats. A view into the reader's map.
class Column {
 public:
  uint32_t field_id() const { return field_id_; }
  FieldType type() const { return type_; }
  uint32_t num_docs() const { return num_docs_; }
  // True when some document has more than one value.
  bool multi_valued() const { return multi_valued_; }

  // The range of value indexes of `doc` (end - begin values; none: missing). doc < num_docs.
  struct Range {
    uint64_t begin = 0, end = 0;
    bool empty() const { return begin == end; }
  };
  Range ValuesOf(uint32_t doc) const;
  uint64_t ValueAt(uint64_t index) const;  // index < num_values()
  // Multi-valued: the values of every document. Single-valued: one slot per document
  // (num_docs, or 0 when no document has a value), a missing document's slot unused.
  uint64_t num_values() const { return num_values_; }
  // Whether `doc` has a value in [lo, hi] (sortable keys or ordinals). O(values of doc).
  bool HasValueIn(uint32_t doc, uint64_t lo, uint64_t hi) const;
  // Appends, in increasing order, every document with a value in [lo, hi]: one pass over the
  // packed values, with no per-document lookup where the column is single-valued.
  void DocsWithValueIn(uint64_t lo, uint64_t hi, std::vector<uint32_t>* docs) const;
  // The smallest and largest value of `doc`; false when it has none. O(1).
  bool Min(uint32_t doc, uint64_t* value) const;
  bool Max(uint32_t doc, uint64_t* value) const;
  // The smallest and largest value of any document (nothing if num_values() == 0).
  uint64_t min_value() const { return min_value_; }
  uint64_t max_value() const { return max_value_; }

  // Keyword columns: the distinct values, ordinals 0 .. num_ords() - 1 in bytewise order.
  uint64_t num_ords() const { return num_ords_; }
  std::string_view OrdValue(uint64_t ord) const;
  // The first ordinal whose value is >= value (num_ords() if none).
  uint64_t LowerBoundOrd(std::string_view value) const;

 private:
  friend class ColumnReader;
  uint32_t field_id_ = 0;
  FieldType type_ = FieldType::kInt;
  uint32_t num_docs_ = 0;
  bool multi_valued_ = false;
  uint64_t num_values_ = 0;
  uint64_t min_value_ = 0, max_value_ = 0;
  uint64_t num_ords_ = 0;
  // Layout views into the map (see column_reader.cc).
  std::string_view missing_;   // single-valued: bitmap of documents without a value, or empty
  std::string_view starts_;    // multi-valued: num_docs + 1 packed starts
  uint32_t starts_width_ = 0;
  std::string_view values_;    // packed (value - min_value) per value (single-valued: per doc)
  uint32_t values_width_ = 0;
  std::string_view ord_offsets_;  // keyword: num_ords + 1 u32 offsets into ord_bytes_
  std::string_view ord_bytes_;
  uint64_t StartAt(uint64_t i) const;
  bool Missing(uint32_t doc) const {
    return !missing_.empty() && (static_cast<unsigned char>(missing_[doc >> 3]) >> (doc & 7)) & 1;
  }
};

class ColumnReader {
 public:
  // Maps and validates <path>. verify_checksum: also the file's CRC. `fs` null means
  // FileSystem::Default().
  static Status Open(const std::string& path, bool verify_checksum,
                     std::unique_ptr<ColumnReader>* out, FileSystem* fs = nullptr);
  // The column of a segment field id, or null when the field has none.
  const Column* Find(uint32_t field_id) const;
  const std::vector<Column>& columns() const { return columns_; }
  void ReleaseResidentPages() const { file_->ReleaseResidentPages(); }
  Status VerifyChecksum() const { return file_->VerifyChecksum(); }
  // Reads every value: each document's values strictly ascending within the column's bounds,
  // starts ascending, keyword ordinals below num_ords and their values strictly ascending.
  // Open checks only what a lookup needs to stay in bounds (reads of damaged values return
  // some value of the column's range); this is for --verify.
  Status VerifyValues() const;
  const std::string& path() const { return file_->path(); }

 private:
  ColumnReader() = default;
  // Checks one directory entry against the body; on success fills *c with views into it.
  static Status OpenColumn(const MappedFile& file, const ColumnDirEntry& e, uint64_t data_begin,
                           Column* c);
  std::unique_ptr<MappedFile> file_;
  std::vector<Column> columns_;
};

}  // namespace trawl

#endif  // TRAWL_FORMAT_COLUMN_READER_H_
