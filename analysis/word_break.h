// Word segmentation after Unicode's word boundary rules (UAX #29), as Lucene's StandardTokenizer
// applies them: "don't", "e.g", "3.14", "1,000" and "foo_bar" are one word each, and only words
// holding a letter, a digit or an ideograph are reported. utf8proc gives general categories,
// not the Word_Break property, so the property is derived here from categories plus the short
// lists of punctuation that UAX #29 names (docs/query-language.md lists what differs).
#ifndef TRAWL_ANALYSIS_WORD_BREAK_H_
#define TRAWL_ANALYSIS_WORD_BREAK_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace trawl {

enum class WordBreak : uint8_t {
  kOther,         // spaces, symbols, most punctuation: always a boundary
  kALetter,       // letters of alphabetic scripts (and Hangul, Hebrew)
  kNumeric,       // decimal digits
  kKatakana,      // Katakana runs stay together
  kIdeographic,   // Han and Hiragana: every character is a word of its own
  kSoutheastAsian,  // Thai, Lao, Myanmar, Khmer...: runs stay together (no dictionary here)
  kExtendNumLet,  // '_' and other connectors: join letters and digits on both sides
  kMidLetter,     // ':' '·': inside a word between letters
  kMidNum,        // ',' ';': inside a number between digits
  kMidNumLet,     // '.' '\'' '’': between letters or between digits
  kExtend,        // combining marks: belong to the character before (WB4)
  kFormat,        // invisible format characters (soft hyphen, ZWJ, BOM): ignored inside words
};

WordBreak WordBreakOf(int32_t cp);

// The next word of text at or after *pos: sets [*start, *end) to its bytes, moves *pos past it
// and returns true; false when no word is left. Invalid UTF-8 decodes as U+FFFD, a boundary.
bool NextWord(std::string_view text, size_t* pos, size_t* start, size_t* end);

}  // namespace trawl

#endif  // TRAWL_ANALYSIS_WORD_BREAK_H_
