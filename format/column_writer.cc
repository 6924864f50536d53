// Layout of a .col file: docs/format.md ("`.col` (COLS)"); the directory entry is
// format/column_format.h.
#include "format/column_writer.h"

#include <algorithm>
#include <limits>
#include <numeric>
#include <utility>

#include "common/bitpack.h"
#include "common/coding.h"
#include "format/column_format.h"
#include "format/file_format.h"

namespace trawl {

namespace {

Status Invalid(const ColumnValues& c, const std::string& what) {
  return Status::InvalidArgument("column of field " + std::to_string(c.field_id) + ": " + what);
}

// Keyword: sorts the strings bytewise and renumbers the values as ordinals into them.
Status AssignOrdinals(ColumnValues* c) {
  std::vector<uint64_t> order(c->strings.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](uint64_t a, uint64_t b) { return c->strings[a] < c->strings[b]; });
  std::vector<uint64_t> ord_of(c->strings.size());
  std::vector<std::string> sorted;
  sorted.reserve(c->strings.size());
  for (uint64_t ord = 0; ord < order.size(); ++ord) {
    if (ord > 0 && c->strings[order[ord]] == sorted.back())
      return Invalid(*c, "repeated keyword value '" + sorted.back() + "'");
    ord_of[order[ord]] = ord;
    sorted.push_back(std::move(c->strings[order[ord]]));
  }
  for (uint64_t& v : c->values) {
    if (v >= ord_of.size())
      return Invalid(*c, "keyword index " + std::to_string(v) + " out of range");
    v = ord_of[v];
  }
  c->strings = std::move(sorted);
  return Status::OK();
}

// Sorts each document's values and drops repeats, compacting `values` and `starts`.
void SortDocuments(ColumnValues* c) {
  uint64_t out = 0;
  for (size_t d = 0; d + 1 < c->starts.size(); ++d) {
    const auto begin = c->values.begin() + c->starts[d], end = c->values.begin() + c->starts[d + 1];
    std::sort(begin, end);
    const uint64_t first = out;
    for (auto it = begin; it != end; ++it)
      if (out == first || c->values[out - 1] != *it) c->values[out++] = *it;
    c->starts[d] = static_cast<uint32_t>(first);
  }
  c->starts.back() = static_cast<uint32_t>(out);
  c->values.resize(out);
}

Status CheckInput(uint32_t num_docs, const ColumnValues& c) {
  if (c.type == FieldType::kText || c.type == FieldType::kStored)
    return Invalid(c, "text and stored-only fields have no column");
  if (c.starts.size() != static_cast<size_t>(num_docs) + 1 || c.starts.front() != 0 ||
      c.starts.back() != c.values.size() || !std::is_sorted(c.starts.begin(), c.starts.end()))
    return Invalid(
        c, "starts do not describe the values of " + std::to_string(num_docs) + " documents");
  if (c.type != FieldType::kKeyword && !c.strings.empty())
    return Invalid(c, "strings in a column that is not a keyword's");
  if (c.type == FieldType::kBool &&
      std::any_of(c.values.begin(), c.values.end(), [](uint64_t v) { return v > 1; }))
    return Invalid(c, "a bool value other than 0 or 1");
  return Status::OK();
}

// Encodes one column's sections into *data and fills its directory entry (data_offset aside).
Status EncodeColumn(uint32_t num_docs, const ColumnValues& c, ColumnDirEntry* e,
                    std::string* data) {
  e->field_id = c.field_id;
  e->type = static_cast<uint8_t>(c.type);
  e->num_docs = num_docs;
  bool multi = false;
  for (uint32_t d = 0; d < num_docs && !multi; ++d) multi = c.starts[d + 1] - c.starts[d] > 1;
  e->multi_valued = multi;
  if (!c.values.empty()) {
    const auto [lo, hi] = std::minmax_element(c.values.begin(), c.values.end());
    e->min_value = *lo;
    e->max_value = *hi;
  }
  e->values_width = static_cast<uint8_t>(BitWidth64(e->max_value - e->min_value));
  const size_t start = data->size();
  std::vector<uint64_t> packed;
  if (multi) {
    e->num_values = c.values.size();
    e->starts_width = static_cast<uint8_t>(BitWidth64(e->num_values));
    packed.assign(c.starts.begin(), c.starts.end());
    PackBits64(packed.data(), packed.size(), e->starts_width, data);
    e->starts_bytes = data->size() - start;
    packed.resize(c.values.size());
    for (size_t i = 0; i < c.values.size(); ++i) packed[i] = c.values[i] - e->min_value;
  } else {
    // One slot per document; a missing document's slot holds 0 and its bit in `missing`.
    e->num_values = c.values.empty() ? 0 : num_docs;
    if (c.values.size() < num_docs) {
      std::string missing(PackedBytes(num_docs, 1), '\0');
      for (uint32_t d = 0; d < num_docs; ++d)
        if (c.starts[d] == c.starts[d + 1]) missing[d >> 3] |= static_cast<char>(1 << (d & 7));
      *data += missing;
      e->missing_bytes = missing.size();
    }
    packed.assign(e->num_values, 0);
    for (uint32_t d = 0; d < e->num_values; ++d)
      if (c.starts[d] != c.starts[d + 1]) packed[d] = c.values[c.starts[d]] - e->min_value;
  }
  const size_t values_at = data->size();
  PackBits64(packed.data(), packed.size(), e->values_width, data);
  e->values_bytes = data->size() - values_at;
  if (c.type == FieldType::kKeyword) {
    e->num_ords = c.strings.size();
    uint64_t total = 0;
    for (const std::string& s : c.strings) total += s.size();
    if (total > std::numeric_limits<uint32_t>::max())
      return Invalid(c, "keyword values exceed 4 GiB in one segment");
    uint32_t offset = 0;
    PutFixed32(data, 0);
    for (const std::string& s : c.strings)
      PutFixed32(data, offset += static_cast<uint32_t>(s.size()));
    e->ord_offsets_bytes = (e->num_ords + 1) * 4;
    for (const std::string& s : c.strings) *data += s;
    e->ord_bytes = total;
  }
  return Status::OK();
}

}  // namespace

Status WriteColumns(const std::string& path, uint32_t num_docs, std::vector<ColumnValues>* columns,
                    FileSystem* fs) {
  for (size_t i = 0; i < columns->size(); ++i) {
    ColumnValues& c = (*columns)[i];
    if (i > 0 && c.field_id <= (*columns)[i - 1].field_id)
      return Invalid(c, "columns not in increasing field id order");
    TRAWL_RETURN_IF_ERROR(CheckInput(num_docs, c));
    if (c.type == FieldType::kKeyword) TRAWL_RETURN_IF_ERROR(AssignOrdinals(&c));
    SortDocuments(&c);
  }
  std::unique_ptr<FileWriter> file;
  TRAWL_RETURN_IF_ERROR(FileWriter::Create(path, kColumnFileKind, kColumnFormatVersion, &file, fs));
  // The directory first, then each column's data: the offsets are known before any data is
  // written, as every section's size follows from the (already final) input.
  std::vector<ColumnDirEntry> entries(columns->size());
  std::vector<std::string> data(columns->size());
  uint64_t offset = 4 + ColumnDirEntry::kEncodedSize * columns->size();
  std::string directory;
  PutFixed32(&directory, static_cast<uint32_t>(columns->size()));
  for (size_t i = 0; i < columns->size(); ++i) {
    TRAWL_RETURN_IF_ERROR(EncodeColumn(num_docs, (*columns)[i], &entries[i], &data[i]));
    entries[i].data_offset = offset;
    offset += data[i].size();
    entries[i].EncodeTo(&directory);
  }
  TRAWL_RETURN_IF_ERROR(file->Append(directory));
  for (std::string& d : data) {
    TRAWL_RETURN_IF_ERROR(file->Append(d));
    std::string().swap(d);
  }
  return file->Finish();
}

}  // namespace trawl
