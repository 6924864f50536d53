// The directory entry of one column in a .col file (docs/format.md), encoded and decoded here
// only, so that format/column_writer.cc and format/column_reader.cc cannot disagree on it.
#ifndef TRAWL_FORMAT_COLUMN_FORMAT_H_
#define TRAWL_FORMAT_COLUMN_FORMAT_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "common/coding.h"

namespace trawl {

inline constexpr std::string_view kColumnFileKind = "COLS";

struct ColumnDirEntry {
  static constexpr size_t kEncodedSize = 96;
  uint32_t field_id = 0;
  uint8_t type = 0;  // FieldType
  uint8_t multi_valued = 0;
  uint8_t values_width = 0;
  uint8_t starts_width = 0;
  uint32_t num_docs = 0;
  uint32_t reserved = 0;
  uint64_t num_values = 0;
  uint64_t min_value = 0, max_value = 0;
  uint64_t num_ords = 0;
  // The column's sections lie back to back from data_offset (from the body's start) in this
  // order, each of the given byte length.
  uint64_t data_offset = 0;
  uint64_t missing_bytes = 0, starts_bytes = 0, values_bytes = 0;
  uint64_t ord_offsets_bytes = 0, ord_bytes = 0;

  void EncodeTo(std::string* out) const {
    PutFixed32(out, field_id);
    out->push_back(static_cast<char>(type));
    out->push_back(static_cast<char>(multi_valued));
    out->push_back(static_cast<char>(values_width));
    out->push_back(static_cast<char>(starts_width));
    PutFixed32(out, num_docs);
    PutFixed32(out, reserved);
    for (uint64_t v : {num_values, min_value, max_value, num_ords, data_offset, missing_bytes,
                       starts_bytes, values_bytes, ord_offsets_bytes, ord_bytes})
      PutFixed64(out, v);
  }
  // Decodes kEncodedSize bytes at p.
  static ColumnDirEntry DecodeFrom(const char* p) {
    ColumnDirEntry e;
    e.field_id = DecodeFixed32(p);
    e.type = static_cast<uint8_t>(p[4]);
    e.multi_valued = static_cast<uint8_t>(p[5]);
    e.values_width = static_cast<uint8_t>(p[6]);
    e.starts_width = static_cast<uint8_t>(p[7]);
    e.num_docs = DecodeFixed32(p + 8);
    e.reserved = DecodeFixed32(p + 12);
    uint64_t* fields[] = {&e.num_values,        &e.min_value,     &e.max_value,    &e.num_ords,
                          &e.data_offset,       &e.missing_bytes, &e.starts_bytes, &e.values_bytes,
                          &e.ord_offsets_bytes, &e.ord_bytes};
    for (size_t i = 0; i < 10; ++i) *fields[i] = DecodeFixed64(p + 16 + 8 * i);
    return e;
  }
};

}  // namespace trawl

#endif  // TRAWL_FORMAT_COLUMN_FORMAT_H_
