// Dates as trawl reads and writes them: milliseconds since the Unix epoch, UTC.
#ifndef TRAWL_COMMON_DATE_H_
#define TRAWL_COMMON_DATE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "trawl/export.h"

namespace trawl {

// The two parsers are exported from a shared libtrawl, though not public API, because
// libtrawl-ingest reads dates with them and cannot see the core's hidden symbols.

// RFC 3339 / ISO 8601: YYYY-MM-DD, optionally followed by 'T' or ' ' and HH:MM, HH:MM:SS or
// HH:MM:SS.fraction (digits beyond milliseconds are truncated), optionally followed by 'Z' or a
// zone offset ±HH:MM / ±HHMM / ±HH. No zone means UTC. Years 0000-9999. False for anything
// else, including out-of-range fields (month 13, Feb 30, hour 24, minute 60; a leap second :60
// is read as :59.999).
TRAWL_EXPORT bool ParseIsoDate(std::string_view text, int64_t* epoch_millis);
// RFC 5322 (mail) dates: "[Day, ]DD Mon YYYY HH:MM[:SS] ±HHMM" and the obsolete zone names
// (UT, GMT, EST, EDT, CST, CDT, MST, MDT, PST, PDT, Z; an unknown one means UTC), with
// comments and extra whitespace tolerated, as mbox messages and Debian changelogs carry them.
TRAWL_EXPORT bool ParseMailDate(std::string_view text, int64_t* epoch_millis);
// RFC 3339 in UTC: 2024-05-16T09:30:00Z, with .mmm only when the milliseconds are not zero.
// Years outside 0000-9999 are written with a sign and more digits (ISO 8601 expanded).
std::string FormatDate(int64_t epoch_millis);

// Days since 1970-01-01 of a proleptic Gregorian date, and back (Howard Hinnant's algorithms).
int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day);
void CivilFromDays(int64_t days, int64_t* year, unsigned* month, unsigned* day);

}  // namespace trawl

#endif  // TRAWL_COMMON_DATE_H_
