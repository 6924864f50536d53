#include "analysis/analyzer.h"

#include <gtest/gtest.h>
#include <libstemmer.h>
#include <unistd.h>
#include <utf8proc.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>
#include <random>
#include <set>
#include <span>
#include <string>
#include <vector>

namespace trawl {
namespace analyzer_test {
namespace {

struct Tok {
  std::string term;
  uint32_t position;
  uint32_t start;
  uint32_t end;
  bool operator==(const Tok&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Tok& t) {
  return os << "{" << t.term << " @" << t.position << " [" << t.start << "," << t.end << ")}";
}

using Terms = std::vector<std::string>;

std::unique_ptr<Analyzer> MakeAnalyzer(const AnalyzerOptions& options) {
  std::unique_ptr<Analyzer> analyzer;
  Status status = Analyzer::Create(options, &analyzer);
  EXPECT_TRUE(status.ok()) << status.ToString();
  return analyzer;
}

// Folding and tokenizing only, so expectations need no knowledge of the stemmer.
std::unique_ptr<Analyzer> Unstemmed(uint32_t max_token_chars = 255) {
  AnalyzerOptions options;
  options.language = "none";
  options.max_token_chars = max_token_chars;
  return MakeAnalyzer(options);
}

std::vector<Tok> Tokens(Analyzer& analyzer, std::string_view text) {
  std::vector<Tok> tokens;
  analyzer.Analyze(text, [&](const Token& t) {
    tokens.push_back({std::string(t.term), t.position, t.start_byte, t.end_byte});
  });
  return tokens;
}

std::string WriteTempFile(const std::string& contents) {
  char path[] = "/tmp/trawl_analyzer_test_XXXXXX";
  const int fd = mkstemp(path);
  EXPECT_GE(fd, 0);
  close(fd);
  std::ofstream(path, std::ios::binary) << contents;
  return path;
}

TEST(AnalyzerTest, AsciiWordsSplitOnEverythingElse) {
  auto a = Unstemmed();
  EXPECT_EQ(a->Terms("hello, world! foo_bar baz-qux\te.g.\nx"),
            (Terms{"hello", "world", "foo", "bar", "baz", "qux", "e", "g", "x"}));
  EXPECT_EQ(a->Terms(""), Terms{});
  EXPECT_EQ(a->Terms("  ,.;  "), Terms{});
}

TEST(AnalyzerTest, MixedCaseIsFolded) {
  auto a = Unstemmed();
  EXPECT_EQ(a->Terms("HeLLo WORLD iPhone"), (Terms{"hello", "world", "iphone"}));
}

TEST(AnalyzerTest, NonAsciiLetters) {
  auto a = Unstemmed();
  EXPECT_EQ(a->Terms("Résumé CAFÉ naïve"), (Terms{"résumé", "café", "naïve"}));
  // Simple per-code-point lowercasing: capital sigma always becomes σ, never final ς.
  EXPECT_EQ(a->Terms("ΣΟΦΙΑ Ἀθῆναι"), (Terms{"σοφια", "ἀθῆναι"}));
  EXPECT_EQ(a->Terms("Москва, ЁЛКА"), (Terms{"москва", "ёлка"}));
  // A run of CJK ideographs and kana (ー is Lm) is one token; the ideographic full stop and
  // comma separate.
  EXPECT_EQ(a->Terms("東京タワー。日本語、テスト"), (Terms{"東京タワー", "日本語", "テスト"}));
  // Combining marks (Mn) are not letters, so a decomposed é splits the word.
  EXPECT_EQ(a->Terms("e\xCC\x81t\xC3\xA9"), (Terms{"e", "té"}));
  // Emoji, symbols and no-break spaces separate.
  EXPECT_EQ(a->Terms("a😀b©c\u00A0d"), (Terms{"a", "b", "c", "d"}));
}

TEST(AnalyzerTest, DecimalDigitsJoinLetters) {
  auto a = Unstemmed();
  EXPECT_EQ(a->Terms("abc123 4,5 3.14 x2"), (Terms{"abc123", "4", "5", "3", "14", "x2"}));
  // Arabic-Indic and fullwidth digits are Nd; superscripts (No) and Roman numerals (Nl) are not.
  EXPECT_EQ(a->Terms("٣٤ １２ x²y Ⅻ"), (Terms{"٣٤", "１２", "x", "y"}));
}

TEST(AnalyzerTest, StopWordsLeavePositionGaps) {
  AnalyzerOptions options;
  options.language = "none";
  options.stopwords = "english";
  auto a = MakeAnalyzer(options);
  EXPECT_EQ(Tokens(*a, "The quick fox is in THE house"),
            (std::vector<Tok>{{"quick", 1, 4, 9}, {"fox", 2, 10, 13}, {"house", 6, 24, 29}}));
}

TEST(AnalyzerTest, AllThirtyThreeEnglishStopWords) {
  AnalyzerOptions options;
  options.stopwords = "english";
  auto a = MakeAnalyzer(options);
  EXPECT_EQ(a->Terms("a an and are as at be but by for if in into is it no not of on or such "
                     "that the their then there these they this to was will with"),
            Terms{});
  EXPECT_EQ(a->Terms("I am he"), (Terms{"i", "am", "he"}));
}

TEST(AnalyzerTest, ByteOffsetsPointAtTheOriginalText) {
  auto a = Unstemmed();
  const std::string text = "  Café—au LAIT!";
  const auto tokens = Tokens(*a, text);
  ASSERT_EQ(tokens, (std::vector<Tok>{{"café", 0, 2, 7}, {"au", 1, 10, 12}, {"lait", 2, 13, 17}}));
  EXPECT_EQ(text.substr(2, 5), "Café");
  EXPECT_EQ(text.substr(13, 4), "LAIT");
}

TEST(AnalyzerTest, TokenAtEndOfText) {
  auto a = Unstemmed();
  EXPECT_EQ(Tokens(*a, "ab"), (std::vector<Tok>{{"ab", 0, 0, 2}}));
  EXPECT_EQ(Tokens(*a, "x é"), (std::vector<Tok>{{"x", 0, 0, 1}, {"é", 1, 2, 4}}));
}

TEST(AnalyzerTest, DecodeUtf8ReplacesEachBadByte) {
  struct Case {
    std::string bytes;
    std::vector<int32_t> code_points;
  };
  const std::vector<Case> cases = {
      {"A\xC3\xA9", {'A', 0xE9}},
      {"\xF0\x9F\x98\x80", {0x1F600}},
      {"\xC3", {0xFFFD}},                                      // truncated at the end
      {"\xE2\x82", {0xFFFD, 0xFFFD}},                          // truncated at the end
      {"\xE2\x82x", {0xFFFD, 0xFFFD, 'x'}},                    // truncated by an ASCII byte
      {"\xC0\xAF", {0xFFFD, 0xFFFD}},                          // overlong '/'
      {"\xE0\x80\x80", {0xFFFD, 0xFFFD, 0xFFFD}},              // overlong NUL
      {"\xED\xA0\x80", {0xFFFD, 0xFFFD, 0xFFFD}},              // a surrogate
      {"\xF4\x90\x80\x80", {0xFFFD, 0xFFFD, 0xFFFD, 0xFFFD}},  // above U+10FFFF
      {"\x80\xBF", {0xFFFD, 0xFFFD}},                          // lone continuation bytes
      {"\xFE\xFF", {0xFFFD, 0xFFFD}},
      {"\xEF\xBF\xBD", {0xFFFD}},  // a genuine U+FFFD
  };
  for (const Case& c : cases) {
    std::vector<int32_t> decoded;
    for (size_t pos = 0; pos < c.bytes.size();) decoded.push_back(DecodeUtf8(c.bytes, &pos));
    EXPECT_EQ(decoded, c.code_points) << testing::PrintToString(c.bytes);
  }
}

TEST(AnalyzerTest, InvalidUtf8Separates) {
  auto a = Unstemmed();
  EXPECT_EQ(Tokens(*a, "ab\xC3"), (std::vector<Tok>{{"ab", 0, 0, 2}}));
  EXPECT_EQ(Tokens(*a, "ab\xE2\x82"), (std::vector<Tok>{{"ab", 0, 0, 2}}));
  // Letters g-z cannot continue a \x escape, so they follow the bad bytes directly.
  EXPECT_EQ(Tokens(*a, "a\xC3z"), (std::vector<Tok>{{"a", 0, 0, 1}, {"z", 1, 2, 3}}));
  EXPECT_EQ(a->Terms("a\xC0\xAFz\xE0\x80\x80y"), (Terms{"a", "z", "y"}));
  EXPECT_EQ(a->Terms("\x80x\xBFy\xFF"), (Terms{"x", "y"}));
  EXPECT_EQ(a->Terms("sur\xED\xA0\x80rogate"), (Terms{"sur", "rogate"}));
  // A real U+FFFD in the input separates just the same.
  EXPECT_EQ(a->Terms("a\xEF\xBF\xBDz"), (Terms{"a", "z"}));
  // Valid letters right after a bad byte are kept.
  EXPECT_EQ(a->Terms("\xC3\xC3\xA9t\xC3\xA9"), (Terms{"été"}));
}

bool IsValidUtf8WithoutReplacement(std::string_view s) {
  for (size_t pos = 0; pos < s.size();) {
    if (DecodeUtf8(s, &pos) == 0xFFFD) return false;
  }
  return true;
}

TEST(AnalyzerTest, RandomBytesFuzz) {
  auto a = Unstemmed(8);
  auto b = Unstemmed(8);
  std::mt19937 rng(20240601);
  // Bytes biased towards UTF-8 lead and continuation bytes to reach the decoder's corners.
  const std::string alphabet = "aZ9 .\x80\xBF\xC2\xC3\xDF\xE0\xE2\xED\xEF\xF0\xF4\xF5\xFF";
  for (int iteration = 0; iteration < 5000; ++iteration) {
    const size_t size = rng() % 48;
    // Exactly sized heap storage, so that a read past the end shows up under AddressSanitizer.
    auto buffer = std::make_unique<char[]>(size);
    for (size_t i = 0; i < size; ++i) {
      buffer[i] = rng() % 2 ? static_cast<char>(rng()) : alphabet[rng() % alphabet.size()];
    }
    const std::string_view text(buffer.get(), size);
    const auto tokens = Tokens(*a, text);
    ASSERT_EQ(tokens, Tokens(*b, text));
    ASSERT_EQ(tokens, Tokens(*a, text));
    uint32_t previous_end = 0;
    int64_t previous_position = -1;
    for (const Tok& t : tokens) {
      ASSERT_LE(previous_end, t.start);
      ASSERT_LT(t.start, t.end);
      ASSERT_LE(t.end, size);
      ASSERT_GT(t.position, previous_position);
      ASSERT_TRUE(IsValidUtf8WithoutReplacement(t.term));
      // The token's own bytes analyze to exactly that token.
      ASSERT_EQ(a->Terms(text.substr(t.start, t.end - t.start)), Terms{t.term});
      previous_end = t.end;
      previous_position = t.position;
    }
  }
}

// The simple tokenizer against a reference written a code point at a time: a token is a run of
// code points IsLetterOrDigit accepts, folded by utf8proc_tolower; one longer
// than max_token_chars is dropped but keeps its position. Texts mix runs of ASCII with letters
// that are not ASCII (some change length when folded), other symbols and invalid bytes, so that
// the tokenizer's ASCII runs start and end next to every kind of code point.
TEST(AnalyzerTest, SimpleTokensMatchACodePointAtATimeReference) {
  const std::vector<std::string> pieces = {"a",
                                           "Z",
                                           "9",
                                           "abc",
                                           "Hello",
                                           "x1Y2",
                                           " ",
                                           ".",
                                           "-",
                                           "\t",
                                           "'",
                                           "_",
                                           "\xC3\xA9",
                                           "\xC3\x89",
                                           "\xC3\x9F",
                                           "\xE6\x97\xA5",
                                           "\xC4\xB0",
                                           "\xE2\x80\x94",
                                           "\xE2\x85\xAB",
                                           "\xCC\x81",
                                           "\xC2\xAD",
                                           "\xF0\x9F\x98\x80",
                                           "\x80",
                                           "\xFF",
                                           "\xC3",
                                           "\xE6\x97"};
  std::mt19937 rng(20261207);
  for (const uint32_t max_chars : {1u, 3u, 8u, 255u}) {
    AnalyzerOptions options;
    options.tokenizer = "simple";
    options.language = "none";
    options.stopwords = "";
    options.ascii_folding = false;
    options.max_token_chars = max_chars;
    std::unique_ptr<Analyzer> analyzer = MakeAnalyzer(options);
    for (int iteration = 0; iteration < 3000; ++iteration) {
      std::string text;
      for (size_t n = rng() % 20; n > 0; --n) text += pieces[rng() % pieces.size()];
      std::vector<Tok> expected;
      std::vector<std::pair<size_t, size_t>> expected_bytes;
      uint32_t position = 0;
      for (size_t pos = 0; pos < text.size();) {
        size_t at = pos;
        const int32_t cp = DecodeUtf8(text, &pos);
        if (!IsLetterOrDigit(cp)) continue;
        std::string term;
        size_t chars = 0, end = pos;
        for (int32_t c = cp;;) {
          if (++chars <= max_chars) {
            char buffer[4];
            const auto n = utf8proc_encode_char(utf8proc_tolower(c),
                                                reinterpret_cast<utf8proc_uint8_t*>(buffer));
            term.append(buffer, static_cast<size_t>(n));
          }
          end = pos;
          if (pos >= text.size()) break;
          c = DecodeUtf8(text, &pos);
          if (!IsLetterOrDigit(c)) break;
        }
        expected_bytes.emplace_back(at, end);
        if (chars <= max_chars) {
          expected.push_back(
              {term, position, static_cast<uint32_t>(at), static_cast<uint32_t>(end)});
        }
        ++position;
      }
      ASSERT_EQ(Tokens(*analyzer, text), expected) << max_chars << ": " << text;
      std::vector<std::pair<size_t, size_t>> bytes;
      for (size_t pos = 0, start, end; analyzer->NextTokenBytes(text, &pos, &start, &end);)
        bytes.emplace_back(start, end);
      ASSERT_EQ(bytes, expected_bytes) << text;
    }
  }
}

// Analyze folds a batch of words before it stems any (each word's stem memo set fetched ahead)
// and copies the batch's stems out of the memo: against a reference that takes a word at a
// time through NextTokenBytes, Fold, the stop words and libstemmer itself, with no memo. The
// vocabulary is large enough that the memo misses, evicts and grows inside batches; words
// longer than the memo keeps, stop words, words stemmed to nothing ("s" in porter) and words
// too long to index fall at every place in a batch. AnalyzeInBatches hands over the same
// tokens in batches of at most kBatchTokens.
TEST(AnalyzerTest, StemmedTokensMatchAWordAtATimeReference) {
  const std::set<std::string> lucene_stopwords = {
      "a",   "an",    "and",  "are",   "as",    "at",   "be",   "but", "by",  "for",  "if",
      "in",  "into",  "is",   "it",    "no",    "not",  "of",   "on",  "or",  "such", "that",
      "the", "their", "then", "there", "these", "they", "this", "to",  "was", "will", "with"};
  std::vector<std::string> vocabulary = {"the",  "s",     "running",        "Straße",
                                         "Café", "naïve", "ponies",         "agreed",
                                         "x",    "to",    "generalizations"};
  std::mt19937 rng(20261208);
  for (int i = 0; i < 12000; ++i) {
    std::string word;
    const size_t letters = 1 + rng() % (i % 50 == 0 ? 45 : 12);
    for (size_t j = 0; j < letters; ++j) word += static_cast<char>('a' + rng() % 26);
    if (i % 7 == 0) word += "ing";
    if (i % 11 == 0) word += "s";
    vocabulary.push_back(word);
  }
  for (const char* language : {"english", "porter", "none"}) {
    for (const bool stopwords : {false, true}) {
      AnalyzerOptions options;
      options.language = language;
      options.stopwords = stopwords ? "english" : "";
      options.ascii_folding = stopwords;
      options.max_token_chars = 40;
      std::unique_ptr<Analyzer> analyzer = MakeAnalyzer(options);
      std::unique_ptr<Analyzer> batched = MakeAnalyzer(options);
      sb_stemmer* stemmer =
          std::string(language) == "none" ? nullptr : sb_stemmer_new(language, "UTF_8");
      for (int round = 0; round < 40; ++round) {
        std::string text;
        for (size_t n = rng() % 700; n > 0; --n) {
          text += vocabulary[rng() % (round < 20 ? 60 : vocabulary.size())];
          text += " .,\n"[rng() % 4];
        }
        std::vector<Tok> expected;
        uint32_t position = 0;
        for (size_t pos = 0, start, end; analyzer->NextTokenBytes(text, &pos, &start, &end);
             ++position) {
          const std::string word = text.substr(start, end - start);
          const auto chars =
              std::count_if(word.begin(), word.end(), [](char c) { return (c & 0xC0) != 0x80; });
          if (chars > 40) continue;
          const std::string folded = analyzer->Fold(word);
          if (stopwords && lucene_stopwords.contains(folded)) continue;
          std::string term = folded;
          if (stemmer != nullptr) {
            const sb_symbol* stem =
                sb_stemmer_stem(stemmer, reinterpret_cast<const sb_symbol*>(folded.data()),
                                static_cast<int>(folded.size()));
            term.assign(reinterpret_cast<const char*>(stem),
                        static_cast<size_t>(sb_stemmer_length(stemmer)));
          }
          if (term.empty()) continue;
          expected.push_back(
              {term, position, static_cast<uint32_t>(start), static_cast<uint32_t>(end)});
        }
        ASSERT_EQ(Tokens(*analyzer, text), expected) << language << " " << stopwords;
        std::vector<Tok> in_batches;
        batched->AnalyzeInBatches(text, [&](std::span<const Token> batch) {
          EXPECT_FALSE(batch.empty());
          EXPECT_LE(batch.size(), Analyzer::kBatchTokens);
          for (const Token& t : batch)
            in_batches.push_back({std::string(t.term), t.position, t.start_byte, t.end_byte});
        });
        ASSERT_EQ(in_batches, expected) << language << " " << stopwords;
      }
      if (stemmer != nullptr) sb_stemmer_delete(stemmer);
    }
  }
}

// NextTokenBytes gives every position Analyze counts, in order, with the bytes of the tokens it
// emits: stop words, tokens too long and tokens that stem to nothing take their positions too.
TEST(AnalyzerTest, TokenBytesAreThoseOfEveryPosition) {
  const std::string alphabet = "aZ9s \t.'’_-\x80\xBF\xC2\xC3\xDF\xE0\xE2\xED\xEF\xF0\xF4\xF5\xFF";
  const std::vector<std::string> words = {"the", "a", "running", "don't", "s", "é", "日本",
                                          "Straße", "3.14", "e.g.", "co\u00ADop", "x_y"};
  for (const char* tokenizer : {"simple", "standard"}) {
    AnalyzerOptions options;
    options.tokenizer = tokenizer;
    options.language = "porter";
    options.stopwords = "english";
    options.max_token_chars = 4;
    std::unique_ptr<Analyzer> a;
    ASSERT_TRUE(Analyzer::Create(options, &a).ok());
    std::mt19937 rng(20261205);
    for (int iteration = 0; iteration < 3000; ++iteration) {
      std::string text;
      for (size_t n = rng() % 24; n > 0; --n) {
        if (rng() % 2) {
          text += words[rng() % words.size()];
        } else {
          text += rng() % 4 ? alphabet[rng() % alphabet.size()] : static_cast<char>(rng());
        }
      }
      std::vector<std::pair<size_t, size_t>> bytes;
      for (size_t pos = 0, start, end; a->NextTokenBytes(text, &pos, &start, &end);)
        bytes.emplace_back(start, end);
      a->Analyze(text, [&](const Token& t) {
        ASSERT_LT(t.position, bytes.size()) << tokenizer << ": " << text;
        EXPECT_EQ(bytes[t.position], std::make_pair(size_t{t.start_byte}, size_t{t.end_byte}))
            << tokenizer << ": " << text;
      });
      for (size_t i = 0; i < bytes.size(); ++i) {
        ASSERT_LT(bytes[i].first, bytes[i].second);
        if (i > 0) {
          ASSERT_LE(bytes[i - 1].second, bytes[i].first);
        }
      }
      // The simple tokenizer restarts exactly at any of them: from token i on, the text
      // analyzes as it did, i positions earlier.
      if (options.tokenizer != "simple") continue;
      std::vector<Tok> whole;
      a->Analyze(text, [&](const Token& t) {
        whole.push_back({std::string(t.term), t.position, t.start_byte, t.end_byte});
      });
      for (size_t i = 0; i < bytes.size(); ++i) {
        const size_t from = bytes[i].first;
        size_t k = 0;
        while (k < whole.size() && whole[k].position < i) ++k;
        a->Analyze(std::string_view(text).substr(from), [&](const Token& t) {
          ASSERT_LT(k, whole.size()) << text;
          EXPECT_EQ((Tok{std::string(t.term), static_cast<uint32_t>(t.position + i),
                         static_cast<uint32_t>(t.start_byte + from),
                         static_cast<uint32_t>(t.end_byte + from)}),
                    whole[k])
              << text;
          ++k;
        });
        EXPECT_EQ(k, whole.size()) << text;
      }
    }
  }
}

TEST(AnalyzerTest, LongTokensAreDroppedButUseAPosition) {
  auto a = Unstemmed(5);
  EXPECT_EQ(Tokens(*a, "abc abcdefg xyz"),
            (std::vector<Tok>{{"abc", 0, 0, 3}, {"xyz", 2, 12, 15}}));
  EXPECT_EQ(a->dropped_long_tokens(), 1u);
  // The limit counts code points, not bytes, and is inclusive.
  EXPECT_EQ(a->Terms("abcde ééééé éééééé"), (Terms{"abcde", "ééééé"}));
  EXPECT_EQ(a->dropped_long_tokens(), 2u);
  EXPECT_EQ(a->Terms(std::string(100000, 'x') + " y"), Terms{"y"});
  EXPECT_EQ(a->dropped_long_tokens(), 3u);
}

TEST(AnalyzerTest, EnglishStemming) {
  auto a = MakeAnalyzer(AnalyzerOptions());
  EXPECT_EQ(a->Terms("Running runs"), (Terms{"run", "run"}));
  // No stop words by default, so "of" stays and keeps phrase positions honest.
  EXPECT_EQ(Tokens(*a, "Institute of Technology"),
            (std::vector<Tok>{{"institut", 0, 0, 9}, {"of", 1, 10, 12}, {"technolog", 2, 13, 23}}));
}

TEST(AnalyzerTest, StopWordsAreMatchedBeforeStemming) {
  AnalyzerOptions options;
  options.stopwords = "english";
  auto a = MakeAnalyzer(options);
  // "this" is a stop word, "thi" (which "this" stems to) is not; "these" is, "thes" is not.
  EXPECT_EQ(a->Terms("This thi These thes"), (Terms{"thi", "thes"}));
}

TEST(AnalyzerTest, PorterIsAValidLanguage) {
  AnalyzerOptions options;
  options.language = "porter";
  auto a = MakeAnalyzer(options);
  // Porter and Porter2 ("english") differ on these.
  EXPECT_EQ(a->Terms("running generalizations fairly"), (Terms{"run", "gener", "fairli"}));
  EXPECT_EQ(MakeAnalyzer(AnalyzerOptions())->Terms("generalizations fairly"),
            (Terms{"general", "fair"}));
}

TEST(AnalyzerTest, EmptyStemsAreDroppedButUseAPosition) {
  AnalyzerOptions options;
  options.language = "porter";
  auto a = MakeAnalyzer(options);
  // Snowball porter stems "s" (as in "PDP-10's" or "the s key") to nothing.
  const std::vector<Tok> want = {{"cat", 0, 0, 4}, {"dog", 2, 7, 11}};
  EXPECT_EQ(Tokens(*a, "cats s dogs"), want);
  EXPECT_EQ(a->Terms("s S s"), Terms{});
}

TEST(AnalyzerTest, OtherLanguages) {
  AnalyzerOptions options;
  options.language = "russian";
  EXPECT_EQ(MakeAnalyzer(options)->Terms("КНИГАМИ"), Terms{"книг"});
  options.language = "french";
  EXPECT_EQ(MakeAnalyzer(options)->Terms("continuellement"), Terms{"continuel"});
}

TEST(AnalyzerTest, UnknownLanguageIsAnError) {
  AnalyzerOptions options;
  options.language = "klingon";
  std::unique_ptr<Analyzer> a;
  const Status status = Analyzer::Create(options, &a);
  EXPECT_TRUE(status.IsInvalidArgument());
  EXPECT_NE(status.message().find("klingon"), std::string::npos) << status.message();
  EXPECT_NE(status.message().find("english"), std::string::npos) << status.message();
  EXPECT_NE(status.message().find("porter"), std::string::npos) << status.message();
  EXPECT_EQ(a, nullptr);
}

TEST(AnalyzerTest, ZeroMaxTokenCharsIsAnError) {
  AnalyzerOptions options;
  options.max_token_chars = 0;
  std::unique_ptr<Analyzer> a;
  EXPECT_TRUE(Analyzer::Create(options, &a).IsInvalidArgument());
}

TEST(AnalyzerTest, Languages) {
  const auto languages = Analyzer::Languages();
  EXPECT_NE(std::find(languages.begin(), languages.end(), "english"), languages.end());
  EXPECT_NE(std::find(languages.begin(), languages.end(), "porter"), languages.end());
  EXPECT_EQ(std::find(languages.begin(), languages.end(), "none"), languages.end());
}

TEST(AnalyzerTest, StopwordFile) {
  const std::string path = WriteTempFile(
      "\xEF\xBB\xBF"
      "foo\n# a comment line\n  Bar  \r\nBAZ # a trailing comment\n\n\tÉté\n");
  AnalyzerOptions options;
  options.language = "none";
  options.stopwords = path;
  auto a = MakeAnalyzer(options);
  EXPECT_EQ(Tokens(*a, "foo bar baz été the comment a"),
            (std::vector<Tok>{{"the", 4, 18, 21}, {"comment", 5, 22, 29}, {"a", 6, 30, 31}}));
  std::remove(path.c_str());
}

TEST(AnalyzerTest, UnreadableStopwordFileIsAnError) {
  AnalyzerOptions options;
  std::unique_ptr<Analyzer> a;
  options.stopwords = "/nonexistent/trawl/stopwords.txt";
  Status status = Analyzer::Create(options, &a);
  EXPECT_TRUE(status.IsInvalidArgument());
  EXPECT_NE(status.message().find(options.stopwords), std::string::npos) << status.message();
  options.stopwords = "/tmp";  // a directory opens but cannot be read
  EXPECT_TRUE(Analyzer::Create(options, &a).IsInvalidArgument());
}

TEST(AnalyzerTest, FoldDoesNotStem) {
  auto a = MakeAnalyzer(AnalyzerOptions());
  EXPECT_EQ(a->Fold("Résumé"), "résumé");
  EXPECT_EQ(a->Fold("RUNNING"), "running");
  EXPECT_EQ(a->Fold("ΣΟΦΙΑ"), "σοφια");
  EXPECT_EQ(a->Fold("a\xC3"), "a\xEF\xBF\xBD");
  EXPECT_EQ(a->Fold(""), "");
}

TEST(AnalyzerTest, OptionsAreKept) {
  AnalyzerOptions options;
  options.language = "porter";
  options.stopwords = "english";
  options.max_token_chars = 40;
  auto a = MakeAnalyzer(options);
  EXPECT_EQ(a->options().language, "porter");
  EXPECT_EQ(a->options().stopwords, "english");
  EXPECT_EQ(a->options().max_token_chars, 40u);
  EXPECT_EQ(a->dropped_long_tokens(), 0u);
}

}  // namespace
}  // namespace analyzer_test
}  // namespace trawl
