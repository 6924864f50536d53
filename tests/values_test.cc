// Typed values: sortable keys order as the values do, canonical text reads back to the same
// key, and ConvertValue accepts or refuses each kind of input for each field type.
#include "format/values.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "common/date.h"

namespace trawl {
namespace values_test {
namespace {

using Limits = std::numeric_limits<double>;

// Doubles spread over every exponent: random bit patterns, NaN and infinities skipped.
double RandomFiniteDouble(std::mt19937_64& rng) {
  for (;;) {
    const double d = std::bit_cast<double>(rng());
    if (std::isfinite(d)) return d;
  }
}

std::vector<double> SpecialDoubles() {
  return {-Limits::max(),
          -1e300,
          -1.5,
          -1.0,
          -Limits::min(),
          -Limits::denorm_min(),
          -0.0,
          0.0,
          Limits::denorm_min(),
          Limits::min(),
          1e-300,
          0.1,
          1.0,
          1.0 + Limits::epsilon(),
          2.5,
          1e21,
          9007199254740993.0,
          Limits::max()};
}

std::vector<int64_t> SpecialInts() {
  return {std::numeric_limits<int64_t>::min(),
          std::numeric_limits<int64_t>::min() + 1,
          -1000,
          -1,
          0,
          1,
          1000,
          std::numeric_limits<int64_t>::max() - 1,
          std::numeric_limits<int64_t>::max()};
}

TEST(ValuesTest, IntSortableOrderMatchesValueOrder) {
  std::mt19937_64 rng(1);
  std::vector<int64_t> values = SpecialInts();
  for (int i = 0; i < 2000; ++i) values.push_back(static_cast<int64_t>(rng()));
  for (int i = 0; i < 2000; ++i) values.push_back(static_cast<int64_t>(rng() % 2001) - 1000);
  for (int i = 0; i < 100000; ++i) {
    const int64_t a = values[rng() % values.size()], b = values[rng() % values.size()];
    ASSERT_EQ(a < b, SortableFromInt(a) < SortableFromInt(b)) << a << " " << b;
    ASSERT_EQ(a == b, SortableFromInt(a) == SortableFromInt(b)) << a << " " << b;
  }
  for (int64_t v : values) ASSERT_EQ(IntFromSortable(SortableFromInt(v)), v);
}

TEST(ValuesTest, FloatSortableOrderMatchesValueOrder) {
  std::mt19937_64 rng(2);
  std::vector<double> values = SpecialDoubles();
  for (int i = 0; i < 2000; ++i) values.push_back(RandomFiniteDouble(rng));
  for (int i = 0; i < 2000; ++i) values.push_back(static_cast<double>(rng() % 2001) / 8 - 125);
  for (int i = 0; i < 200000; ++i) {
    const double a = values[rng() % values.size()], b = values[rng() % values.size()];
    ASSERT_EQ(a < b, SortableFromFloat(a) < SortableFromFloat(b)) << a << " " << b;
    ASSERT_EQ(a == b, SortableFromFloat(a) == SortableFromFloat(b)) << a << " " << b;
  }
  for (double v : values) {
    const double back = FloatFromSortable(SortableFromFloat(v));
    ASSERT_EQ(back, v);
    if (v != 0) {
      ASSERT_EQ(std::bit_cast<uint64_t>(back), std::bit_cast<uint64_t>(v));
    }
  }
  EXPECT_EQ(SortableFromFloat(-0.0), SortableFromFloat(0.0));
  EXPECT_FALSE(std::signbit(FloatFromSortable(SortableFromFloat(-0.0))));
  // Neighbours stay neighbours: the smallest step either side of zero (below it, the key -0.0
  // would have is left unused).
  EXPECT_EQ(SortableFromFloat(Limits::denorm_min()), SortableFromFloat(0.0) + 1);
  EXPECT_EQ(SortableFromFloat(-Limits::denorm_min()), SortableFromFloat(0.0) - 2);
}

TEST(ValuesTest, DateSortableOrderMatchesValueOrder) {
  std::mt19937_64 rng(3);
  std::uniform_int_distribution<int64_t> any(kMinDateMillis, kMaxDateMillis);
  for (int i = 0; i < 20000; ++i) {
    const int64_t a = any(rng), b = i % 2 == 0 ? any(rng) : a + static_cast<int64_t>(rng() % 3) - 1;
    if (b < kMinDateMillis || b > kMaxDateMillis) continue;
    TypedValue va, vb;
    ASSERT_TRUE(ConvertValue({"d", FormatDate(a), ValueKind::kDate},
                             FieldSpec::Default(FieldType::kDate), &va)
                    .ok());
    ASSERT_TRUE(ConvertValue({"d", std::to_string(b), ValueKind::kInt},
                             FieldSpec::Default(FieldType::kDate), &vb)
                    .ok());
    ASSERT_EQ(a < b, va.sortable < vb.sortable) << a << " " << b;
    ASSERT_EQ(a == b, va.sortable == vb.sortable) << a << " " << b;
    ASSERT_EQ(IntFromSortable(va.sortable), a);
  }
}

TEST(ValuesTest, SortableTermsSortAsTheKeys) {
  std::mt19937_64 rng(4);
  for (int i = 0; i < 20000; ++i) {
    // Mostly keys that share leading bytes, where a little-endian term would go wrong.
    const uint64_t a = rng(), b = i % 2 == 0 ? rng() : a ^ (rng() & 0xFFFF);
    const std::string ta = SortableTerm(a), tb = SortableTerm(b);
    ASSERT_EQ(ta.size(), 8u);
    ASSERT_EQ(a < b, ta < tb);
    ASSERT_EQ(SortableFromTerm(ta), a);
  }
  EXPECT_EQ(SortableTerm(0x0102030405060708), std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
  EXPECT_EQ(SortableFromTerm(std::string(8, '\xFF')), ~uint64_t{0});
}

void ExpectRoundTrip(FieldType type, uint64_t sortable) {
  const std::string text = FormatSortable(type, sortable);
  uint64_t back = ~sortable;
  ASSERT_TRUE(ParseQueryValue(type, text, &back)) << FieldTypeName(type) << " " << text;
  ASSERT_EQ(back, sortable) << FieldTypeName(type) << " " << text;
}

TEST(ValuesTest, FormatSortableReadsBack) {
  std::mt19937_64 rng(5);
  for (int64_t v : SpecialInts()) ExpectRoundTrip(FieldType::kInt, SortableFromInt(v));
  for (double v : SpecialDoubles()) ExpectRoundTrip(FieldType::kFloat, SortableFromFloat(v));
  for (int64_t v : {kMinDateMillis, kMaxDateMillis, int64_t{0}, int64_t{-1}})
    ExpectRoundTrip(FieldType::kDate, SortableFromInt(v));
  ExpectRoundTrip(FieldType::kBool, 0);
  ExpectRoundTrip(FieldType::kBool, 1);
  std::uniform_int_distribution<int64_t> dates(kMinDateMillis, kMaxDateMillis);
  for (int i = 0; i < 10000; ++i) {
    ExpectRoundTrip(FieldType::kInt, SortableFromInt(static_cast<int64_t>(rng())));
    ExpectRoundTrip(FieldType::kFloat, SortableFromFloat(RandomFiniteDouble(rng)));
    ExpectRoundTrip(FieldType::kDate, SortableFromInt(dates(rng)));
  }
  EXPECT_EQ(FormatSortable(FieldType::kInt, SortableFromInt(-42)), "-42");
  EXPECT_EQ(FormatSortable(FieldType::kFloat, SortableFromFloat(0.1)), "0.1");
  EXPECT_EQ(FormatSortable(FieldType::kFloat, SortableFromFloat(-0.0)), "0");
  EXPECT_EQ(FormatSortable(FieldType::kFloat, SortableFromFloat(1000)), "1000");
  EXPECT_EQ(FormatSortable(FieldType::kFloat, SortableFromFloat(1e21)), "1e+21");
  EXPECT_EQ(FormatSortable(FieldType::kDate, SortableFromInt(1715851800000)),
            "2024-05-16T09:30:00Z");
  EXPECT_EQ(FormatSortable(FieldType::kBool, 1), "true");
  EXPECT_EQ(FormatSortable(FieldType::kBool, 0), "false");
  EXPECT_EQ(FormatSortable(FieldType::kKeyword, 7), "");
}

TEST(ValuesTest, ParseQueryValue) {
  uint64_t s = 0;
  EXPECT_TRUE(ParseQueryValue(FieldType::kInt, "42", &s));
  EXPECT_EQ(s, SortableFromInt(42));
  EXPECT_TRUE(ParseQueryValue(FieldType::kInt, "-9223372036854775808", &s));
  EXPECT_EQ(s, SortableFromInt(std::numeric_limits<int64_t>::min()));
  EXPECT_TRUE(ParseQueryValue(FieldType::kInt, "+7", &s));
  EXPECT_EQ(s, SortableFromInt(7));
  for (const char* bad :
       {"", "1e3", "3.0", "9223372036854775808", "abc", " 1", "1 ", "--1", "+-1", "+", "-", "0x10"})
    EXPECT_FALSE(ParseQueryValue(FieldType::kInt, bad, &s)) << bad;

  EXPECT_TRUE(ParseQueryValue(FieldType::kFloat, "1e3", &s));
  EXPECT_EQ(s, SortableFromFloat(1000));
  EXPECT_TRUE(ParseQueryValue(FieldType::kFloat, "-2.5", &s));
  EXPECT_EQ(s, SortableFromFloat(-2.5));
  EXPECT_TRUE(ParseQueryValue(FieldType::kFloat, "4.9e-324", &s));
  EXPECT_EQ(s, SortableFromFloat(Limits::denorm_min()));
  for (const char* bad : {"", "inf", "-inf", "Infinity", "nan", "NaN", "1e400", "-1e400", "1,5",
                          "abc", "1.5x", "0x1p3", " 1"})
    EXPECT_FALSE(ParseQueryValue(FieldType::kFloat, bad, &s)) << bad;

  EXPECT_TRUE(ParseQueryValue(FieldType::kDate, "2024-05-16T11:30:00+02:00", &s));
  EXPECT_EQ(s, SortableFromInt(1715851800000));
  EXPECT_TRUE(ParseQueryValue(FieldType::kDate, "1715851800000", &s));
  EXPECT_EQ(s, SortableFromInt(1715851800000));
  EXPECT_TRUE(ParseQueryValue(FieldType::kDate, "-1", &s));
  EXPECT_EQ(s, SortableFromInt(-1));
  for (const char* bad :
       {"", "2024-13-01", "yesterday", "Mon, 13 Feb 2023 10:12:55 +0100", "253402300800000", "1e3"})
    EXPECT_FALSE(ParseQueryValue(FieldType::kDate, bad, &s)) << bad;

  EXPECT_TRUE(ParseQueryValue(FieldType::kBool, "true", &s));
  EXPECT_EQ(s, 1u);
  EXPECT_TRUE(ParseQueryValue(FieldType::kBool, "false", &s));
  EXPECT_EQ(s, 0u);
  for (const char* bad : {"", "True", "1", "yes"})
    EXPECT_FALSE(ParseQueryValue(FieldType::kBool, bad, &s)) << bad;

  for (FieldType t : {FieldType::kText, FieldType::kKeyword, FieldType::kStored})
    EXPECT_FALSE(ParseQueryValue(t, "42", &s)) << FieldTypeName(t);
}

struct Case {
  ValueKind kind;
  std::string value;
  FieldType type;
  bool ok;
  std::string stored;  // when ok
};

// One representative value of each kind, as an input would produce it, into each field type.
TEST(ValuesTest, ConvertMatrix) {
  using K = ValueKind;
  using T = FieldType;
  const std::string text = "hello world", keyword = "New York", integer = "42", real = "2.5",
                    boolean = "true", date = "2024-05-16T11:30:00+02:00";
  const std::vector<Case> cases = {
      {K::kText, text, T::kText, true, text},
      {K::kKeyword, keyword, T::kText, true, keyword},
      {K::kInt, integer, T::kText, true, integer},
      {K::kFloat, real, T::kText, true, real},
      {K::kBool, boolean, T::kText, true, boolean},
      {K::kDate, date, T::kText, true, date},

      {K::kText, text, T::kStored, true, text},
      {K::kKeyword, keyword, T::kStored, true, keyword},
      {K::kInt, integer, T::kStored, true, integer},
      {K::kFloat, real, T::kStored, true, real},
      {K::kBool, boolean, T::kStored, true, boolean},
      {K::kDate, date, T::kStored, true, date},

      {K::kText, text, T::kKeyword, true, text},
      {K::kKeyword, keyword, T::kKeyword, true, keyword},
      {K::kInt, integer, T::kKeyword, true, integer},
      {K::kFloat, real, T::kKeyword, true, real},
      {K::kBool, boolean, T::kKeyword, true, boolean},
      {K::kDate, date, T::kKeyword, true, date},

      {K::kText, text, T::kInt, false, ""},
      {K::kKeyword, keyword, T::kInt, false, ""},
      {K::kInt, integer, T::kInt, true, "42"},
      {K::kFloat, real, T::kInt, false, ""},
      {K::kBool, boolean, T::kInt, false, ""},
      {K::kDate, date, T::kInt, false, ""},

      {K::kText, text, T::kFloat, false, ""},
      {K::kKeyword, keyword, T::kFloat, false, ""},
      {K::kInt, integer, T::kFloat, true, "42"},
      {K::kFloat, real, T::kFloat, true, "2.5"},
      {K::kBool, boolean, T::kFloat, false, ""},
      {K::kDate, date, T::kFloat, false, ""},

      {K::kText, text, T::kBool, false, ""},
      {K::kKeyword, keyword, T::kBool, false, ""},
      {K::kInt, integer, T::kBool, false, ""},
      {K::kFloat, real, T::kBool, false, ""},
      {K::kBool, boolean, T::kBool, true, "true"},
      {K::kDate, date, T::kBool, false, ""},

      {K::kText, text, T::kDate, false, ""},
      {K::kKeyword, keyword, T::kDate, false, ""},
      {K::kInt, integer, T::kDate, true, "1970-01-01T00:00:00.042Z"},
      {K::kFloat, real, T::kDate, false, ""},
      {K::kBool, boolean, T::kDate, false, ""},
      {K::kDate, date, T::kDate, true, "2024-05-16T09:30:00Z"},
  };
  for (const Case& c : cases) {
    TypedValue v;
    Status s = ConvertValue({"f", c.value, c.kind}, FieldSpec::Default(c.type), &v);
    const std::string label = std::string(FieldTypeName(DynamicFieldType(c.kind))) + " value \"" +
                              c.value + "\" into a " + std::string(FieldTypeName(c.type)) +
                              " field";
    ASSERT_EQ(s.ok(), c.ok) << label << ": " << s.ToString();
    if (!c.ok) {
      EXPECT_TRUE(s.IsInvalidArgument()) << label;
      EXPECT_NE(s.message().find("field 'f': \"" + c.value + "\""), std::string::npos)
          << label << ": " << s.message();
      continue;
    }
    EXPECT_EQ(v.stored, c.stored) << label;
    if (c.type == T::kKeyword) {
      EXPECT_EQ(v.term, c.value) << label;
    }
    uint64_t parsed = 0;
    if (c.type != T::kText && c.type != T::kStored && c.type != T::kKeyword) {
      ASSERT_TRUE(ParseQueryValue(c.type, v.stored, &parsed)) << label;
      EXPECT_EQ(parsed, v.sortable) << label;
    }
  }
}

// ConvertValue's answer for one value: the stored text, or "!" and the error message.
std::string Convert(FieldType type, std::string value, ValueKind kind = ValueKind::kText,
                    uint64_t* sortable = nullptr) {
  TypedValue v;
  Status s = ConvertValue({"f", std::move(value), kind}, FieldSpec::Default(type), &v);
  if (!s.ok()) return "!" + s.message();
  if (sortable != nullptr) *sortable = v.sortable;
  return v.stored;
}

TEST(ValuesTest, ConvertInts) {
  uint64_t s = 0;
  EXPECT_EQ(Convert(FieldType::kInt, "-7", ValueKind::kKeyword, &s), "-7");
  EXPECT_EQ(s, SortableFromInt(-7));
  EXPECT_EQ(Convert(FieldType::kInt, "+7"), "7");
  EXPECT_EQ(Convert(FieldType::kInt, "007"), "7");
  EXPECT_EQ(Convert(FieldType::kInt, "-0"), "0");
  EXPECT_EQ(Convert(FieldType::kInt, "3.0", ValueKind::kFloat), "3");
  EXPECT_EQ(Convert(FieldType::kInt, "1e3", ValueKind::kFloat), "1000");
  EXPECT_EQ(Convert(FieldType::kInt, "-2.5e1", ValueKind::kFloat), "-25");
  EXPECT_EQ(Convert(FieldType::kInt, "9223372036854775807"), "9223372036854775807");
  EXPECT_EQ(Convert(FieldType::kInt, "-9223372036854775808"), "-9223372036854775808");
  EXPECT_EQ(Convert(FieldType::kInt, "-9.223372036854775808e18"), "-9223372036854775808");
  EXPECT_EQ(Convert(FieldType::kInt, "abc"), "!field 'f': \"abc\" is not an int");
  EXPECT_EQ(Convert(FieldType::kInt, "3.5", ValueKind::kFloat),
            "!field 'f': \"3.5\" is not an int (it has a fraction)");
  EXPECT_EQ(Convert(FieldType::kInt, "9223372036854775808"),
            "!field 'f': \"9223372036854775808\" is out of range for an int (64 bits)");
  EXPECT_EQ(Convert(FieldType::kInt, "9.223372036854775808e18", ValueKind::kFloat),
            "!field 'f': \"9.223372036854775808e18\" is out of range for an int (64 bits)");
  for (const char* bad :
       {"", " 1", "1 ", "--1", "+-1", "+", "-", "0x10", "4_2", "1e400", "inf", "nan", "true"})
    EXPECT_EQ(Convert(FieldType::kInt, bad)[0], '!') << bad;
}

TEST(ValuesTest, ConvertFloats) {
  uint64_t s = 0;
  EXPECT_EQ(Convert(FieldType::kFloat, "1e3", ValueKind::kFloat, &s), "1000");
  EXPECT_EQ(s, SortableFromFloat(1000));
  EXPECT_EQ(Convert(FieldType::kFloat, "-0", ValueKind::kFloat, &s), "0");
  EXPECT_EQ(s, SortableFromFloat(0.0));
  EXPECT_EQ(Convert(FieldType::kFloat, "-0.0", ValueKind::kFloat, &s), "0");
  EXPECT_EQ(Convert(FieldType::kFloat, "0.1"), "0.1");
  EXPECT_EQ(Convert(FieldType::kFloat, "+0.10"), "0.1");
  EXPECT_EQ(Convert(FieldType::kFloat, "4.9e-324"), "5e-324");
  EXPECT_EQ(Convert(FieldType::kFloat, "1.7976931348623157e308"), "1.7976931348623157e+308");
  EXPECT_EQ(Convert(FieldType::kFloat, "-1.7976931348623157e308"), "-1.7976931348623157e+308");
  EXPECT_EQ(Convert(FieldType::kFloat, "9007199254740993"), "9007199254740992");
  EXPECT_EQ(Convert(FieldType::kFloat, "abc"), "!field 'f': \"abc\" is not a float");
  EXPECT_EQ(Convert(FieldType::kFloat, "1e400"), "!field 'f': \"1e400\" is not a finite float");
  EXPECT_EQ(Convert(FieldType::kFloat, "-1e400")[0], '!');
  for (const char* bad : {"", "inf", "-inf", "+inf", "Infinity", "nan", "NaN", "1,5", "1.5x",
                          "0x1p3", " 1", "1 ", "true", "--1", "+-1"})
    EXPECT_EQ(Convert(FieldType::kFloat, bad)[0], '!') << bad;
}

TEST(ValuesTest, ConvertBools) {
  uint64_t s = 7;
  EXPECT_EQ(Convert(FieldType::kBool, "true", ValueKind::kBool, &s), "true");
  EXPECT_EQ(s, 1u);
  EXPECT_EQ(Convert(FieldType::kBool, "false", ValueKind::kKeyword, &s), "false");
  EXPECT_EQ(s, 0u);
  EXPECT_EQ(Convert(FieldType::kBool, "true", ValueKind::kText), "true");
  EXPECT_EQ(Convert(FieldType::kBool, "yes"), "!field 'f': \"yes\" is not a bool (true or false)");
  for (const char* bad : {"", "True", "FALSE", "1", "0", " true"})
    EXPECT_EQ(Convert(FieldType::kBool, bad)[0], '!') << bad;
}

TEST(ValuesTest, ConvertDates) {
  uint64_t s = 0;
  const int64_t t = 1715851800000;
  for (const auto& [value, kind] : std::vector<std::pair<std::string, ValueKind>>{
           {"2024-05-16T09:30:00Z", ValueKind::kDate},
           {"2024-05-16T11:30:00+02:00", ValueKind::kText},
           {"2024-05-16 04:30:00-0500", ValueKind::kKeyword},
           {"1715851800000", ValueKind::kInt},
           {"1715851800000", ValueKind::kText},
           {"+1715851800000", ValueKind::kDate},
           {"Thu, 16 May 2024 11:30:00 +0200", ValueKind::kDate},
           {"16 May 2024 09:30:00 GMT (UTC)", ValueKind::kText}}) {
    EXPECT_EQ(Convert(FieldType::kDate, value, kind, &s), "2024-05-16T09:30:00Z") << value;
    EXPECT_EQ(s, SortableFromInt(t)) << value;
  }
  EXPECT_EQ(Convert(FieldType::kDate, "2024-05-16"), "2024-05-16T00:00:00Z");
  EXPECT_EQ(Convert(FieldType::kDate, "-1", ValueKind::kInt), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(Convert(FieldType::kDate, "2024", ValueKind::kText), "1970-01-01T00:00:02.024Z")
      << "a lone year is no ISO date: it is read as milliseconds";
  EXPECT_EQ(Convert(FieldType::kDate, "0000-01-01"), "0000-01-01T00:00:00Z");
  EXPECT_EQ(Convert(FieldType::kDate, "253402300799999", ValueKind::kInt),
            "9999-12-31T23:59:59.999Z");
  EXPECT_EQ(Convert(FieldType::kDate, "253402300800000", ValueKind::kInt),
            "!field 'f': \"253402300800000\" is a date outside the years 0000-9999");
  EXPECT_EQ(Convert(FieldType::kDate, "-62167219200001")[0], '!');
  EXPECT_EQ(Convert(FieldType::kDate, "0000-01-01T00:00:00+01:00")[0], '!');
  EXPECT_EQ(Convert(FieldType::kDate, "99999999999999999999")[0], '!');
  EXPECT_EQ(Convert(FieldType::kDate, "yesterday", ValueKind::kDate),
            "!field 'f': \"yesterday\" is not a date (RFC 3339, RFC 5322 or milliseconds since "
            "the epoch)");
  EXPECT_EQ(Convert(FieldType::kDate, "2024-05-16", ValueKind::kInt)[0], '!')
      << "an int value is milliseconds, nothing else";
  EXPECT_EQ(Convert(FieldType::kDate, "1715851800000", ValueKind::kFloat)[0], '!');
  for (const char* bad : {"", "2024-13-01", "2024-02-30", "2024-05-16T25:00", "1.5", "1e12",
                          "Mon, 32 May 2024 09:30:00 +0000"})
    EXPECT_EQ(Convert(FieldType::kDate, bad)[0], '!') << bad;
}

TEST(ValuesTest, ConvertKeywords) {
  FieldSpec spec = FieldSpec::Default(FieldType::kKeyword);
  spec.lowercase = true;
  TypedValue v;
  ASSERT_TRUE(ConvertValue({"tag", "New York ÄÖ", ValueKind::kKeyword}, spec, &v).ok());
  EXPECT_EQ(v.term, "new york ÄÖ") << "ASCII lowered, other UTF-8 passed through";
  EXPECT_EQ(v.stored, "New York ÄÖ");
  spec.lowercase = false;
  ASSERT_TRUE(ConvertValue({"tag", "New York", ValueKind::kKeyword}, spec, &v).ok());
  EXPECT_EQ(v.term, "New York");
  ASSERT_TRUE(ConvertValue({"tag", "", ValueKind::kKeyword}, spec, &v).ok());
  EXPECT_EQ(v.term, "");

  ASSERT_TRUE(ConvertValue({"tag", std::string(kMaxKeywordBytes, 'x')}, spec, &v).ok());
  EXPECT_EQ(v.term.size(), kMaxKeywordBytes);
  Status s = ConvertValue({"tag", std::string(kMaxKeywordBytes + 1, 'x')}, spec, &v);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_EQ(s.message(),
            "field 'tag': a keyword value of 32769 bytes is longer than the limit "
            "of 32768");
}

TEST(ValuesTest, ErrorMessagesShowLongValuesShortened) {
  // 63 ASCII bytes and then a two-byte character across the cut at 64.
  const std::string value = std::string(63, 'a') + "é" + std::string(1000, 'b');
  const std::string message = Convert(FieldType::kInt, value);
  EXPECT_EQ(message, "!field 'f': \"" + std::string(63, 'a') + "...\" is not an int");
}

}  // namespace
}  // namespace values_test
}  // namespace trawl
