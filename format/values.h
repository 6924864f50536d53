// Typed field values as the format keeps them. Every value of an int, float, date or bool field
// is a 64-bit "sortable" key whose unsigned order is the values' order, so that dictionary
// terms (8 bytes big-endian), columns and sort keys compare numbers as numbers with one
// unsigned comparison. Keyword values are their bytes (lowered if the field says so).
#ifndef TRAWL_FORMAT_VALUES_H_
#define TRAWL_FORMAT_VALUES_H_

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

// Converts `field` to the field's type. Text and stored: unchanged. Keyword: the string (a
// number or bool is taken as its text). Int: a decimal integer that fits int64 (a float value
// with no fraction, e.g. 3.0, is accepted). Float: any finite number. Bool: true/false (also
// from a keyword or text value "true"/"false"). Date: ParseIsoDate, or an integer of epoch
// milliseconds (kInt, or a text value of digits), or kDate text. InvalidArgument saying what
// the value is and what the field wants, for the caller to prefix with file and line.
Status ConvertValue(const DocField& field, const FieldSpec& spec, TypedValue* out);

// The canonical text of a typed value: int in decimal, float as the shortest text that reads
// back to the same double, date as FormatDate, bool as true/false.
std::string FormatSortable(FieldType type, uint64_t sortable);

// Parses a query's text for a value of `type` (as ConvertValue, from a query term); false if
// it is not one.
bool ParseQueryValue(FieldType type, std::string_view text, uint64_t* sortable);

// The dictionary term of a numeric, date or bool value: 8 bytes big-endian, so that terms sort
// as the values do.
std::string SortableTerm(uint64_t sortable);
uint64_t SortableFromTerm(std::string_view term);  // term must be 8 bytes

}  // namespace trawl

#endif  // TRAWL_FORMAT_VALUES_H_
