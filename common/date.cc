#include "common/date.h"

#include <cassert>
#include <cstdio>
#include <vector>

namespace trawl {

namespace {

constexpr int64_t kMillisPerSecond = 1000;
constexpr int64_t kMillisPerMinute = 60 * kMillisPerSecond;
constexpr int64_t kMillisPerHour = 60 * kMillisPerMinute;
constexpr int64_t kMillisPerDay = 24 * kMillisPerHour;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
char AsciiLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool IsLeapYear(int64_t y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

unsigned DaysInMonth(int64_t year, unsigned month) {
  static constexpr unsigned kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeapYear(year) ? 29 : kDays[month - 1];
}

// A cursor over the text being parsed; every read checks the end.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  bool AtEnd() const { return pos_ == text_.size(); }
  char Peek() const { return AtEnd() ? '\0' : text_[pos_]; }
  void Skip() { ++pos_; }
  bool Consume(char c) {
    if (AtEnd() || text_[pos_] != c) return false;
    ++pos_;
    return true;
  }
  // Exactly n digits.
  bool Digits(int n, int64_t* out) {
    int64_t v = 0;
    for (int i = 0; i < n; ++i) {
      if (AtEnd() || !IsDigit(text_[pos_])) return false;
      v = v * 10 + (text_[pos_++] - '0');
    }
    *out = v;
    return true;
  }
  // Between min and max digits, as many as there are.
  int DigitRun(int min, int max, int64_t* out) {
    int64_t v = 0;
    int n = 0;
    while (n < max && !AtEnd() && IsDigit(text_[pos_])) {
      v = v * 10 + (text_[pos_++] - '0');
      ++n;
    }
    *out = v;
    return n >= min ? n : 0;
  }
  std::string_view Rest() const { return text_.substr(pos_); }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

// Milliseconds into the day of a wall-clock time, or false if a field is out of range. A leap
// second (:60) is read as the last millisecond before the next minute, which keeps instants
// ordered without inventing a day longer than 86400 s.
bool TimeOfDay(int64_t hour, int64_t minute, int64_t second, int64_t millis, int64_t* out) {
  if (hour > 23 || minute > 59 || second > 60) return false;
  if (second == 60) {
    second = 59;
    millis = 999;
  }
  *out = hour * kMillisPerHour + minute * kMillisPerMinute + second * kMillisPerSecond + millis;
  return true;
}

// ±HH:MM, ±HHMM or ±HH after the sign has been read; the offset in milliseconds east of UTC.
bool IsoZoneOffset(Scanner* s, int64_t sign, int64_t* offset) {
  int64_t hours = 0, minutes = 0;
  if (!s->Digits(2, &hours)) return false;
  if (s->Consume(':')) {
    if (!s->Digits(2, &minutes)) return false;
  } else if (IsDigit(s->Peek())) {
    if (!s->Digits(2, &minutes)) return false;
  }
  if (hours > 23 || minutes > 59) return false;
  *offset = sign * (hours * kMillisPerHour + minutes * kMillisPerMinute);
  return true;
}

// RFC 5322 month names, case-insensitive; 1-12, or 0 if `word` is none.
unsigned MonthFromName(std::string_view word) {
  static constexpr std::string_view kMonths[12] = {"jan", "feb", "mar", "apr", "may", "jun",
                                                   "jul", "aug", "sep", "oct", "nov", "dec"};
  if (word.size() != 3) return 0;
  for (unsigned m = 0; m < 12; ++m) {
    bool same = true;
    for (size_t i = 0; i < 3; ++i) same = same && AsciiLower(word[i]) == kMonths[m][i];
    if (same) return m + 1;
  }
  return 0;
}

bool IsDayName(std::string_view word) {
  static constexpr std::string_view kDays[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
  if (word.size() != 3) return false;
  for (std::string_view day : kDays) {
    bool same = true;
    for (size_t i = 0; i < 3; ++i) same = same && AsciiLower(word[i]) == day[i];
    if (same) return true;
  }
  return false;
}

// The obsolete zone names of RFC 5322 section 4.3, in hours east of UTC. Military single
// letters and any other name are unknown, which the RFC says to read as UTC ("-0000").
int64_t ObsoleteZoneHours(std::string_view name) {
  std::string lower;
  for (char c : name) lower.push_back(AsciiLower(c));
  if (lower == "edt") return -4;
  if (lower == "est" || lower == "cdt") return -5;
  if (lower == "cst" || lower == "mdt") return -6;
  if (lower == "mst" || lower == "pdt") return -7;
  if (lower == "pst") return -8;
  return 0;  // UT, GMT, Z and the unknown
}

// The words of a mail date with comments removed: "(CET)" and nested comments become
// separators, as do whitespace and commas (which RFC 5322 allows only after the day name, but
// mailers also write "13 Feb, 2023"). False for unbalanced parentheses.
bool MailWords(std::string_view text, std::vector<std::string_view>* words) {
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c == '(') {
      int depth = 0;
      do {
        if (text[i] == '\\' && i + 1 < text.size()) {
          ++i;
        } else if (text[i] == '(') {
          ++depth;
        } else if (text[i] == ')') {
          --depth;
        }
        ++i;
      } while (depth > 0 && i < text.size());
      if (depth > 0) return false;  // an unclosed comment
      continue;
    }
    if (c == ')') return false;
    if (IsSpace(c) || c == ',') {
      ++i;
      continue;
    }
    size_t start = i;
    while (i < text.size() && !IsSpace(text[i]) && text[i] != ',' && text[i] != '(' &&
           text[i] != ')')
      ++i;
    words->push_back(text.substr(start, i - start));
  }
  return true;
}

bool AllDigits(std::string_view word) {
  if (word.empty()) return false;
  for (char c : word)
    if (!IsDigit(c)) return false;
  return true;
}

int64_t ParseDigits(std::string_view word) {
  int64_t v = 0;
  for (char c : word) v = v * 10 + (c - '0');
  return v;
}

}  // namespace

int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day) {
  year -= month <= 2;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t yoe = year - era * 400;                                               // [0, 399]
  const int64_t doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;  // [0, 365]
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;                          // [0, 146096]
  return era * 146097 + doe - 719468;
}

void CivilFromDays(int64_t days, int64_t* year, unsigned* month, unsigned* day) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t doe = days - era * 146097;                                    // [0, 146096]
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                // [0, 365]
  const int64_t mp = (5 * doy + 2) / 153;                                     // [0, 11]
  *day = static_cast<unsigned>(doy - (153 * mp + 2) / 5 + 1);
  *month = static_cast<unsigned>(mp < 10 ? mp + 3 : mp - 9);
  *year = yoe + era * 400 + (*month <= 2);
}

bool ParseIsoDate(std::string_view text, int64_t* epoch_millis) {
  Scanner s(text);
  int64_t year, month, day;
  if (!s.Digits(4, &year) || !s.Consume('-') || !s.Digits(2, &month) || !s.Consume('-') ||
      !s.Digits(2, &day))
    return false;
  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, static_cast<unsigned>(month)))
    return false;
  int64_t millis_of_day = 0;
  int64_t offset = 0;
  if (!s.AtEnd()) {
    if (!s.Consume('T') && !s.Consume(' ')) return false;
    int64_t hour, minute, second = 0, millis = 0;
    if (!s.Digits(2, &hour) || !s.Consume(':') || !s.Digits(2, &minute)) return false;
    if (s.Consume(':')) {
      if (!s.Digits(2, &second)) return false;
      if (s.Consume('.')) {
        // Milliseconds from the first three digits; finer digits are truncated, not rounded,
        // so that a time never moves into the next second (or day).
        int digits = 0;
        while (IsDigit(s.Peek())) {
          if (digits < 3) millis = millis * 10 + (s.Peek() - '0');
          ++digits;
          s.Skip();
        }
        if (digits == 0) return false;
        for (int d = digits; d < 3; ++d) millis *= 10;
      }
    }
    if (!TimeOfDay(hour, minute, second, millis, &millis_of_day)) return false;
    if (s.Consume('Z')) {
      // UTC
    } else if (s.Consume('+')) {
      if (!IsoZoneOffset(&s, 1, &offset)) return false;
    } else if (s.Consume('-')) {
      if (!IsoZoneOffset(&s, -1, &offset)) return false;
    }
    if (!s.AtEnd()) return false;
  }
  *epoch_millis = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) *
                      kMillisPerDay +
                  millis_of_day - offset;
  return true;
}

bool ParseMailDate(std::string_view text, int64_t* epoch_millis) {
  std::vector<std::string_view> words;
  if (!MailWords(text, &words)) return false;
  size_t w = 0;
  if (w < words.size() && IsDayName(words[w])) ++w;  // the day name is not checked against the date
  // DD Mon YYYY
  if (words.size() < w + 4) return false;
  const std::string_view day_word = words[w++];
  const std::string_view month_word = words[w++];
  const std::string_view year_word = words[w++];
  if (!AllDigits(day_word) || day_word.size() > 2) return false;
  const unsigned month = MonthFromName(month_word);
  if (month == 0) return false;
  if (!AllDigits(year_word) || year_word.size() < 2 || year_word.size() > 4) return false;
  int64_t year = ParseDigits(year_word);
  // RFC 5322 section 4.3: two-digit years 00-49 are 2000-2049, 50-99 are 1950-1999; three-digit
  // years are counted from 1900.
  if (year_word.size() == 2) {
    year += year < 50 ? 2000 : 1900;
  } else if (year_word.size() == 3) {
    year += 1900;
  }
  const int64_t day = ParseDigits(day_word);
  if (day < 1 || day > DaysInMonth(year, month)) return false;

  // HH:MM[:SS]
  Scanner t(words[w++]);
  int64_t hour, minute, second = 0;
  if (!t.DigitRun(1, 2, &hour) || !t.Consume(':') || !t.Digits(2, &minute)) return false;
  if (t.Consume(':') && !t.Digits(2, &second)) return false;
  if (!t.AtEnd()) return false;
  int64_t millis_of_day;
  if (!TimeOfDay(hour, minute, second, 0, &millis_of_day)) return false;

  // ±HHMM or a zone name; a missing zone is read as UTC, like an unknown one.
  int64_t offset = 0;
  if (w < words.size()) {
    const std::string_view zone = words[w++];
    if (zone[0] == '+' || zone[0] == '-') {
      if (zone.size() != 5 || !AllDigits(zone.substr(1))) return false;
      const int64_t hours = ParseDigits(zone.substr(1, 2));
      const int64_t minutes = ParseDigits(zone.substr(3, 2));
      if (hours > 23 || minutes > 59) return false;
      offset = (zone[0] == '-' ? -1 : 1) * (hours * kMillisPerHour + minutes * kMillisPerMinute);
    } else {
      for (char c : zone)
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) return false;
      offset = ObsoleteZoneHours(zone) * kMillisPerHour;
    }
  }
  if (w != words.size()) return false;
  *epoch_millis = DaysFromCivil(year, month, static_cast<unsigned>(day)) * kMillisPerDay +
                  millis_of_day - offset;
  return true;
}

std::string FormatDate(int64_t epoch_millis) {
  // Floor division without forming days * kMillisPerDay, which overflows near INT64_MIN.
  int64_t days = epoch_millis / kMillisPerDay;
  int64_t rest = epoch_millis % kMillisPerDay;
  if (rest < 0) {
    rest += kMillisPerDay;
    --days;
  }
  int64_t year;
  unsigned month, day;
  CivilFromDays(days, &year, &month, &day);
  const int hour = static_cast<int>(rest / kMillisPerHour);
  rest %= kMillisPerHour;
  const int minute = static_cast<int>(rest / kMillisPerMinute);
  rest %= kMillisPerMinute;
  const int second = static_cast<int>(rest / kMillisPerSecond);
  const int millis = static_cast<int>(rest % kMillisPerSecond);

  char buf[64];
  int n;
  if (year >= 0 && year <= 9999) {
    n = std::snprintf(buf, sizeof buf, "%04lld", static_cast<long long>(year));
  } else {
    // ISO 8601 expanded years, as JavaScript writes them: a sign and at least six digits.
    n = std::snprintf(buf, sizeof buf, "%c%06lld", year < 0 ? '-' : '+',
                      static_cast<long long>(year < 0 ? -year : year));
  }
  n += std::snprintf(buf + n, sizeof buf - n, "-%02u-%02uT%02d:%02d:%02d", month, day, hour, minute,
                     second);
  if (millis != 0) n += std::snprintf(buf + n, sizeof buf - n, ".%03d", millis);
  n += std::snprintf(buf + n, sizeof buf - n, "Z");
  assert(n > 0 && static_cast<size_t>(n) < sizeof buf);
  return std::string(buf, static_cast<size_t>(n));
}

}  // namespace trawl
