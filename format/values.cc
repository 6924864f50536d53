#include "format/values.h"

#include <bit>
#include <cassert>
#include <charconv>
#include <cmath>
#include <system_error>

#include "common/date.h"

namespace trawl {

namespace {

constexpr uint64_t kSignBit = uint64_t{1} << 63;

enum class ParseResult { kOk, kNotANumber, kOutOfRange };

// [+-]digits, all of `text`.
ParseResult ParseInt(std::string_view text, int64_t* out) {
  // from_chars takes '-' but not '+'; a second sign after '+' stays an error.
  if (!text.empty() && text[0] == '+' && (text.size() == 1 || text[1] != '-'))
    text.remove_prefix(1);
  if (text.empty()) return ParseResult::kNotANumber;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, *out, 10);
  if (ec == std::errc::result_out_of_range) {
    return ptr == end ? ParseResult::kOutOfRange : ParseResult::kNotANumber;
  }
  return ec == std::errc() && ptr == end ? ParseResult::kOk : ParseResult::kNotANumber;
}

// A finite number in decimal or exponent form, all of `text`. The words from_chars knows
// ("inf", "nan") are not numbers a field can hold.
ParseResult ParseFloat(std::string_view text, double* out) {
  if (!text.empty() && text[0] == '+' && (text.size() == 1 || text[1] != '-'))
    text.remove_prefix(1);
  if (text.empty()) return ParseResult::kNotANumber;
  for (char c : text) {
    const bool numeric =
        (c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '-' || c == '+';
    if (!numeric) return ParseResult::kNotANumber;
  }
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, *out, std::chars_format::general);
  if (ptr != end) return ParseResult::kNotANumber;
  if (ec == std::errc::result_out_of_range) return ParseResult::kOutOfRange;
  if (ec != std::errc()) return ParseResult::kNotANumber;
  return std::isfinite(*out) ? ParseResult::kOk : ParseResult::kOutOfRange;
}

// An int from an integer, or from a float with no fraction that fits int64.
ParseResult ParseIntOrWholeFloat(std::string_view text, int64_t* out, bool* has_fraction) {
  *has_fraction = false;
  const ParseResult r = ParseInt(text, out);
  if (r != ParseResult::kNotANumber) return r;
  double d;
  const ParseResult f = ParseFloat(text, &d);
  if (f != ParseResult::kOk) return f;
  if (std::trunc(d) != d) {
    *has_fraction = true;
    return ParseResult::kNotANumber;
  }
  // [-2^63, 2^63): both bounds are exact doubles.
  if (d < -9223372036854775808.0 || d >= 9223372036854775808.0) return ParseResult::kOutOfRange;
  *out = static_cast<int64_t>(d);
  return ParseResult::kOk;
}

// A date from RFC 3339, epoch milliseconds or (when `mail`) an RFC 5322 date.
ParseResult ParseDate(std::string_view text, bool mail, int64_t* out) {
  ParseResult r = ParseResult::kOk;
  if (!ParseIsoDate(text, out)) {
    r = ParseInt(text, out);
    if (r == ParseResult::kNotANumber && mail && ParseMailDate(text, out)) r = ParseResult::kOk;
  }
  if (r == ParseResult::kOk && (*out < kMinDateMillis || *out > kMaxDateMillis)) {
    return ParseResult::kOutOfRange;
  }
  return r;
}

// Lower-cases ASCII letters only. Bytes of multi-byte UTF-8 sequences pass through unchanged,
// so "Ä" stays "Ä": full Unicode case folding would need the analyzer's tables, and keyword
// values (tags, hosts, enum-like names) are overwhelmingly ASCII.
std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// The value as an error message shows it: quoted, and cut (at a UTF-8 character boundary)
// when long, so that a megabyte mistaken for a number does not become a megabyte message.
std::string Quote(std::string_view value) {
  constexpr size_t kMaxShown = 64;
  std::string out = "\"";
  if (value.size() <= kMaxShown) {
    out.append(value);
  } else {
    size_t cut = kMaxShown;
    while (cut > 0 && (static_cast<unsigned char>(value[cut]) & 0xC0) == 0x80) --cut;
    out.append(value.substr(0, cut));
    out.append("...");
  }
  out += "\"";
  return out;
}

Status Refuse(const DocField& field, std::string_view what) {
  return Status::InvalidArgument("field '" + field.name + "': " + Quote(field.value) + " " +
                                 std::string(what));
}

std::string FormatFloat(double v) {
  char buf[64];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, v);
  assert(ec == std::errc());
  (void)ec;
  return std::string(buf, ptr);
}

}  // namespace

uint64_t SortableFromFloat(double v) {
  assert(!std::isnan(v));
  if (v == 0) v = 0.0;  // -0.0 compares equal to +0.0, so it must sort equal too
  const uint64_t bits = std::bit_cast<uint64_t>(v);
  return (bits & kSignBit) != 0 ? ~bits : bits ^ kSignBit;
}

double FloatFromSortable(uint64_t s) {
  const uint64_t bits = (s & kSignBit) != 0 ? s ^ kSignBit : ~s;
  return std::bit_cast<double>(bits);
}

Status ConvertValue(const DocField& field, const FieldSpec& spec, TypedValue* out) {
  *out = TypedValue();
  const std::string_view text = field.value;
  switch (spec.type) {
    case FieldType::kText:
    case FieldType::kStored:
      out->stored = field.value;
      return Status::OK();
    case FieldType::kKeyword:
      if (text.size() > kMaxKeywordBytes) {
        return Status::InvalidArgument(
            "field '" + field.name + "': a keyword value of " + std::to_string(text.size()) +
            " bytes is longer than the limit of " + std::to_string(kMaxKeywordBytes));
      }
      out->term = spec.lowercase ? AsciiLower(text) : field.value;
      out->stored = field.value;
      return Status::OK();
    case FieldType::kInt: {
      int64_t v = 0;
      bool has_fraction = false;
      switch (field.kind == ValueKind::kBool ? ParseResult::kNotANumber
                                             : ParseIntOrWholeFloat(text, &v, &has_fraction)) {
        case ParseResult::kOk:
          break;
        case ParseResult::kOutOfRange:
          return Refuse(field, "is out of range for an int (64 bits)");
        case ParseResult::kNotANumber:
          return Refuse(field,
                        has_fraction ? "is not an int (it has a fraction)" : "is not an int");
      }
      out->sortable = SortableFromInt(v);
      out->stored = std::to_string(v);
      return Status::OK();
    }
    case FieldType::kFloat: {
      double v = 0;
      switch (field.kind == ValueKind::kBool ? ParseResult::kNotANumber : ParseFloat(text, &v)) {
        case ParseResult::kOk:
          break;
        case ParseResult::kOutOfRange:
          return Refuse(field, "is not a finite float");
        case ParseResult::kNotANumber:
          return Refuse(field, "is not a float");
      }
      out->sortable = SortableFromFloat(v);
      out->stored = FormatFloat(FloatFromSortable(out->sortable));
      return Status::OK();
    }
    case FieldType::kBool:
      if (text != "true" && text != "false") return Refuse(field, "is not a bool (true or false)");
      out->sortable = text == "true" ? 1 : 0;
      out->stored = std::string(text);
      return Status::OK();
    case FieldType::kDate: {
      int64_t v = 0;
      ParseResult r = ParseResult::kNotANumber;
      if (field.kind == ValueKind::kInt) {
        r = ParseInt(text, &v);
        if (r == ParseResult::kOk && (v < kMinDateMillis || v > kMaxDateMillis)) {
          r = ParseResult::kOutOfRange;
        }
      } else if (field.kind != ValueKind::kFloat && field.kind != ValueKind::kBool) {
        r = ParseDate(text, /*mail=*/true, &v);
      }
      switch (r) {
        case ParseResult::kOk:
          break;
        case ParseResult::kOutOfRange:
          return Refuse(field, "is a date outside the years 0000-9999");
        case ParseResult::kNotANumber:
          return Refuse(field,
                        "is not a date (RFC 3339, RFC 5322 or milliseconds since the epoch)");
      }
      out->sortable = SortableFromInt(v);
      out->stored = FormatDate(v);
      return Status::OK();
    }
  }
  return Status::InvalidArgument("field '" + field.name + "': unknown field type");
}

std::string FormatSortable(FieldType type, uint64_t sortable) {
  switch (type) {
    case FieldType::kInt:
      return std::to_string(IntFromSortable(sortable));
    case FieldType::kFloat:
      return FormatFloat(FloatFromSortable(sortable));
    case FieldType::kDate:
      return FormatDate(IntFromSortable(sortable));
    case FieldType::kBool:
      return sortable != 0 ? "true" : "false";
    case FieldType::kText:
    case FieldType::kKeyword:
    case FieldType::kStored:
      break;
  }
  return std::string();
}

bool ParseQueryValue(FieldType type, std::string_view text, uint64_t* sortable) {
  switch (type) {
    case FieldType::kInt: {
      int64_t v;
      if (ParseInt(text, &v) != ParseResult::kOk) return false;
      *sortable = SortableFromInt(v);
      return true;
    }
    case FieldType::kFloat: {
      double v;
      if (ParseFloat(text, &v) != ParseResult::kOk) return false;
      *sortable = SortableFromFloat(v);
      return true;
    }
    case FieldType::kDate: {
      int64_t v;
      if (ParseDate(text, /*mail=*/false, &v) != ParseResult::kOk) return false;
      *sortable = SortableFromInt(v);
      return true;
    }
    case FieldType::kBool:
      if (text != "true" && text != "false") return false;
      *sortable = text == "true" ? 1 : 0;
      return true;
    case FieldType::kText:
    case FieldType::kKeyword:
    case FieldType::kStored:
      break;
  }
  return false;
}

std::string SortableTerm(uint64_t sortable) {
  std::string term(8, '\0');
  for (int i = 0; i < 8; ++i) term[i] = static_cast<char>(sortable >> (56 - 8 * i));
  return term;
}

uint64_t SortableFromTerm(std::string_view term) {
  assert(term.size() == 8);
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(term[i]);
  return v;
}

}  // namespace trawl
