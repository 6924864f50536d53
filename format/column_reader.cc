// Layout of a .col file: docs/format.md ("`.col` (COLS)"); the directory entry is
// format/column_format.h. Open checks each column's sections against the file in O(1): every
// later read is then in bounds whatever the bytes hold, and the values are checked in full
// only by VerifyValues (--verify), so that opening a segment touches no column's pages.
#include "format/column_reader.h"

#include <algorithm>
#include <cstring>

#include "common/bitpack.h"
#include "common/coding.h"
#include "format/column_format.h"
#include "format/column_writer.h"

namespace trawl {

uint64_t Column::StartAt(uint64_t i) const {
  return std::min(UnpackOne64(starts_.data(), starts_.size(), starts_width_, i), num_values_);
}

Column::Range Column::ValuesOf(uint32_t doc) const {
  if (doc >= num_docs_ || num_values_ == 0) return {};
  if (!multi_valued_) return Missing(doc) ? Range{} : Range{doc, uint64_t{doc} + 1};
  // Damaged starts could run backwards or past the values: clamp to stay in bounds.
  const uint64_t begin = StartAt(doc);
  return {begin, std::max(begin, StartAt(uint64_t{doc} + 1))};
}

uint64_t Column::ValueAt(uint64_t index) const {
  const uint64_t delta = UnpackOne64(values_.data(), values_.size(), values_width_, index);
  return min_value_ + std::min(delta, max_value_ - min_value_);
}

bool Column::HasValueIn(uint32_t doc, uint64_t lo, uint64_t hi) const {
  if (lo > hi || hi < min_value_ || lo > max_value_) return false;
  const Range r = ValuesOf(doc);
  for (uint64_t i = r.begin; i < r.end; ++i) {
    const uint64_t v = ValueAt(i);
    if (v > hi) return false;  // a document's values ascend
    if (v >= lo) return true;
  }
  return false;
}

void Column::DocsWithValueIn(uint64_t lo, uint64_t hi, std::vector<uint32_t>* docs) const {
  if (num_values_ == 0 || lo > hi || hi < min_value_ || lo > max_value_) return;
  if (multi_valued_) {
    for (uint32_t d = 0; d < num_docs_; ++d)
      if (HasValueIn(d, lo, hi)) docs->push_back(d);
    return;
  }
  // Single-valued: compare the packed deltas from min_value_ directly, reading each slot with
  // one unaligned load while 8 bytes remain (ValueAt's clamp of damaged values to the range
  // is kept: a delta past max - min reads as max).
  const uint64_t span = max_value_ - min_value_;
  const uint64_t dlo = lo > min_value_ ? lo - min_value_ : 0;
  const uint64_t dhi = std::min(hi - min_value_, span);
  const char* in = values_.data();
  const size_t bytes = values_.size();
  const uint32_t width = values_width_;
  const uint64_t mask = width >= 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1;
  // Slots whose 8-byte load stays in the buffer and whose value fits in it (width + 7 <= 64).
  uint32_t fast_end = 0;
  if (width > 0 && width <= 57 && bytes >= 8)
    fast_end = static_cast<uint32_t>(std::min<uint64_t>(num_docs_, (bytes - 8) * 8 / width + 1));
  const bool any_missing = !missing_.empty();
  uint32_t d = 0;
  if (width == 0) {
    fast_end = 0;
  } else {
    uint64_t bitpos = 0;
    for (; d < fast_end; ++d, bitpos += width) {
      uint64_t word;
      std::memcpy(&word, in + (bitpos >> 3), 8);
      const uint64_t delta = std::min((word >> (bitpos & 7)) & mask, span);
      if (delta >= dlo && delta <= dhi && !(any_missing && Missing(d))) docs->push_back(d);
    }
  }
  for (; d < num_docs_; ++d)
    if (HasValueIn(d, lo, hi)) docs->push_back(d);
}

bool Column::Min(uint32_t doc, uint64_t* value) const {
  const Range r = ValuesOf(doc);
  if (r.empty()) return false;
  *value = ValueAt(r.begin);
  return true;
}

bool Column::Max(uint32_t doc, uint64_t* value) const {
  const Range r = ValuesOf(doc);
  if (r.empty()) return false;
  *value = ValueAt(r.end - 1);
  return true;
}

std::string_view Column::OrdValue(uint64_t ord) const {
  if (ord >= num_ords_) return {};
  const uint64_t size = ord_bytes_.size();
  const uint64_t begin = std::min<uint64_t>(DecodeFixed32(ord_offsets_.data() + 4 * ord), size);
  const uint64_t end =
      std::clamp<uint64_t>(DecodeFixed32(ord_offsets_.data() + 4 * (ord + 1)), begin, size);
  return ord_bytes_.substr(begin, end - begin);
}

uint64_t Column::LowerBoundOrd(std::string_view value) const {
  uint64_t lo = 0, hi = num_ords_;
  while (lo < hi) {
    const uint64_t mid = lo + (hi - lo) / 2;
    if (OrdValue(mid) < value) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

namespace {

bool IsColumnType(uint8_t type) {
  switch (static_cast<FieldType>(type)) {
    case FieldType::kKeyword:
    case FieldType::kInt:
    case FieldType::kFloat:
    case FieldType::kDate:
    case FieldType::kBool:
      return true;
    default:
      return false;
  }
}

}  // namespace

Status ColumnReader::OpenColumn(const MappedFile& file, const ColumnDirEntry& e,
                                uint64_t data_begin, Column* c) {
  std::string_view* missing = &c->missing_;
  std::string_view* starts = &c->starts_;
  std::string_view* values = &c->values_;
  std::string_view* ord_offsets = &c->ord_offsets_;
  std::string_view* ord_bytes = &c->ord_bytes_;
  const std::string_view body = file.body();
  auto bad = [&](const std::string& what) {
    return file.Corrupt("column of field " + std::to_string(e.field_id) + ": " + what);
  };
  if (!IsColumnType(e.type)) return bad("bad type " + std::to_string(e.type));
  if (e.multi_valued > 1 || e.reserved != 0) return bad("bad flags");
  if (e.values_width > 64 || e.starts_width > 64) return bad("bit width above 64");
  if (e.min_value > e.max_value) return bad("minimum above maximum");
  if (e.values_width != BitWidth64(e.max_value - e.min_value))
    return bad("value width disagrees with the value range");
  if (e.num_values == 0 && (e.min_value != 0 || e.max_value != 0))
    return bad("range without values");
  const uint64_t slots = e.multi_valued ? e.num_values : e.num_docs;
  const uint64_t missing_bytes = PackedBytes(e.num_docs, 1);
  if (e.multi_valued) {
    // A value index takes the starts' width, and starts number num_docs + 1.
    // Multi-valued means some document has two values, so starts take at least 2 bits each
    // and their bytes bound num_docs by the file's size.
    if (e.num_values < 2 || e.starts_width != BitWidth64(e.num_values) || e.missing_bytes != 0 ||
        e.starts_bytes != PackedBytes(uint64_t{e.num_docs} + 1, e.starts_width) ||
        e.num_values > (body.size() + 1) * 8)  // values of width 0 aside, each takes a bit
      return bad("bad multi-valued layout");
  } else {
    if (e.starts_width != 0 || e.starts_bytes != 0 ||
        (e.num_values != 0 && e.num_values != e.num_docs) ||
        (e.missing_bytes != 0 && e.missing_bytes != missing_bytes) ||
        (e.num_values == 0 && e.missing_bytes != missing_bytes))
      return bad("bad single-valued layout");
  }
  if (e.num_values > 0 && slots > 0 &&
      e.values_bytes != PackedBytes(e.multi_valued ? e.num_values : e.num_docs, e.values_width))
    return bad("value bytes disagree with the count and width");
  if (e.num_values == 0 && e.values_bytes != 0) return bad("value bytes without values");
  if (static_cast<FieldType>(e.type) == FieldType::kKeyword) {
    if (e.num_ords > body.size() / 4 || e.ord_offsets_bytes != (e.num_ords + 1) * 4)
      return bad("bad ordinal table size");
    if (e.num_values > 0 && e.max_value >= e.num_ords) return bad("ordinal out of range");
  } else {
    if (e.num_ords != 0 || e.ord_offsets_bytes != 0 || e.ord_bytes != 0)
      return bad("ordinals in a column that is not a keyword's");
    if (static_cast<FieldType>(e.type) == FieldType::kBool && e.max_value > 1)
      return bad("bool value above 1");
  }
  // The sections, back to back, inside the body (each size is at most the body's, so the sums
  // cannot overflow).
  if (e.data_offset < data_begin || e.data_offset > body.size())
    return bad("data offset out of range");
  uint64_t at = e.data_offset;
  auto take = [&](uint64_t n, std::string_view* out) {
    if (n > body.size() - at) return false;
    *out = body.substr(at, n);
    at += n;
    return true;
  };
  if (!take(e.missing_bytes, missing) || !take(e.starts_bytes, starts) ||
      !take(e.values_bytes, values) || !take(e.ord_offsets_bytes, ord_offsets) ||
      !take(e.ord_bytes, ord_bytes))
    return bad("data past the end of the file");
  if (e.multi_valued &&
      (UnpackOne64(starts->data(), starts->size(), e.starts_width, 0) != 0 ||
       UnpackOne64(starts->data(), starts->size(), e.starts_width, e.num_docs) != e.num_values))
    return bad("starts do not span the values");
  if (e.ord_offsets_bytes > 0 &&
      (DecodeFixed32(ord_offsets->data()) != 0 ||
       DecodeFixed32(ord_offsets->data() + 4 * e.num_ords) != e.ord_bytes))
    return bad("ordinal offsets do not span the ordinal bytes");
  c->field_id_ = e.field_id;
  c->type_ = static_cast<FieldType>(e.type);
  c->num_docs_ = e.num_docs;
  c->multi_valued_ = e.multi_valued != 0;
  c->num_values_ = e.num_values;
  c->min_value_ = e.min_value;
  c->max_value_ = e.max_value;
  c->num_ords_ = e.num_ords;
  c->starts_width_ = e.starts_width;
  c->values_width_ = e.values_width;
  return Status::OK();
}

Status ColumnReader::Open(const std::string& path, bool verify_checksum,
                          std::unique_ptr<ColumnReader>* out, FileSystem* fs) {
  std::unique_ptr<ColumnReader> r(new ColumnReader());
  TRAWL_RETURN_IF_ERROR(
      MappedFile::Open(path, kColumnFileKind, kColumnFormatVersion, &r->file_, fs));
  if (verify_checksum) TRAWL_RETURN_IF_ERROR(r->file_->VerifyChecksum());
  const std::string_view body = r->file_->body();
  if (body.size() < 4) return r->file_->Corrupt("too short for its column count");
  const uint32_t count = DecodeFixed32(body.data());
  if (count > (body.size() - 4) / ColumnDirEntry::kEncodedSize)
    return r->file_->Corrupt("column directory past the end of the file");
  const uint64_t data_begin = 4 + uint64_t{count} * ColumnDirEntry::kEncodedSize;
  r->columns_.resize(count);
  for (uint32_t i = 0; i < count; ++i) {
    const ColumnDirEntry e =
        ColumnDirEntry::DecodeFrom(body.data() + 4 + uint64_t{i} * ColumnDirEntry::kEncodedSize);
    if (i > 0 && e.field_id <= r->columns_[i - 1].field_id_)
      return r->file_->Corrupt("columns out of field id order");
    Column& c = r->columns_[i];
    TRAWL_RETURN_IF_ERROR(OpenColumn(*r->file_, e, data_begin, &c));
  }
  *out = std::move(r);
  return Status::OK();
}

const Column* ColumnReader::Find(uint32_t field_id) const {
  auto it = std::lower_bound(columns_.begin(), columns_.end(), field_id,
                             [](const Column& c, uint32_t id) { return c.field_id() < id; });
  return it != columns_.end() && it->field_id() == field_id ? &*it : nullptr;
}

Status ColumnReader::VerifyValues() const {
  for (const Column& c : columns_) {
    auto bad = [&](const std::string& what) {
      return file_->Corrupt("column of field " + std::to_string(c.field_id()) + ": " + what);
    };
    const uint64_t range = c.max_value_ - c.min_value_;
    const uint64_t slots = c.multi_valued_ ? c.num_values_ : (c.num_values_ == 0 ? 0 : c.num_docs_);
    for (uint64_t i = 0; i < slots && c.values_width_ > 0; ++i) {
      if (UnpackOne64(c.values_.data(), c.values_.size(), c.values_width_, i) > range)
        return bad("value " + std::to_string(i) + " outside the column's range");
    }
    uint64_t previous_end = 0;
    for (uint32_t d = 0; d < c.num_docs_ && c.multi_valued_; ++d) {
      const uint64_t begin = UnpackOne64(c.starts_.data(), c.starts_.size(), c.starts_width_, d);
      const uint64_t end = UnpackOne64(c.starts_.data(), c.starts_.size(), c.starts_width_, d + 1);
      if (begin != previous_end || end < begin || end > c.num_values_)
        return bad("starts of document " + std::to_string(d) + " out of order");
      for (uint64_t i = begin + 1; i < end; ++i)
        if (c.ValueAt(i) <= c.ValueAt(i - 1))
          return bad("values of document " + std::to_string(d) + " not strictly ascending");
      previous_end = end;
    }
    for (uint64_t ord = 0; ord < c.num_ords_; ++ord) {
      if (DecodeFixed32(c.ord_offsets_.data() + 4 * (ord + 1)) <
          DecodeFixed32(c.ord_offsets_.data() + 4 * ord))
        return bad("ordinal offsets out of order");
      if (ord > 0 && c.OrdValue(ord) <= c.OrdValue(ord - 1))
        return bad("keyword values out of order at ordinal " + std::to_string(ord));
    }
  }
  return Status::OK();
}

}  // namespace trawl
