// Dates: RFC 3339 and RFC 5322 parsing and RFC 3339 output, against instants computed
// independently (Python's datetime) and against a day-by-day calendar walk.
#include "common/date.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>

namespace trawl {
namespace date_test {
namespace {

constexpr int64_t kHour = 3600 * 1000;
constexpr int64_t kMinMillis = -62167219200000;  // 0000-01-01T00:00:00Z
constexpr int64_t kMaxMillis = 253402300799999;  // 9999-12-31T23:59:59.999Z

int64_t Iso(const std::string& text) {
  int64_t ms = 0;
  EXPECT_TRUE(ParseIsoDate(text, &ms)) << text;
  return ms;
}

int64_t Mail(const std::string& text) {
  int64_t ms = 0;
  EXPECT_TRUE(ParseMailDate(text, &ms)) << text;
  return ms;
}

TEST(DateTest, IsoKnownInstants) {
  EXPECT_EQ(Iso("1970-01-01"), 0);
  EXPECT_EQ(Iso("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(Iso("1970-01-01T00:00"), 0);
  EXPECT_EQ(Iso("1969-12-31T23:59:59.999Z"), -1);
  EXPECT_EQ(Iso("1969-12-31"), -24 * kHour);
  const int64_t t = 1715851800000;  // 2024-05-16T09:30:00Z
  EXPECT_EQ(Iso("2024-05-16T09:30:00Z"), t);
  EXPECT_EQ(Iso("2024-05-16T09:30:00"), t) << "no zone means UTC";
  EXPECT_EQ(Iso("2024-05-16 09:30:00"), t);
  EXPECT_EQ(Iso("2024-05-16T09:30Z"), t);
  EXPECT_EQ(Iso("2024-05-16T11:30:00+02:00"), t);
  EXPECT_EQ(Iso("2024-05-16T11:30:00+0200"), t);
  EXPECT_EQ(Iso("2024-05-16T11:30:00+02"), t);
  EXPECT_EQ(Iso("2024-05-16T04:30:00-05:00"), t);
  EXPECT_EQ(Iso("2024-05-16T15:00:00+05:30"), t);
  EXPECT_EQ(Iso("2024-05-16T09:30:00-00:00"), t);
  // The zone moves an instant across a day, month and year boundary.
  EXPECT_EQ(Iso("2024-01-01T01:00:00+02:00"), Iso("2023-12-31T23:00:00Z"));
  EXPECT_EQ(Iso("2023-12-31T22:00:00-03:00"), Iso("2024-01-01T01:00:00Z"));
}

TEST(DateTest, IsoFractionsAndLeapSeconds) {
  const int64_t t = 1715851800000;
  EXPECT_EQ(Iso("2024-05-16T09:30:00.5Z"), t + 500);
  EXPECT_EQ(Iso("2024-05-16T09:30:00.05Z"), t + 50);
  EXPECT_EQ(Iso("2024-05-16T09:30:00.123Z"), t + 123);
  EXPECT_EQ(Iso("2024-05-16T09:30:00.1239Z"), t + 123) << "truncated, not rounded";
  EXPECT_EQ(Iso("2024-05-16T09:30:00.999999999+00:00"), t + 999);
  EXPECT_EQ(Iso("2024-05-16T09:30:00.000"), t);
  EXPECT_EQ(Iso("2016-12-31T23:59:60Z"), 1483228799999) << "a leap second is :59.999";
  EXPECT_EQ(Iso("2016-12-31T23:59:60.5Z"), 1483228799999);
}

TEST(DateTest, IsoLeapDaysAndExtremeYears) {
  EXPECT_EQ(Iso("2000-02-29"), 951782400000);
  EXPECT_EQ(Iso("2000-03-01") - Iso("2000-02-28"), 2 * 24 * kHour);
  EXPECT_EQ(Iso("2100-03-01") - Iso("2100-02-28"), 24 * kHour) << "2100 is no leap year";
  EXPECT_EQ(Iso("2024-02-29T12:00:00Z") + 24 * kHour, Iso("2024-03-01T12:00:00Z"));
  EXPECT_EQ(Iso("0000-01-01"), kMinMillis);
  EXPECT_EQ(Iso("0000-02-29"), kMinMillis + 59 * 24 * kHour) << "year 0 is a leap year";
  EXPECT_EQ(Iso("9999-12-31T23:59:59.999Z"), kMaxMillis);
  EXPECT_EQ(Iso("9999-12-31T23:59:59.999999Z"), kMaxMillis);
  EXPECT_EQ(Iso("0000-01-01T00:00:00+01:00"), kMinMillis - kHour) << "zones may leave the range";
}

TEST(DateTest, IsoRefusals) {
  for (const char* bad : {"",
                          "2024",
                          "2024-05",
                          "24-05-16",
                          "2024-5-16",
                          "2024-05-6",
                          "20240516",
                          "2024-13-01",
                          "2024-00-10",
                          "2024-05-00",
                          "2024-04-31",
                          "2023-02-29",
                          "1900-02-29",
                          "2024-05-32",
                          "2024-05-16T",
                          "2024-05-16T09",
                          "2024-05-16T9:30",
                          "2024-05-16T09:3",
                          "2024-05-16T24:00:00Z",
                          "2024-05-16T23:60:00Z",
                          "2024-05-16T23:59:61Z",
                          "2024-05-16T09:30:00.",
                          "2024-05-16T09:30:00.Z",
                          "2024-05-16T09:30:00Zjunk",
                          "2024-05-16T09:30:00+",
                          "2024-05-16T09:30:00+2",
                          "2024-05-16T09:30:00+24:00",
                          "2024-05-16T09:30:00+02:60",
                          "2024-05-16T09:30:00+02:0",
                          "2024-05-16T09:30:00+020",
                          "2024-05-16T09:30:00 +02:00",
                          "2024-05-16Z",
                          "2024-05-16+02:00",
                          "2024-05-16x",
                          "2024-05-16 ",
                          " 2024-05-16",
                          "2024-05-16t09:30:00Z",
                          "2024-05-16_09:30",
                          "-2024-05-16",
                          "+2024-05-16",
                          "12024-05-16",
                          "2024-05-16T09:30:00,5Z"}) {
    int64_t ms = 42;
    EXPECT_FALSE(ParseIsoDate(bad, &ms)) << '"' << bad << '"';
    EXPECT_EQ(ms, 42) << "a refusal leaves the output alone";
  }
  int64_t ms;
  EXPECT_FALSE(ParseIsoDate(std::string_view("2024-05-16\0", 11), &ms)) << "an embedded NUL";
}

TEST(DateTest, MailKnownInstants) {
  const int64_t debian = 1676279575000;  // 2023-02-13T09:12:55Z
  EXPECT_EQ(Mail("Mon, 13 Feb 2023 10:12:55 +0100"), debian);
  EXPECT_EQ(Mail("13 Feb 2023 10:12:55 +0100"), debian);
  EXPECT_EQ(Mail("Mon, 13 Feb 2023 10:12:55 +0100 (CET)"), debian);
  EXPECT_EQ(Mail("Mon,13 Feb 2023 10:12:55 +0100"), debian);
  EXPECT_EQ(Mail("  Mon,  13\tFeb  2023   10:12:55 \r\n +0100  "), debian);
  EXPECT_EQ(Mail("(sent) Mon, 13 (the day) Feb 2023 10:12:55 +0100 (a (nested) comment)"), debian);
  EXPECT_EQ(Mail("mon, 13 FEB 2023 10:12:55 +0100"), debian) << "names are case-insensitive";
  EXPECT_EQ(Mail("Mon, 13 Feb 23 10:12:55 +0100"), debian) << "two-digit years 00-49 are 20xx";
  EXPECT_EQ(Mail("Sat, 13 Feb 99 10:12:55 +0100"), 918897175000) << "and 50-99 are 19xx";
  EXPECT_EQ(Mail("Mon, 13 Feb 123 10:12:55 +0100"), debian) << "three-digit years from 1900";
  EXPECT_EQ(Mail("Mon, 13 Feb 2023 09:12:55 GMT"), debian);
  EXPECT_EQ(Mail("Mon, 13 Feb 2023 09:12:55 UT"), debian);
  EXPECT_EQ(Mail("Mon, 13 Feb 2023 09:12:55 Z"), debian);
  EXPECT_EQ(Mail("Mon, 13 Feb 2023 09:12:55 -0000"), debian);
  EXPECT_EQ(Mail("Mon, 13 Feb 2023 09:12:55 CEST"), debian) << "an unknown zone means UTC";
  EXPECT_EQ(Mail("Mon, 13 Feb 2023 09:12:55"), debian) << "so does a missing one";
  EXPECT_EQ(Mail("Wed, 13 Feb 2023 10:12:55 +0100"), debian) << "a wrong day name is ignored";
  // RFC 5322's own examples.
  EXPECT_EQ(Mail("Fri, 21 Nov 1997 09:55:06 -0600"), 880127706000);
  EXPECT_EQ(Mail("Thu, 13 Feb 1969 23:32 -0330 (Newfoundland Time)"), -27723480000);
  EXPECT_EQ(Mail("21 Nov 97 09:55:06 GMT"), 880106106000);
  EXPECT_EQ(Mail("Tue, 1 Jul 2003 10:52:37 +0200"), 1057049557000);
  // The obsolete US zones.
  const int64_t t = 880106106000;  // 1997-11-21T09:55:06Z
  EXPECT_EQ(Mail("21 Nov 1997 04:55:06 EST"), t);
  EXPECT_EQ(Mail("21 Nov 1997 05:55:06 EDT"), t);
  EXPECT_EQ(Mail("21 Nov 1997 03:55:06 CST"), t);
  EXPECT_EQ(Mail("21 Nov 1997 04:55:06 CDT"), t);
  EXPECT_EQ(Mail("21 Nov 1997 02:55:06 MST"), t);
  EXPECT_EQ(Mail("21 Nov 1997 03:55:06 MDT"), t);
  EXPECT_EQ(Mail("21 Nov 1997 01:55:06 PST"), t);
  EXPECT_EQ(Mail("21 Nov 1997 02:55:06 PDT"), t);
  EXPECT_EQ(Mail("21 Nov 1997 9:55:06 GMT"), t) << "a one-digit hour";
  EXPECT_EQ(Mail("29 Feb 2024 00:00:00 +0000"), Iso("2024-02-29"));
  EXPECT_EQ(Mail("31 Dec 2016 23:59:60 +0000"), 1483228799999);
}

TEST(DateTest, MailRefusals) {
  for (const char* bad : {"",
                          "Mon,",
                          "13 Feb 2023",
                          "Mon, 13 Feb 2023",
                          "32 Jan 2023 10:00 +0000",
                          "0 Jan 2023 10:00 +0000",
                          "29 Feb 2023 10:00 +0000",
                          "31 Apr 2023 10:00 +0000",
                          "13 Foo 2023 10:00 +0000",
                          "13 February 2023 10:00 +0000",
                          "Xyz, 13 Feb 2023 10:00 +0000",
                          "13 Feb 2023 24:00 +0000",
                          "13 Feb 2023 10:60 +0000",
                          "13 Feb 2023 10:00:61 +0000",
                          "13 Feb 2023 10 +0000",
                          "13 Feb 2023 10:0 +0000",
                          "13 Feb 2023 100:00 +0000",
                          "13 Feb 2023 10:00:00 +01000",
                          "13 Feb 2023 10:00:00 +010",
                          "13 Feb 2023 10:00:00 +2400",
                          "13 Feb 2023 10:00:00 +0160",
                          "13 Feb 2023 10:00:00 +01:00",
                          "13 Feb 2023 10:00:00 GMT+1",
                          "13 Feb 2023 10:00:00 +0100 junk",
                          "13 Feb 2023 10:00:00 +0100 (unclosed",
                          "13 Feb 2023 10:00:00 +0100)",
                          "13 Feb 2 10:00 +0000",
                          "13 Feb 20233 10:00 +0000",
                          "113 Feb 2023 10:00 +0000",
                          "2023-02-13T10:00:00Z",
                          "Feb 13 2023 10:00 +0000"}) {
    int64_t ms = 42;
    EXPECT_FALSE(ParseMailDate(bad, &ms)) << '"' << bad << '"';
    EXPECT_EQ(ms, 42);
  }
}

TEST(DateTest, FormatKnownInstants) {
  EXPECT_EQ(FormatDate(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatDate(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatDate(1), "1970-01-01T00:00:00.001Z");
  EXPECT_EQ(FormatDate(1715851800000), "2024-05-16T09:30:00Z");
  EXPECT_EQ(FormatDate(1715851800120), "2024-05-16T09:30:00.120Z");
  EXPECT_EQ(FormatDate(951782400000), "2000-02-29T00:00:00Z");
  EXPECT_EQ(FormatDate(-27723480000), "1969-02-14T03:02:00Z");
  EXPECT_EQ(FormatDate(kMinMillis), "0000-01-01T00:00:00Z");
  EXPECT_EQ(FormatDate(kMaxMillis), "9999-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatDate(kMaxMillis + 1), "+010000-01-01T00:00:00Z");
  EXPECT_EQ(FormatDate(kMinMillis - 1), "-000001-12-31T23:59:59.999Z");
  // The ends of int64, as java.time.Instant.ofEpochMilli writes them.
  EXPECT_EQ(FormatDate(std::numeric_limits<int64_t>::max()), "+292278994-08-17T07:12:55.807Z");
  EXPECT_EQ(FormatDate(std::numeric_limits<int64_t>::min()), "-292275055-05-16T16:47:04.192Z");
}

// Every day of years 0-9999, walked one at a time with a month-length table: the reference
// for DaysFromCivil and CivilFromDays.
TEST(DateTest, CivilDaysMatchACalendarWalk) {
  int64_t days = DaysFromCivil(0, 1, 1);
  EXPECT_EQ(days, kMinMillis / (24 * kHour));
  EXPECT_EQ(DaysFromCivil(1970, 1, 1), 0);
  for (int64_t year = 0; year <= 9999; ++year) {
    const bool leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    const unsigned lengths[12] = {31, leap ? 29u : 28u, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    for (unsigned month = 1; month <= 12; ++month) {
      for (unsigned day = 1; day <= lengths[month - 1]; ++day, ++days) {
        if (DaysFromCivil(year, month, day) != days) {
          FAIL() << year << "-" << month << "-" << day << ": " << DaysFromCivil(year, month, day)
                 << " != " << days;
        }
        int64_t y;
        unsigned m, d;
        CivilFromDays(days, &y, &m, &d);
        if (y != year || m != month || d != day) {
          FAIL() << days << " -> " << y << "-" << m << "-" << d;
        }
      }
    }
  }
  EXPECT_EQ(days * 24 * kHour, kMaxMillis + 1);
}

TEST(DateTest, FormatThenParseIsTheIdentity) {
  std::mt19937_64 rng(20240516);
  std::uniform_int_distribution<int64_t> any(kMinMillis, kMaxMillis);
  std::uniform_int_distribution<int64_t> whole_seconds(kMinMillis / 1000, kMaxMillis / 1000);
  for (int i = 0; i < 10000; ++i) {
    // Half with milliseconds, half on whole seconds (which are written without a fraction).
    const int64_t x = i % 2 == 0 ? any(rng) : whole_seconds(rng) * 1000;
    const std::string text = FormatDate(x);
    int64_t back = 0;
    ASSERT_TRUE(ParseIsoDate(text, &back)) << x << " " << text;
    ASSERT_EQ(back, x) << text;
  }
  for (int64_t x : {kMinMillis, kMaxMillis, int64_t{0}, int64_t{-1}, int64_t{1}}) {
    int64_t back = 0;
    ASSERT_TRUE(ParseIsoDate(FormatDate(x), &back));
    EXPECT_EQ(back, x);
  }
}

}  // namespace
}  // namespace date_test
}  // namespace trawl
