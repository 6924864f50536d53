// The "standard" tokenizer (UAX #29 word boundaries, analysis/word_break.h). The expectations of
// WordsAsLuceneFindsThem are the output of Lucene 8.7's StandardTokenizer, lower-cased, for the
// same lines.
#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "analysis/analyzer.h"
#include "analysis/word_break.h"

namespace trawl {
namespace standard_tokenizer_test {
namespace {

using Terms = std::vector<std::string>;

std::unique_ptr<Analyzer> Standard(const std::string& language = "none",
                                   const std::string& stopwords = "") {
  AnalyzerOptions options;
  options.tokenizer = "standard";
  options.language = language;
  options.stopwords = stopwords;
  std::unique_ptr<Analyzer> analyzer;
  Status s = Analyzer::Create(options, &analyzer);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return analyzer;
}

TEST(StandardTokenizerTest, WordsAsLuceneFindsThem) {
  auto a = Standard();
  const std::vector<std::pair<std::string, Terms>> cases = {
      {"I'm sure you don't", {"i'm", "sure", "you", "don't"}},
      {"e.g. i.e. U.S.A. A.J. Smith", {"e.g", "i.e", "u.s.a", "a.j", "smith"}},
      {"pi is 3.14, not 3,14; 1,000,000 and 1.2.3",
       {"pi", "is", "3.14", "not", "3,14", "1,000,000", "and", "1.2.3"}},
      {"foo_bar _x_ ___ x__", {"foo_bar", "_x_", "x__"}},
      {"PDP-10's O'Neil rock'n'roll 'quoted' end.",
       {"pdp", "10", "s", "o'neil", "rock'n'roll", "quoted", "end"}},
      {"www.example.com http://x.org/a_b a@b.com",
       {"www.example.com", "http", "x.org", "a_b", "a", "b.com"}},
      {"a.1 1.a a1.b2 1a.2", {"a", "1", "1", "a", "a1", "b2", "1a", "2"}},
      {"3:30 a:b a::b", {"3", "30", "a:b", "a", "b"}},
      {"東京タワー ひらがな 日本語テキスト",
       {"東", "京", "タワー", "ひ", "ら", "が", "な", "日", "本", "語", "テキスト"}},
      {"ภาษาไทย ok", {"ภาษาไทย", "ok"}},
      {"cafe\u0301 na\u00efve", {"cafe\u0301", "na\u00efve"}},
      {"\u03a9\u03bc\u03ad\u03b3\u03b1", {"\u03c9\u03bc\u03ad\u03b3\u03b1"}},
      {"x.y. .5 5. ,5 5,", {"x.y", "5", "5", "5", "5"}},
      {"Hello...world 1..2", {"hello", "world", "1", "2"}},
      {"end's", {"end's"}},
  };
  for (const auto& [text, want] : cases) EXPECT_EQ(a->Terms(text), want) << text;
}

TEST(StandardTokenizerTest, ApostrophesInsideWordsOnly) {
  auto a = Standard();
  EXPECT_EQ(a->Terms("'tis the dogs' bone"), (Terms{"tis", "the", "dogs", "bone"}));
  EXPECT_EQ(a->Terms("can't''t"), (Terms{"can't", "t"}));  // two in a row separate
  // ’ (U+2019) and ＇ (U+FF07) join like ' and are read as ', so both spellings match.
  EXPECT_EQ(a->Terms("don\u2019t O\uff07Neil"), (Terms{"don't", "o'neil"}));
}

TEST(StandardTokenizerTest, PeriodsJoinLettersOrDigitsNotBoth) {
  auto a = Standard();
  EXPECT_EQ(a->Terms("v1.2 v.2 node.js 2.x"), (Terms{"v1.2", "v", "2", "node.js", "2", "x"}));
  EXPECT_EQ(a->Terms("end. Next"), (Terms{"end", "next"}));
  EXPECT_EQ(a->Terms("a\u2024b \uff0e"), (Terms{"a\u2024b"}));  // one-dot leader: MidNumLet
}

TEST(StandardTokenizerTest, NumberSeparators) {
  auto a = Standard();
  EXPECT_EQ(a->Terms("1,000.50 1;2 a,b a;b"), (Terms{"1,000.50", "1;2", "a", "b", "a", "b"}));
  // Narrow no-break space groups digits (ExtendNumLet); a plain space does not.
  EXPECT_EQ(a->Terms("1\u202f000 1 000"), (Terms{"1\u202f000", "1", "000"}));
  EXPECT_EQ(a->Terms("\u0663\u066c\u0664 \u0966\u0967"), (Terms{"\u0663\u066c\u0664", "\u0966\u0967"}));
}

TEST(StandardTokenizerTest, MarksAndFormatCharacters) {
  auto a = Standard();
  // A combining mark stays with its letter, even before a joining period.
  EXPECT_EQ(a->Terms("e\u0301.g"), (Terms{"e\u0301.g"}));
  // Format characters are invisible inside a word and dropped from the term.
  EXPECT_EQ(a->Terms("co\u00adoperate zero\u200dwidth"), (Terms{"cooperate", "zerowidth"}));
  // A zero width space separates.
  EXPECT_EQ(a->Terms("one\u200btwo"), (Terms{"one", "two"}));
  // A mark after a space belongs to no word.
  EXPECT_EQ(a->Terms(" \u0301 x"), (Terms{"x"}));
}

TEST(StandardTokenizerTest, ByteOffsetsCoverTheWord) {
  auto a = Standard();
  std::vector<std::pair<uint32_t, uint32_t>> spans;
  const std::string text = "(don't) e.g. \u6771\u4eac";
  a->Analyze(text, [&](const Token& t) { spans.emplace_back(t.start_byte, t.end_byte); });
  const std::vector<std::pair<uint32_t, uint32_t>> want = {{1, 6}, {8, 11}, {13, 16}, {16, 19}};
  EXPECT_EQ(spans, want);
}

TEST(StandardTokenizerTest, EnglishPossessivesAreStripped) {
  EXPECT_EQ(Standard("porter")->Terms("John's car's O\u2019Neil\u2019s it's"),
            (Terms{"john", "car", "o'neil", "it"}));
  EXPECT_EQ(Standard("english")->Terms("John's"), (Terms{"john"}));
  // Only for English: other languages and no stemming keep the word as it is.
  EXPECT_EQ(Standard("none")->Terms("John's"), (Terms{"john's"}));
  EXPECT_EQ(Standard("french")->Terms("aujourd'hui"), (Terms{"aujourd'hui"}));
  // Stripped before stop words are removed, as in Lucene's EnglishAnalyzer.
  EXPECT_EQ(Standard("porter", "english")->Terms("it's there's"), (Terms{}));
  EXPECT_EQ(Standard("porter")->Terms("don't I'm"), (Terms{"don't", "i'm"}));
}

TEST(StandardTokenizerTest, FoldReadsTypographicApostrophes) {
  EXPECT_EQ(Standard()->Fold("Don\u2019t"), "don't");
}

TEST(StandardTokenizerTest, UnknownTokenizerIsAnError) {
  AnalyzerOptions options;
  options.tokenizer = "whitespace";
  std::unique_ptr<Analyzer> analyzer;
  Status s = Analyzer::Create(options, &analyzer);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("simple or standard"), std::string::npos) << s.ToString();
}

TEST(StandardTokenizerTest, WordBreakClasses) {
  EXPECT_EQ(WordBreakOf('a'), WordBreak::kALetter);
  EXPECT_EQ(WordBreakOf('7'), WordBreak::kNumeric);
  EXPECT_EQ(WordBreakOf('_'), WordBreak::kExtendNumLet);
  EXPECT_EQ(WordBreakOf('\''), WordBreak::kMidNumLet);
  EXPECT_EQ(WordBreakOf(0x2019), WordBreak::kMidNumLet);
  EXPECT_EQ(WordBreakOf(':'), WordBreak::kMidLetter);
  EXPECT_EQ(WordBreakOf(0x00B7), WordBreak::kMidLetter);
  EXPECT_EQ(WordBreakOf(','), WordBreak::kMidNum);
  EXPECT_EQ(WordBreakOf('-'), WordBreak::kOther);
  EXPECT_EQ(WordBreakOf(0x0301), WordBreak::kExtend);
  EXPECT_EQ(WordBreakOf(0x00AD), WordBreak::kFormat);
  EXPECT_EQ(WordBreakOf(0x200B), WordBreak::kOther);
  EXPECT_EQ(WordBreakOf(0x30BF), WordBreak::kKatakana);
  EXPECT_EQ(WordBreakOf(0x6771), WordBreak::kIdeographic);
  EXPECT_EQ(WordBreakOf(0x3072), WordBreak::kIdeographic);  // Hiragana
  EXPECT_EQ(WordBreakOf(0x0E20), WordBreak::kSoutheastAsian);
  EXPECT_EQ(WordBreakOf(0xAC00), WordBreak::kALetter);  // Hangul
  EXPECT_EQ(WordBreakOf(0x2163), WordBreak::kALetter);  // Roman numeral four (Nl)
  EXPECT_EQ(WordBreakOf(0xFFFD), WordBreak::kOther);
}

TEST(StandardTokenizerTest, RandomTextFuzz) {
  auto a = Standard("porter");
  std::mt19937 rng(7);
  const std::vector<std::string> pieces = {
      "a", "Z", "9", " ", ".", "'", ",", ";", ":", "_", "-", "s", "\u2019", "\u0301", "\u00ad",
      "\u200b", "\u6771", "\u30bf", "\u0e20", "\xff", "\xc3", "\xe2\x80"};
  for (int iteration = 0; iteration < 5000; ++iteration) {
    std::string text;
    const int n = static_cast<int>(rng() % 16);
    for (int i = 0; i < n; ++i) text += pieces[rng() % pieces.size()];
    uint32_t previous_end = 0;
    int64_t previous_position = -1;
    a->Analyze(text, [&](const Token& t) {
      ASSERT_LE(previous_end, t.start_byte) << text;
      ASSERT_LT(t.start_byte, t.end_byte) << text;
      ASSERT_LE(t.end_byte, text.size()) << text;
      ASSERT_GT(t.position, previous_position) << text;
      ASSERT_FALSE(t.term.empty()) << text;
      // Plain-text queries rely on this: a token's own bytes analyze to exactly that token.
      const std::string word = text.substr(t.start_byte, t.end_byte - t.start_byte);
      auto b = Standard("porter");
      ASSERT_EQ(b->Terms(word), Terms{std::string(t.term)}) << text;
      previous_end = t.end_byte;
      previous_position = t.position;
    });
  }
}

}  // namespace
}  // namespace standard_tokenizer_test
}  // namespace trawl
