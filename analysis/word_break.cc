#include "analysis/word_break.h"

#include <utf8proc.h>

#include <array>

#include "analysis/analyzer.h"  // DecodeUtf8

namespace trawl {

namespace {

constexpr std::array<WordBreak, 128> MakeAsciiClasses() {
  std::array<WordBreak, 128> c{};
  for (int i = 0; i < 128; ++i) {
    const bool letter = (i >= 'A' && i <= 'Z') || (i >= 'a' && i <= 'z');
    c[i] = letter ? WordBreak::kALetter
           : (i >= '0' && i <= '9') ? WordBreak::kNumeric
                                    : WordBreak::kOther;
  }
  c['_'] = WordBreak::kExtendNumLet;
  c[':'] = WordBreak::kMidLetter;
  c[','] = WordBreak::kMidNum;
  c[';'] = WordBreak::kMidNum;
  c['.'] = WordBreak::kMidNumLet;
  // UAX #29 gives the apostrophe a class of its own (Single_Quote) that only Hebrew rules
  // treat differently from MidNumLet.
  c['\''] = WordBreak::kMidNumLet;
  return c;
}
constexpr std::array<WordBreak, 128> kAsciiClasses = MakeAsciiClasses();

bool In(int32_t cp, int32_t lo, int32_t hi) { return cp >= lo && cp <= hi; }

// Scripts written without spaces between words (Line_Break = Complex_Context). UAX #29 leaves
// them to a dictionary; StandardTokenizer, which has none, keeps each run as one token.
bool IsSoutheastAsian(int32_t cp) {
  return In(cp, 0x0E00, 0x0EFF) ||   // Thai, Lao
         In(cp, 0x1000, 0x109F) ||   // Myanmar
         In(cp, 0x1780, 0x17FF) ||   // Khmer
         In(cp, 0x1950, 0x19DF) ||   // Tai Le, New Tai Lue
         In(cp, 0x1A20, 0x1AAF) ||   // Tai Tham
         In(cp, 0xA9E0, 0xA9FF) ||   // Myanmar Extended-B
         In(cp, 0xAA60, 0xAADF);     // Myanmar Extended-A, Tai Viet
}

bool IsKatakana(int32_t cp) {
  return In(cp, 0x3031, 0x3035) || cp == 0x309B || cp == 0x309C || In(cp, 0x30A0, 0x30FA) ||
         In(cp, 0x30FC, 0x30FF) || In(cp, 0x31F0, 0x31FF) || In(cp, 0x32D0, 0x32FE) ||
         In(cp, 0x3300, 0x3357) || In(cp, 0xFF66, 0xFF9D) || cp == 0x1B000;
}

bool IsHanOrHiragana(int32_t cp) {
  return In(cp, 0x3040, 0x309F) ||  // Hiragana (309B/309C were taken as Katakana before)
         cp == 0x3006 || cp == 0x3007 || In(cp, 0x3021, 0x3029) || In(cp, 0x3038, 0x303A) ||
         In(cp, 0x3400, 0x4DBF) || In(cp, 0x4E00, 0x9FFF) || In(cp, 0xF900, 0xFAFF) ||
         In(cp, 0x20000, 0x3FFFF);
}

WordBreak NonAsciiWordBreak(int32_t cp) {
  switch (cp) {
    case 0x00B7: case 0x0387: case 0x055F: case 0x05F4: case 0x2027: case 0xFE13: case 0xFE55:
    case 0xFF1A:
      return WordBreak::kMidLetter;
    case 0x037E: case 0x0589: case 0x060C: case 0x060D: case 0x066C: case 0x07F8: case 0x2044:
    case 0xFE10: case 0xFE14: case 0xFE50: case 0xFE54: case 0xFF0C: case 0xFF1B:
      return WordBreak::kMidNum;
    case 0x2018: case 0x2019: case 0x2024: case 0xFE52: case 0xFF07: case 0xFF0E:
      return WordBreak::kMidNumLet;
    case 0x202F:  // narrow no-break space, a digit-group separator ("1 000")
      return WordBreak::kExtendNumLet;
    case 0x05F3:  // Hebrew geresh, part of Hebrew words and abbreviations
      return WordBreak::kALetter;
    case 0x200B:  // zero width space: a Cf character that separates words
      return WordBreak::kOther;
    default:
      break;
  }
  if (IsKatakana(cp)) return WordBreak::kKatakana;
  switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_NL:
      if (IsHanOrHiragana(cp)) return WordBreak::kIdeographic;
      if (IsSoutheastAsian(cp)) return WordBreak::kSoutheastAsian;
      return WordBreak::kALetter;
    case UTF8PROC_CATEGORY_ND:
      return WordBreak::kNumeric;
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
      return WordBreak::kExtend;
    case UTF8PROC_CATEGORY_CF:
      return WordBreak::kFormat;
    case UTF8PROC_CATEGORY_PC:
      return WordBreak::kExtendNumLet;
    default:
      return WordBreak::kOther;
  }
}

// WB5, WB8-WB10, WB13-WB13b: pairs that stay together with nothing between them.
bool Joins(WordBreak before, WordBreak after) {
  switch (before) {
    case WordBreak::kALetter:
    case WordBreak::kNumeric:
      return after == WordBreak::kALetter || after == WordBreak::kNumeric ||
             after == WordBreak::kExtendNumLet;
    case WordBreak::kKatakana:
      return after == WordBreak::kKatakana || after == WordBreak::kExtendNumLet;
    case WordBreak::kExtendNumLet:
      return after == WordBreak::kALetter || after == WordBreak::kNumeric ||
             after == WordBreak::kKatakana || after == WordBreak::kExtendNumLet;
    case WordBreak::kSoutheastAsian:
      return after == WordBreak::kSoutheastAsian;
    default:
      return false;
  }
}

// WB6/WB7 (letter, MidLetter or MidNumLet, letter) and WB11/WB12 (digit, MidNum or MidNumLet,
// digit): the middle character joins when the same kind follows it.
bool JoinsThrough(WordBreak before, WordBreak middle) {
  if (before == WordBreak::kALetter)
    return middle == WordBreak::kMidLetter || middle == WordBreak::kMidNumLet;
  if (before == WordBreak::kNumeric)
    return middle == WordBreak::kMidNum || middle == WordBreak::kMidNumLet;
  return false;
}

bool IsIgnorable(WordBreak c) { return c == WordBreak::kExtend || c == WordBreak::kFormat; }

bool HoldsWord(WordBreak c) {
  return c == WordBreak::kALetter || c == WordBreak::kNumeric || c == WordBreak::kKatakana ||
         c == WordBreak::kIdeographic || c == WordBreak::kSoutheastAsian;
}

// The character at *pos and its class, without moving.
WordBreak Peek(std::string_view text, size_t pos, size_t* next) {
  *next = pos;
  return WordBreakOf(DecodeUtf8(text, next));
}

// WB4: combining marks and format characters belong to the character before them.
size_t SkipIgnorable(std::string_view text, size_t pos) {
  while (pos < text.size()) {
    size_t next;
    if (!IsIgnorable(Peek(text, pos, &next))) break;
    pos = next;
  }
  return pos;
}

}  // namespace

WordBreak WordBreakOf(int32_t cp) {
  if (cp >= 0 && cp < 0x80) return kAsciiClasses[cp];
  return NonAsciiWordBreak(cp);
}

bool NextWord(std::string_view text, size_t* pos, size_t* start, size_t* end) {
  size_t p = *pos;
  while (p < text.size()) {
    const size_t word_start = p;
    WordBreak prev = Peek(text, p, &p);
    if (!HoldsWord(prev) && prev != WordBreak::kExtendNumLet) continue;
    bool holds_word = HoldsWord(prev);
    p = SkipIgnorable(text, p);
    while (p < text.size() && prev != WordBreak::kIdeographic) {
      size_t after;
      const WordBreak next = Peek(text, p, &after);
      if (Joins(prev, next)) {
        prev = next;
        holds_word |= HoldsWord(next);
        p = SkipIgnorable(text, after);
        continue;
      }
      if (!JoinsThrough(prev, next)) break;
      const size_t beyond = SkipIgnorable(text, after);
      if (beyond >= text.size()) break;
      size_t after_beyond;
      if (Peek(text, beyond, &after_beyond) != prev) break;
      p = SkipIgnorable(text, after_beyond);
    }
    if (!holds_word) continue;  // only connectors, such as "___"
    *start = word_start;
    *end = p;
    *pos = p;
    return true;
  }
  *pos = p;
  return false;
}

}  // namespace trawl
