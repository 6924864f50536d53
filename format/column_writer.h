// Columns: per-document values of the int, float, date, bool and keyword fields that have one
// (FieldSpec::column), for sorting, range filters, facets and collapsing. One file per
// segment, <segment>.col (kind COLS), read through a memory map: docs/format.md and
// format/column_reader.h.
#ifndef TRAWL_FORMAT_COLUMN_WRITER_H_
#define TRAWL_FORMAT_COLUMN_WRITER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "trawl/file_system.h"
#include "trawl/schema.h"
#include "trawl/status.h"

namespace trawl {

inline constexpr uint32_t kColumnFormatVersion = 1;

// The values of one field in one segment, as a builder or a merge collects them.
struct ColumnValues {
  uint32_t field_id = 0;  // the segment's id of the field (.meta)
  FieldType type = FieldType::kInt;
  // Document d's values are values[starts[d] .. starts[d+1]): num_docs + 1 entries, the first
  // 0. A document may have none (missing), one, or several, in any order and with repeats: the
  // writer sorts each document's values and drops repeats.
  std::vector<uint32_t> starts;
  // int, float, date, bool: sortable keys (format/values.h). keyword: indexes into `strings`.
  std::vector<uint64_t> values;
  std::vector<std::string> strings;  // keyword: distinct values, in any order
};

// Writes <path> holding `columns` (in increasing field_id order) for a segment of num_docs
// documents, and fsyncs it. Sorts and deduplicates in place. InvalidArgument for inconsistent
// input (starts not num_docs + 1 long, a keyword index out of range, repeated strings).
Status WriteColumns(const std::string& path, uint32_t num_docs, std::vector<ColumnValues>* columns,
                    FileSystem* fs = nullptr);

}  // namespace trawl

#endif  // TRAWL_FORMAT_COLUMN_WRITER_H_
