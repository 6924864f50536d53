// Typed field values as the format keeps them. Every value of an int, float, date or bool field
// is a 64-bit "sortable" key whose unsigned order is the values' order, so that dictionary
// terms (8 bytes big-endian), columns and sort keys compare numbers as numbers with one
// unsigned comparison. Keyword values are their bytes (lowered if the field says so).
#ifndef TRAWL_FORMAT_VALUES_H_
#define TRAWL_FORMAT_VALUES_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "trawl/document.h"
#include "trawl/schema.h"
#include "trawl/status.h"

namespace trawl {

// int64 and date: the value with its sign bit flipped. bool: 0 or 1.
inline uint64_t SortableFromInt(int64_t v) { return static_cast<uint64_t>(v) ^ (uint64_t{1} << 63); }
inline int64_t IntFromSortable(uint64_t s) { return static_cast<int64_t>(s ^ (uint64_t{1} << 63)); }
// double: IEEE bits with the sign bit flipped for positives and every bit flipped for
// negatives; -0.0 is stored as +0.0 so that the two compare equal. NaN is never stored.
uint64_t SortableFromFloat(double v);
double FloatFromSortable(uint64_t s);

// One value of a typed field, converted from a document field.
struct TypedValue {
  uint64_t sortable = 0;  // int, float, date, bool
  std::string term;       // keyword: the indexed term (lowered if the field says so)
  std::string stored;     // what the store keeps (canonical text for numbers, dates, bools)
};

// Keyword values longer than this are refused, as Lucene refuses terms over 32766 bytes: a
// term that long is a mistake (a body mapped as a keyword), and it would bloat the dictionary.
inline constexpr size_t kMaxKeywordBytes = 32 * 1024;
// The instants a date field holds: years 0000-9999, so that every stored date reads back from
// its RFC 3339 text (ParseIsoDate knows no other years).
inline constexpr int64_t kMinDateMillis = -62167219200000;  // 0000-01-01T00:00:00Z
inline constexpr int64_t kMaxDateMillis = 253402300799999;  // 9999-12-31T23:59:59.999Z

// Converts `field` to the field's type. Text and stored: unchanged. Keyword: the string (a
// number or bool is taken as its text), lowered in `term` if the field says so, at most
// kMaxKeywordBytes. Int: a decimal integer that fits int64 (a float value with no fraction,
// e.g. 3.0 or 1e3, is accepted). Float: any finite number, decimal or exponent form. Bool:
// true/false (also from a keyword or text value "true"/"false"). Date: text is tried as
// ParseIsoDate, then as an integer of epoch milliseconds (optional sign), then as
// ParseMailDate; a kInt value is epoch milliseconds; years 0000-9999 only. InvalidArgument
// saying what the value is and what the field wants (`field 'price': "abc" is not a float`),
// for the caller to prefix with file and line.
Status ConvertValue(const DocField& field, const FieldSpec& spec, TypedValue* out);

// The canonical text of a typed value: int in decimal, float as the shortest text that reads
// back to the same double, date as FormatDate, bool as true/false.
std::string FormatSortable(FieldType type, uint64_t sortable);

// Parses a query's text for a value of `type`: int a decimal integer (no fraction or
// exponent); float any finite number; date ParseIsoDate or an integer of epoch milliseconds;
// bool true/false. False if the text is not one, and for keyword, text and stored fields,
// whose values have no sortable key.
bool ParseQueryValue(FieldType type, std::string_view text, uint64_t* sortable);

// The dictionary term of a numeric, date or bool value: 8 bytes big-endian, so that terms sort
// as the values do.
std::string SortableTerm(uint64_t sortable);
uint64_t SortableFromTerm(std::string_view term);  // term must be 8 bytes

}  // namespace trawl

#endif  // TRAWL_FORMAT_VALUES_H_
